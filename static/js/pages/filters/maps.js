// The feature maps: one card per filter with its stages (conv, activation, pool), each drawn
// with its scale, the range it is drawn over, its true min and max, a full-resolution view and a
// download; the input image beside them.

import { postForm } from "../../api.js";
import { createColorbar } from "../../colormap.js";
import { byId, el } from "../../dom.js";
import { formatDecimal as fmt } from "../../format.js";
import { createFeatureMap } from "../../widgets/featuremap.js";
import { clearArithmetic } from "./arithmetic.js";
import { decodeInput, decodeStage, downloadCanvas } from "./decode.js";
import { placeError, showError } from "./errors.js";
import { t } from "../../i18n.js";
import { size, TEXT } from "./text.js";

// How a kernel meets the image's channels (the API's kind), as the card's title writes it.
const KINDS = {
  single: t("single channel"),
  "per-channel": t("per channel"),
  "full-depth": t("full depth"),
};

// One stage of one map at full resolution: asked of the API on its own (a response holds one
// full-size stage at a time), with the image the maps came from.
async function fetchFull(page, f, name) {
  const spec = { ...page.lastSpec, full: { map: f, stage: name }, input: false };
  const form = new FormData();
  form.append("file", page.image.blob, page.image.name);
  form.append("spec", JSON.stringify(spec));
  const full = await postForm("/api/image/filter", form);
  const stage = full.maps[0].stages[name];
  return { stage, canvas: await decodeStage(stage) };
}

async function download(page, f, name, stage, canvas, filename) {
  try {
    if (stage.image_factor === 1) return downloadCanvas(canvas, filename);
    byId("fl-status").textContent = TEXT.preparing;
    downloadCanvas((await fetchFull(page, f, name)).canvas, filename);
    byId("fl-status").textContent = "";
  } catch (error) {
    showError("fl-error", placeError(error, -1).text);
  }
}

export function closeZoom(page) {
  if (page.zoom) page.zoom.view.destroy();
  page.zoom = null;
  byId("fl-zoom").hidden = true;
}

// The full-resolution view: one map pixel per CSS pixel (scrolls when larger than the screen),
// pointing and picking like the cards.
async function zoom(page, data, m, f, name, canvas) {
  try {
    let stage = m.stages[name];
    if (stage.image_factor > 1) {
      byId("fl-status").textContent = TEXT.zooming;
      ({ stage, canvas } = await fetchFull(page, f, name));
      byId("fl-status").textContent = "";
    }
    if (data !== page.result) return;
    closeZoom(page);
    const [rows, cols] = stage.shape.slice(-2);
    const box = byId("fl-zoom-map");
    box.style.width = `${cols}px`; // CSSOM, not a style attribute: the CSP forbids those
    const view = createFeatureMap(box, {
      label: t("{map}, {stage}, full resolution", { map: m.label, stage: TEXT.stageTitle(name, data) }),
      onPoint: (r, c) => page.pointer.hover(f, name, r, c),
      onPick: (r, c) => page.pointer.pick(f, name, r, c),
      onLeave: () => page.pointer.leave(),
    });
    view.draw(canvas, { rows, cols });
    page.zoom = { f, name, view };
    byId("fl-zoom-title").textContent = t("{map} · {stage} · {size} at full resolution", { map: m.label, stage: TEXT.stageTitle(name, data), size: size(stage.shape) });
    byId("fl-zoom-facts").textContent = t("min {min}, max {max}. {drawn}", { min: fmt(stage.min), max: fmt(stage.max), drawn: TEXT.drawn(stage, fmt) });
    byId("fl-zoom").hidden = false;
    byId("fl-zoom").scrollIntoView({ block: "nearest" });
  } catch (error) {
    showError("fl-error", placeError(error, -1).text);
  }
}

