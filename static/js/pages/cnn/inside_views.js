// Two views of the network as a whole, at the chosen step: the first layer's kernels beside the
// image-filter presets they resemble (POST /api/cnn/filters) with each one's feature map on the
// chosen example, and the confusion matrix of the test subset (POST /api/cnn/confusion), whose
// cells list their examples; a click on one looks inside it.

import { createColorbar, rgb, sequential, textOn } from "../../colormap.js";
import { byId, el } from "../../dom.js";
import { formatNumber as fmt } from "../../format.js";
import { lang, t } from "../../i18n.js";
import { createKernels } from "../../widgets/kernels.js";
import { createRoving } from "./inside_keys.js";
import { layerFigure } from "./inside_maps.js";
import { both, classBoth, classOf } from "./text.js";

function grey(canvas, channel) {
  const H = channel.length;
  const W = channel[0].length;
  canvas.width = W;
  canvas.height = H;
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(W, H);
  channel.flat().forEach((v, i) => {
    const g = Math.round(255 * Math.max(0, Math.min(1, v)));
    image.data.set([g, g, g, 255], i * 4);
  });
  ctx.putImageData(image, 0, 0);
}

let filterMaps = []; // the feature-map views of the cards, destroyed before a redraw

// out: POST /api/cnn/filters; maps: the first conv layer's activations on the example, or null.
export function renderFilters(out, maps) {
  const box = byId("cnn-in-filters");
  filterMaps.forEach((m) => m.view.destroy());
  filterMaps = [];
  const note = byId("cnn-in-filters-note");
  box.replaceChildren();
  if (out.layer === null) {
    note.textContent = t("This network has no conv layer, so it has no filters to compare.");
    return;
  }
  const presets = new Map(out.presets.map((p) => [p.name, p]));
  note.textContent = out.presets.length
    ? t(
        "Layer {layer}'s {n} kernels ({size}×{size}) after step {step}, each beside the image-filter preset of /filters it is most like, by cosine similarity Σ w·p / (‖w‖ ‖p‖) (1: the same pattern, −1: the pattern negated, 0: unrelated). Blue negative, orange positive, white 0; each kernel on its own scale ±max |w|.",
        { layer: out.layer, n: out.weight.length, size: out.size, step: out.step },
      )
    : t("Layer {layer}'s kernels are {size}×{size}; the presets are 3×3 and 5×5, so there is none of that size to compare them with.", {
        layer: out.layer,
        size: out.size,
      });
  out.weight.forEach((filter, f) => {
    const card = el("figure", "cnn-in-filter");
    card.dataset.filter = String(f);
    const pair = el("div", "cnn-in-pair");
    const own = el("div");
    const limit = Math.max(...filter.flat(Infinity).map(Math.abs));
    createKernels(own, { label: t("learned kernel {f}", { f }), caption: () => `W${f}` }).update({ weight: [filter], limit });
    pair.append(own);
    const best = out.filters[f][0] && out.filters[f][0][0];
    if (best) {
      const preset = presets.get(best.preset);
      const theirs = el("div");
      const plimit = Math.max(...preset.kernel.flat().map(Math.abs));
      const sign = best.similarity < 0 ? "−" : "";
      const name = lang === "zh" ? preset.label_zh : preset.label;
      createKernels(theirs, { label: t("preset {name}", { name }), caption: () => `${sign}${name}` }).update({ weight: [[best.similarity < 0 ? preset.kernel.map((r) => r.map((v) => -v)) : preset.kernel]], limit: plimit });
      pair.append(theirs);
    }
    card.append(pair);
    const caption = el("figcaption");
    const lines = (out.filters[f][0] || []).map((m) => {
      const p = presets.get(m.preset);
      return `${both(p.label, p.label_zh)}: ${fmt(m.similarity)}`;
    });
    caption.append(el("span", "cnn-in-best", lines[0] ? `≈ ${lines[0]}` : ""));
    if (lines.length > 1) caption.append(el("span", "note-text", t(" · then {list}", { list: lines.slice(1).join(" · ") })));
    if (best) caption.append(el("span", "note-text", ` (${presets.get(best.preset).extracts})`));
    card.append(caption);
    if (maps) {
      const holder = el("div", "cnn-in-filter-map");
      filterMaps.push(layerFigure(holder, { title: t("feature map {f} on this example", { f }), shape: [1, maps[f].length, maps[f][0].length], values: [maps[f]] }));
      card.append(holder);
    }
    box.append(card);
  });
}

