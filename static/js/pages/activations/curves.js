// f(x) and f'(x) of the chosen functions from POST /api/activations, the readout at x, and the
// details of the function in focus (formula, range, saturated zone, α, Maxout's pieces).

import { isAbort, postJSON } from "../../api.js";
import { coalesced } from "../../coalesce.js";
import { mountCodePanel } from "../../code_mount.js";
import { byId, el } from "../../dom.js";
import { explain } from "../../errors.js";
import { formatNumber } from "../../format.js";
import { t } from "../../i18n.js";
import { createPlot } from "../../widgets/plot.js";
import { describeRuns, formatPieces, gridIndex, parsePieces, saturatedRuns, selected, xGrid } from "./helpers.js";
import { ALPHA_KEYS, COLORS, NOTES, TEXT } from "./text.js";

const fetchCurves = coalesced((payloads) =>
  Promise.all(payloads.map((payload) => postJSON("/api/activations", payload))),
);

function swatchCell(name, label) {
  const th = el("th");
  th.scope = "row";
  const swatch = el("span", "act-dot");
  swatch.style.backgroundColor = COLORS[name];
  th.append(swatch, document.createTextNode(label));
  th.translate = false; // a name: the same in both languages
  return th;
}

// One piece's row: w and b inputs and a remove button.
function pieceRow(page, pieces, k) {
  const tr = el("tr");
  const th = el("th", "", String(k + 1));
  th.scope = "row";
  const cell = (value, index, name) => {
    const td = el("td");
    const input = el("input");
    Object.assign(input, { type: "number", step: "0.1", min: "-100", max: "100", value: String(value) });
    input.setAttribute("aria-label", t("{name} of piece {k}", { name, k: k + 1 }));
    input.addEventListener("change", () => {
      const number = Number(input.value);
      if (input.value.trim() === "" || !Number.isFinite(number)) return;
      const next = parsePieces(page.state.get().pieces);
      next[k][index] = number;
      page.state.set({ pieces: formatPieces(next) });
    });
    td.append(input);
    return td;
  };
  const remove = el("button", "btn secondary", t("Remove"));
  remove.type = "button";
  remove.disabled = pieces.length <= 2;
  remove.title = pieces.length <= 2 ? t("Maxout needs at least two pieces") : t("Remove this piece");
  remove.addEventListener("click", () => {
    const next = parsePieces(page.state.get().pieces).filter((_, i) => i !== k);
    page.state.set({ pieces: formatPieces(next) });
  });
  const td = el("td");
  td.append(remove);
  tr.append(th, cell(pieces[k][0], 0, "w"), cell(pieces[k][1], 1, "b"), td);
  return tr;
}

function renderPieces(page, pieces) {
  const body = byId("act-pieces");
  if (body.contains(document.activeElement)) return; // don't rebuild under the learner's cursor
  body.replaceChildren(...pieces.map((_, k) => pieceRow(page, pieces, k)));
  byId("act-piece-add").disabled = pieces.length >= page.catalogue.max_pieces;
}

function runWords() {
  return { none: t("none in view"), everywhere: t("everywhere in view"), and: t(" and ") };
}

function renderAlpha(page, focus) {
  const v = page.state.get();
  const key = ALPHA_KEYS[focus];
  byId("act-alpha").hidden = !key;
  if (!key) return;
  const { min, max, step } = page.catalogue.controls[key];
  const slider = byId("act-alpha-range");
  Object.assign(slider, { min: String(min), max: String(max), step: String(step) });
  slider.value = String(v[key]);
  byId("act-alpha-value").textContent = String(v[key]);
  byId("act-alpha-label").textContent = focus === "prelu" ? t("α (learned parameter)") : "α";
  if (focus !== "prelu") byId("act-alpha-note").textContent = focus === "elu" ? TEXT.eluAlpha : TEXT.fixedAlpha;
}