// The scale under a stage: a colour bar for one map; for colour maps the range in words.
function scaleOf(stage) {
  if (stage.shape.length === 2) {
    const bar = el("div");
    if (stage.view === "magnitude") {
      createColorbar(bar, { kind: "sequential", min: 0, max: stage.display_max, label: t("|value|") });
    } else {
      const limit = Math.max(Math.abs(stage.display_min), Math.abs(stage.display_max));
      createColorbar(bar, { kind: "diverging", min: -limit, max: limit, label: t("value (white = 0)") });
    }
    return bar;
  }
  return el("p", "fl-clip", t("Each channel: black = {low}, full = {high}.", { low: fmt(stage.display_min), high: fmt(stage.display_max) }));
}

function stageFigure(page, data, m, f, name, canvas) {
  const stage = m.stages[name];
  const figure = el("figure", "fl-figure");
  const caption = el("figcaption");
  const title = TEXT.stageTitle(name, data);
  const shape =
    stage.shape.length === 3 ? t("{channels} channels, {size}", { channels: stage.shape[0], size: size(stage.shape) }) : size(stage.shape);
  caption.append(el("strong", "", title), el("span", "fl-shape", ` ${shape}`));
  if (stage.image_factor > 1) caption.append(el("span", "fl-preview", TEXT.preview(stage.image_factor)));
  const holder = el("div", "fl-map");
  const facts = el("div", "fl-facts");
  facts.append(el("span", "fl-min", t("min {value}", { value: fmt(stage.min) })), el("span", "fl-max", t("max {value}", { value: fmt(stage.max) })));
  const drawn = el("p", "fl-clip fl-drawn", TEXT.drawn(stage, fmt));
  const buttons = el("div", "fl-buttons");
  const zoomButton = el("button", "btn secondary fl-zoom-button", t("Full resolution"));
  zoomButton.type = "button";
  zoomButton.addEventListener("click", () => zoom(page, data, m, f, name, canvas));
  const downloadButton = el("button", "btn secondary fl-download", t("Download PNG"));
  downloadButton.type = "button";
  const filename = `${m.name}-${f + 1}-${name}.png`;
  downloadButton.addEventListener("click", () => download(page, f, name, stage, canvas, filename));
  buttons.append(zoomButton, downloadButton);
  figure.append(caption, holder, facts, drawn, scaleOf(stage), buttons);
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

// Nothing on screen that is not the answer to the latest request.
export function clearMaps(page) {
  for (const map of page.views) for (const view of Object.values(map)) view.destroy();
  page.views = [];
  page.result = null;
  page.pinned = null;
  closeZoom(page);
  byId("fl-maps").replaceChildren();
  byId("fl-notes").textContent = "";
  byId("fl-input-size").textContent = "";
  if (page.inputView) page.inputView.destroy();
  page.inputView = null;
  byId("fl-input").replaceChildren();
  clearArithmetic(page);
}

// key: the image and colour the response's maps were computed from; its `input` is null when the
// page already holds those pixels.
export async function renderMaps(page, data, key) {
  page.rendering = data;
  const input = data.input ? { ...(await decodeInput(data)), key, scale: data.input.scale } : page.input;
  const canvases = await Promise.all(data.maps.map((m) => Promise.all(Object.keys(m.stages).map((name) => decodeStage(m.stages[name])))));
  if (page.rendering !== data) return; // a newer answer arrived meanwhile
  const pin = page.pinned;
  clearMaps(page);
  page.result = data;
  page.input = input;
  const note = page.image && page.image.note ? [page.image.note] : [];
  byId("fl-notes").textContent = [TEXT.imageUsed(data, input.scale), ...note, ...data.notes].join(" · ");
  byId("fl-input-size").textContent = `${data.width}×${data.height}`;
  page.inputView = createFeatureMap(byId("fl-input"), { label: t("input image") });
  page.inputView.draw(input.canvas);
  const cards = data.maps.map((m, f) => {
    const card = el("article", "panel fl-card");
    const title = el("h3", "", m.label);
    title.append(el("span", "fl-kind", ` ${kernelSize(m.kernel)}, ${KINDS[m.kind] || m.kind}`));
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
  const shape = pin && pin.f < data.maps.length && data.maps[pin.f].stages[pin.name] && data.maps[pin.f].stages[pin.name].shape.slice(-2);
  if (shape && pin.r < shape[0] && pin.c < shape[1]) page.pointer.pick(pin.f, pin.name, pin.r, pin.c);
}
