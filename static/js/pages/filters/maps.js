// The feature maps: one card per filter with its stages (conv, activation, pool), each drawn
// with its scale, min and max, and a download; the input image beside them.

import { ApiError, postForm } from "../../api.js";
import { createColorbar } from "../../colormap.js";
import { byId, el } from "../../dom.js";
import { formatDecimal as fmt } from "../../format.js";
import { createFeatureMap } from "../../widgets/featuremap.js";
import { clearArithmetic } from "./arithmetic.js";
import { decodeInput, decodeStage, downloadCanvas } from "./decode.js";
import { TEXT } from "./text.js";

// A preview's download asks for that one filter again at full resolution.
async function downloadFull(page, f, name, filename) {
  try {
    const spec = { ...page.lastSpec, filters: [page.lastSpec.filters[f]], full_images: true };
    const form = new FormData();
    form.append("file", page.image.blob, page.image.name);
    form.append("spec", JSON.stringify(spec));
    byId("fl-status").textContent = TEXT.preparing;
    const full = await postForm("/api/image/filter", form);
    downloadCanvas(await decodeStage(full.maps[0].stages[name]), filename);
    byId("fl-status").textContent = "";
  } catch (error) {
    byId("fl-error").textContent = error instanceof ApiError ? error.message : String(error);
  }
}

// The scale under a stage: a colour bar for one map, the clipped share for colour maps.
function scaleOf(stage) {
  if (stage.shape.length === 2) {
    const bar = el("div");
    const limit = Math.max(Math.abs(stage.min), Math.abs(stage.max));
    createColorbar(bar, { kind: "diverging", min: -limit, max: limit, label: "value (white = 0)" });
    return bar;
  }
  const total = stage.shape.reduce((a, b) => a * b, 1);
  const pct = (n) => `${((100 * n) / total).toFixed(1)}%`;
  return el("p", "fl-clip", stage.below_zero || stage.above_one ? TEXT.clipped(pct(stage.below_zero), pct(stage.above_one)) : TEXT.inRange);
}

function stageFigure(page, data, m, f, name, canvas) {
  const stage = m.stages[name];
  const figure = el("figure", "fl-figure");
  const caption = el("figcaption");
  const title = TEXT.stageTitle(name, data);
  caption.append(el("strong", "", title), el("span", "fl-shape", ` ${stage.shape.join("×")}`));
  if (stage.image_factor > 1) caption.append(el("span", "fl-preview", TEXT.preview(stage.image_factor)));
  const holder = el("div", "fl-map");
  const facts = el("div", "fl-facts");
  facts.append(el("span", "fl-min", `min ${fmt(stage.min)}`), el("span", "fl-max", `max ${fmt(stage.max)}`));
  const download = el("button", "btn secondary fl-download", "Download PNG");
  download.type = "button";
  const filename = `${m.name}-${f + 1}-${name}.png`;
  download.addEventListener("click", () => (stage.image_factor > 1 ? downloadFull(page, f, name, filename) : downloadCanvas(canvas, filename)));
  figure.append(caption, holder, facts, scaleOf(stage), download);
  const view = createFeatureMap(holder, {
    label: `${m.label}, ${title}`,
    onPoint: (r, c) => page.pointer.hover(f, name, r, c),
    onPick: (r, c) => page.pointer.pick(f, name, r, c),
    onLeave: () => page.pointer.leave(),
  });
  const [rows, cols] = stage.shape.slice(-2);
  view.draw(canvas, { rows, cols });
  return { figure, view };
}

function kernelSize(kernel) {
  return Array.isArray(kernel[0][0]) ? `${kernel.length}×${kernel[0].length}×${kernel[0].length}` : `${kernel.length}×${kernel.length}`;
}

export async function renderMaps(page, data) {
  page.result = data;
  page.input = decodeInput(data);
  byId("fl-notes").textContent = [TEXT.imageUsed(data), ...data.notes].join(" · ");
  byId("fl-input-size").textContent = `${data.width}×${data.height}`;
  if (!page.inputView) page.inputView = createFeatureMap(byId("fl-input"), { label: "input image" });
  page.inputView.draw(page.input.canvas);
  page.inputView.mark([]);
  const canvases = await Promise.all(data.maps.map((m) => Promise.all(Object.keys(m.stages).map((name) => decodeStage(m.stages[name])))));
  if (data !== page.result) return; // a newer answer arrived meanwhile
  for (const map of page.views) for (const view of Object.values(map)) view.destroy();
  page.views = [];
  const cards = data.maps.map((m, f) => {
    const card = el("article", "panel fl-card");
    const title = el("h3", "", m.label);
    title.append(el("span", "fl-kind", ` ${kernelSize(m.kernel)}, ${m.kind}`));
    const row = el("div", "fl-stages");
    const mapViews = {};
    Object.keys(m.stages).forEach((name, s) => {
      const { figure, view } = stageFigure(page, data, m, f, name, canvases[f][s]);
      row.append(figure);
      mapViews[name] = view;
    });
    card.append(title, row);
    page.views.push(mapViews);
    return card;
  });
  byId("fl-maps").replaceChildren(...cards);
  const pin = page.pinned;
  const shape = pin && pin.f < data.maps.length && data.maps[pin.f].stages[pin.name] && data.maps[pin.f].stages[pin.name].shape.slice(-2);
  if (shape && pin.r < shape[0] && pin.c < shape[1]) page.pointer.pick(pin.f, pin.name, pin.r, pin.c);
  else {
    page.pinned = null;
    clearArithmetic(page);
  }
}