export function createCurves(page) {
  const names = Object.keys(page.catalogue.functions);
  const code = mountCodePanel(byId("act-code"), "/api/activations");
  let shownCode = null;
  const label = (name) => page.catalogue.functions[name].label;
  let data = null; // { xs, names, responses: Map(name -> response) }
  let hoverTimer = null;

  const plot = createPlot(byId("act-plot"), {
    label: t("Activation functions and their derivatives"),
    xLabel: "x",
    yLabel: "f(x), f'(x)",
    snap: true,
    onHover: (x) => onHover(x),
  });

  const snap = (x) => (data ? data.xs[gridIndex(data.xs, x)] : x);

  function readout(x) {
    if (!data) return;
    const i = gridIndex(data.xs, x);
    byId("act-readout-caption").textContent = t("at x = {x}", { x: formatNumber(data.xs[i]) });
    const rows = data.names.map((name) => {
      const r = data.responses.get(name);
      const tr = el("tr");
      tr.dataset.name = name;
      tr.append(swatchCell(name, label(name)), ...[r.y[i], r.dy[i]].map((value) => el("td", "", formatNumber(value))));
      return tr;
    });
    byId("act-readout").tBodies[0].replaceChildren(...rows);
    const prelu = data.responses.get("prelu");
    if (prelu && page.state.get().focus === "prelu") {
      byId("act-alpha-note").textContent = TEXT.learnedAlpha(formatNumber(data.xs[i]), formatNumber(prelu.dalpha[i]));
    }
  }

  function onHover(x) {
    const state = page.state;
    if (x === null) {
      plot.setHover(snap(state.get().x));
      readout(state.get().x);
      return;
    }
    readout(x);
    // The URL follows the hover, without writing it on every pointer move.
    window.clearTimeout(hoverTimer);
    hoverTimer = window.setTimeout(() => state.set({ x }), 250);
  }

  function renderDetails(focus, runs) {
    const v = page.state.get();
    const info = data.responses.get(focus).info;
    byId("act-details-heading").textContent = focus === "prelu" ? t("{name} (α = {alpha}, learned)", { name: info.label, alpha: v.pa }) : info.label;
    byId("act-formula").textContent = info.formula;
    byId("act-derivative").textContent = info.derivative;
    byId("act-range").textContent = focus === "elu" ? `(−${v.ea}, ∞)` : info.range;
    byId("act-centred").textContent = info.zero_centred ? t("yes: outputs are spread around 0") : t("no: outputs are mostly positive");
    byId("act-saturated").textContent = t("|f'| < {thr} for {where}", { thr: v.thr, where: describeRuns(runs, data.xs, runWords()) });
    byId("act-notes").textContent = NOTES[focus];
    renderAlpha(page, focus);
    byId("act-maxout").hidden = focus !== "maxout";
    if (focus === "maxout") renderPieces(page, parsePieces(v.pieces));
  }

  // Keep the y-axis readable: unbounded functions (ReLU, ELU...) would squash sigmoid and tanh.
  function yDomain(series, range) {
    const ys = series.flatMap((s) => s.y).filter(Number.isFinite);
    const lo = Math.max(Math.min(...ys, -0.1), -Math.max(1.2, range / 2));
    const hi = Math.min(Math.max(...ys, 1), Math.max(1.2, range / 2));
    return [lo - 0.1, hi + 0.1];
  }

  function draw() {
    if (!data) return;
    const v = page.state.get();
    const { xs, responses } = data;
    const focus = data.names.includes(v.focus) ? v.focus : data.names[0];
    const series = data.names.flatMap((name) => {
      const r = responses.get(name);
      const curve = { name: label(name), x: xs, y: r.y, color: COLORS[name], width: name === focus ? 3 : 2 };
      return v.deriv ? [curve, { name: `${label(name)}'`, x: xs, y: r.dy, color: COLORS[name], dash: [6, 4] }] : [curve];
    });
    const runs = saturatedRuns(responses.get(focus).dy, Number(v.thr));
    const ranges = runs.map(([a, b]) => ({
      from: a === 0 ? -Infinity : xs[a],
      to: b === xs.length - 1 ? Infinity : xs[b],
      label: `|${label(focus)}'| < ${v.thr}`,
    }));
    plot.update({ series, ranges, xDomain: [-v.range, v.range], yDomain: yDomain(series, v.range) });
    plot.setHover(snap(v.x));
    renderDetails(focus, runs);
    readout(snap(v.x));
    const payload = data.payloads[data.names.indexOf(focus)];
    if (payload !== shownCode) code.show((shownCode = payload)); // the function in focus
  }

  async function load() {
    const v = page.state.get();
    const chosen = selected(v.fns, v.focus, names);
    const xs = xGrid(v.range);
    const payloads = chosen.map((name) => {
      const payload = { name, x: xs };
      if (ALPHA_KEYS[name]) payload.alpha = v[ALPHA_KEYS[name]];
      if (name === "maxout") payload.pieces = parsePieces(v.pieces);
      return payload;
    });
    let responses;
    try {
      responses = await fetchCurves(payloads);
    } catch (error) {
      if (!isAbort(error)) byId("act-error").textContent = TEXT.curvesFailed(explain(error));
      return;
    }
    byId("act-error").textContent = "";
    data = { xs, names: chosen, payloads, responses: new Map(chosen.map((name, i) => [name, responses[i]])) };
    draw();
  }

  return { load, draw, readout: (x) => data && readout(x) };
}
