// Every layer's output for the chosen example (or, backward, dL/d each layer's output), drawn
// side by side in layer order: each layer one mosaic of its channel maps (a vector as a
// near-square block of cells), with its shape, min and max and a colour bar: the diverging
// blue–white–orange scale centred on zero for signed values, viridis from 0 for values that are
// all ≥ 0. One tab stop per layer: the arrows move over the cells, Enter opens a cell's
// arithmetic. Draws the API's numbers only.
//
// mosaicLayout(shape) -> { rows, cols, at(r, c) -> cell or null, box(cell) -> { r0, c0, r1, c1 } }
//   cells are [c, y, x] for C×H×W maps, [k] for vectors, as POST /api/cnn/trace takes them.

import { createColorbar, diverging, sequential } from "../../colormap.js";
import { el } from "../../dom.js";
import { formatNumber as fmt } from "../../format.js";
import { t } from "../../i18n.js";
import { createFeatureMap } from "../../widgets/featuremap.js";

export function mosaicLayout(shape) {
  if (shape.length === 1) {
    const D = shape[0];
    const width = Math.ceil(Math.sqrt(D));
    const height = Math.ceil(D / width);
    return {
      rows: height,
      cols: width,
      at: (r, c) => (r * width + c < D ? [r * width + c] : null),
      box: ([k]) => ({ r0: Math.floor(k / width), c0: k % width, r1: Math.floor(k / width), c1: k % width }),
    };
  }
  const [C, H, W] = shape;
  const across = Math.ceil(Math.sqrt(C));
  const down = Math.ceil(C / across);
  return {
    rows: down * (H + 1) - 1,
    cols: across * (W + 1) - 1,
    at(r, c) {
      const y = r % (H + 1);
      const x = c % (W + 1);
      const channel = Math.floor(r / (H + 1)) * across + Math.floor(c / (W + 1));
      if (y === H || x === W || channel >= C) return null;
      return [channel, y, x];
    },
    box([channel, y, x]) {
      const r = Math.floor(channel / across) * (H + 1) + y;
      const c = (channel % across) * (W + 1) + x;
      return { r0: r, c0: c, r1: r, c1: c };
    },
  };
}

const flat = (values) => (Array.isArray(values) ? values.flat(Infinity) : [values]);

export function valueAt(values, cell) {
  return cell.reduce((v, i) => v[i], values);
}

// min, max and how to colour a layer's values.
export function scaleOf(values) {
  const all = flat(values);
  const min = Math.min(...all);
  const max = Math.max(...all);
  const signed = min < 0;
  const limit = Math.max(Math.abs(min), Math.abs(max));
  return { min, max, signed, limit };
}

function paint(values, shape, layout, scale) {
  const canvas = document.createElement("canvas");
  canvas.width = layout.cols;
  canvas.height = layout.rows;
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(layout.cols, layout.rows);
  for (let r = 0; r < layout.rows; r++) {
    for (let c = 0; c < layout.cols; c++) {
      const cell = layout.at(r, c);
      let colour = [255, 255, 255];
      if (cell) {
        const v = valueAt(values, cell);
        if (scale.grey) colour = [Math.round(255 * Math.min(1, Math.max(0, v)))].flatMap((g) => [g, g, g]);
        else if (scale.signed) colour = diverging(scale.limit > 0 ? v / scale.limit : 0);
        else colour = sequential(scale.max > 0 ? v / scale.max : 0);
      }
      image.data.set([...colour, 255], (r * layout.cols + c) * 4);
    }
  }
  ctx.putImageData(image, 0, 0);
  return canvas;
}

// A window of rows × cols cells of channel c from [top, left], clipped to the map, as a mark.
export function windowMark(layout, shape, channel, top, left, rows, cols, kind = "window") {
  const [, H, W] = shape;
  const r0 = Math.max(0, top);
  const c0 = Math.max(0, left);
  const r1 = Math.min(H - 1, top + rows - 1);
  const c1 = Math.min(W - 1, left + cols - 1);
  if (r1 < r0 || c1 < c0) return null;
  const a = layout.box([channel, r0, c0]);
  const b = layout.box([channel, r1, c1]);
  return { r0: a.r0, c0: a.c0, r1: b.r1, c1: b.c1, kind };
}

// One layer's figure. options: { title, shape, values, grey, marks(layout), onPick(cell) }
export function layerFigure(holder, options) {
  const { shape, values } = options;
  const layout = mosaicLayout(shape);
  const marks = options.marks ? options.marks(layout).filter(Boolean) : [];
  const scale = { ...scaleOf(values), grey: Boolean(options.grey) };
  const figure = el("figure", "cnn-in-layer");
  const caption = el("figcaption");
  caption.append(el("strong", "", options.title), el("span", "cnn-in-shape", ` ${shape.join("×")}`));
  const box = el("div", "cnn-in-map");
  const facts = el("div", "cnn-in-facts");
  facts.append(el("span", "cnn-in-min", t("min {value}", { value: fmt(scale.min) })), el("span", "cnn-in-max", t("max {value}", { value: fmt(scale.max) })));
  const readout = el("div", "cnn-in-readout");
  readout.setAttribute("aria-live", "polite");
  const bar = el("div");
  figure.append(caption, box, facts, bar, readout);
  holder.append(figure);
  if (scale.grey) bar.append(el("p", "note-text", t("grey levels: 0 black, 1 white")));
  else if (scale.signed) createColorbar(bar, { kind: "diverging", min: -scale.limit, max: scale.limit, label: t("value (white = 0)") });
  else createColorbar(bar, { kind: "sequential", min: 0, max: scale.max, label: t("value (≥ 0)") });
  const point = (r, c) => {
    const cell = layout.at(r, c);
    if (!cell) return null;
    readout.textContent = `[${cell.join(", ")}] = ${fmt(valueAt(values, cell))}`;
    return cell;
  };
  const view = createFeatureMap(box, {
    label: t("{title}, {shape}: arrows move, Enter shows the arithmetic of a cell", { title: options.title, shape: shape.join("×") }),
    onPoint: (r, c) => {
      const cell = point(r, c);
      if (cell) view.mark([...marks, { ...layout.box(cell), kind: "field" }]);
    },
    onPick: (r, c) => {
      const cell = point(r, c);
      if (cell && options.onPick) options.onPick(cell);
    },
    onLeave: () => view.mark(marks),
  });
  view.draw(paint(values, shape, layout, scale), { rows: layout.rows, cols: layout.cols });
  view.mark(marks);
  return { figure, view, layout, scale };
}