// out: POST /api/cnn/confusion; pick(index) looks inside test example `index`;
// examples(indices) -> Promise of GET .../examples (their images).
export function createConfusion({ pick, examples }) {
  const tableEl = byId("cnn-in-confusion");
  const list = byId("cnn-in-cell-examples");
  const bar = createColorbar(byId("cnn-in-confusion-bar"), { kind: "sequential", min: 0, max: 1, label: t("share of the row (the true class)") });
  let out = null;
  let chosen = null; // [t, p]
  const cellsRoving = createRoving(tableEl, { selector: "td.cnn-in-count", cols: () => (out ? out.counts.length : 1), onPick: (_, td) => choose(Number(td.dataset.t), Number(td.dataset.p)) });
  const examplesRoving = createRoving(list, { selector: "button", cols: () => 8, onPick: (_, b) => pick(Number(b.dataset.index)) });

  function render(next) {
    out = next;
    const head = el("thead");
    const hr = el("tr");
    hr.append(el("th", "", t("true ↓ · predicted →")));
    out.classes.forEach((_, p) => {
      const th = el("th", "", `${p}`);
      th.title = classBoth(out, p);
      th.scope = "col";
      hr.append(th);
    });
    head.append(hr);
    const body = el("tbody");
    out.counts.forEach((row, r) => {
      const tr = el("tr");
      const th = el("th", "", `${r} ${classBoth(out, r)}`);
      th.scope = "row";
      tr.append(th);
      const total = row.reduce((a, b) => a + b, 0);
      row.forEach((n, p) => {
        const td = el("td", "num cnn-in-count", String(n));
        td.dataset.t = String(r);
        td.dataset.p = String(p);
        td.setAttribute("role", "gridcell");
        td.setAttribute("aria-label", t("{n} {truth} predicted as {predicted}", { n, truth: classOf(out, r), predicted: classOf(out, p) }));
        const colour = sequential(total ? n / total : 0);
        td.style.backgroundColor = rgb(colour);
        td.style.color = textOn(colour);
        if (r === p) td.classList.add("diag");
        if (chosen && chosen[0] === r && chosen[1] === p) td.classList.add("chosen");
        tr.append(td);
      });
      body.append(tr);
    });
    tableEl.replaceChildren(head, body);
    cellsRoving.refresh();
    bar.update({ min: 0, max: 1, label: t("share of the row (its true class)") });
    byId("cnn-in-confusion-note").textContent = t(
      "The {n} fixed test examples the training evaluates on, at step {step}: accuracy {accuracy}%, {wrong} wrong. Rows: the true class; columns: the predicted one; the diagonal is right. Choose a cell for its examples (arrows move, Enter picks).",
      { n: out.size, step: out.step, accuracy: (100 * out.accuracy).toFixed(1), wrong: out.misclassified_count },
    );
    if (chosen) choose(...chosen);
    else list.replaceChildren();
  }

  async function choose(r, p) {
    chosen = [r, p];
    tableEl.querySelectorAll("td.chosen").forEach((td) => td.classList.remove("chosen"));
    const td = tableEl.querySelector(`td[data-t="${r}"][data-p="${p}"]`);
    if (td) td.classList.add("chosen");
    const indices = out.examples[r][p];
    const n = out.counts[r][p];
    const names = { n, truth: classOf(out, r), predicted: classOf(out, p), shown: indices.length };
    let note = t("No {truth} is predicted as {predicted}.", names);
    if (n > indices.length) note = t("{n} {truth} predicted as {predicted}; the {shown} most confident shown. Choose one to look inside it.", names);
    else if (n) note = t("{n} {truth} predicted as {predicted}. Choose one to look inside it.", names);
    byId("cnn-in-cell-note").textContent = note;
    if (!indices.length) {
      list.replaceChildren();
      return;
    }
    let got;
    try {
      got = await examples(indices);
    } catch (error) {
      byId("cnn-in-cell-note").textContent = error.message;
      return;
    }
    list.replaceChildren(
      ...got.x.map((image, i) => {
        const button = el("button", "cnn-in-thumb");
        button.type = "button";
        button.dataset.index = String(got.indices[i]);
        button.setAttribute("aria-label", t("test example {index}", { index: got.indices[i] }));
        const canvas = el("canvas");
        grey(canvas, image[0]);
        button.append(canvas, el("span", "", `#${got.indices[i]}`));
        return button;
      }),
    );
    examplesRoving.set(0);
  }

  function clear() {
    out = null;
    tableEl.replaceChildren();
    list.replaceChildren();
    byId("cnn-in-cell-note").textContent = "";
    byId("cnn-in-confusion-note").textContent = "";
  }

  return { render, clear };
}
