// "The arithmetic of this step", from the API's steps: each stamp's running sums (scatter), the
// crop and the bias, every stamp on one canvas cell, and each window's products (direct). The
// inputs and weights written out are the ones the page sent.

import { byId, el } from "../../dom.js";
import { bracketed } from "../../format.js";
import { defaultFormat as fmt } from "../../widgets/grid.js";
import { TEXT } from "./text.js";

const signed = (value) => bracketed(value, fmt);
const MAX_CROP_LINES = 36; // per output channel; hovering shows any other cell's

function panel() {
  const box = byId("ct-arith");
  box.replaceChildren();
  return {
    line(...parts) {
      const div = el("div", "line");
      div.append(...parts);
      box.append(div);
      return div;
    },
    terms() {
      const div = el("div", "ct-terms");
      box.append(div);
      return div;
    },
  };
}

function item(parent, className, ...parts) {
  const span = el("span", `ct-term ${className}`);
  span.append(...parts);
  parent.append(span);
  return span;
}

export function scatterArithmetic(view, index) {
  const { response, values } = view;
  const step = response.steps[index];
  const out = panel();
  out.line(el("span", "label", TEXT.stampTitle(index, response.steps.length + 1, step)));
  const rows = step.canvas_cells.map(([r]) => r);
  const cols = step.canvas_cells.map(([, c]) => c);
  out.line(el("span", "label", TEXT.stampWhere(rows, cols)));
  const k = values.w[0][0].length;
  step.products.forEach((_, f) => {
    out.line(el("span", "label", TEXT.stampFilter(f)));
    const terms = out.terms();
    step.canvas_cells.forEach(([r, c], t) => {
      const weight = values.w[step.channel][f][Math.floor(t / k)][t % k];
      const cropped = step.cropped[t];
      item(
        terms,
        cropped ? "ct-tap term-pad" : "ct-tap",
        el("span", "label", `[${r}, ${c}]: `),
        el("span", "", `${signed(step.before[f][t])} + ${signed(step.value)}·${signed(weight)} = `),
        el("span", "total", fmt(step.after[f][t])),
        el("span", "", cropped ? TEXT.cropped : ""),
      );
    });
  });
}

export function cropArithmetic(view) {
  const { response, values } = view;
  const { canvas } = response;
  const out = panel();
  const count = response.steps.length + 1;
  out.line(el("span", "label", TEXT.cropTitle(count, canvas, response.output_shape)));
  const [, Ho, Wo] = response.output_shape;
  response.output.forEach((plane, f) => {
    const terms = out.terms();
    let shown = 0;
    for (let r = 0; r < Ho && shown < MAX_CROP_LINES; r++) {
      for (let c = 0; c < Wo && shown < MAX_CROP_LINES; c++, shown++) {
        const [cr, cc] = [r + canvas.top, c + canvas.left];
        item(
          terms,
          "ct-crop",
          el("span", "label", TEXT.cropLine(f, r, c, cr, cc)),
          el("span", "", `${signed(canvas.values[f][cr][cc])} + ${signed(values.b[f])} = `),
          el("span", "total", fmt(plane[r][c])),
        );
      }
    }
    if (Ho * Wo > shown) out.line(el("span", "label", TEXT.moreCells(Ho * Wo - shown)));
  });
}

// Every stamp on canvas cell (r, c) of output channel f, its sum, and what the crop makes of it.
export function canvasArithmeticFor(view, f, r, c) {
  const { response, values, stamps } = view;
  const { canvas } = response;
  const out = panel();
  out.line(el("span", "label", TEXT.cellTitle(f, r, c)));
  const k = values.w[0][0].length;
  const list = stamps.get(`${r},${c}`) || [];
  if (!list.length) out.line(el("span", "label", TEXT.cellNone));
  const terms = out.terms();
  for (const { step: s, tap } of list) {
    const step = response.steps[s];
    const [m, n] = [Math.floor(tap / k), tap % k];
    item(
      terms,
      "ct-stamp",
      el("span", "label", `${TEXT.stampTerm(step.value, step.row, step.col, step.channel, f, m, n)} = `),
      el("span", "", `${signed(step.value)}·${signed(values.w[step.channel][f][m][n])} = `),
      el("span", "partial", fmt(step.products[f][tap])),
    );
  }
  const total = canvas.values[f][r][c];
  out.line(el("span", "label", TEXT.cellSum), el("span", "total", fmt(total)));
  const kind = canvas.kind[r][c];
  const [or, oc] = [r - canvas.top, c - canvas.left];
  if (kind === "cropped") out.line(el("span", "label", TEXT.cellCropped));
  else {
    const text = kind === "extra" ? TEXT.cellExtra(f, or, oc) : TEXT.cellKept(f, or, oc);
    out.line(el("span", "label", text), el("span", "total", fmt(response.output[f][or][oc])));
  }
}

export function directArithmetic(view, step, title) {
  const { direct } = view.response;
  const out = panel();
  out.line(el("span", "label", title));
  out.line(el("span", "label", TEXT.window(step.cells.map(([r]) => r), step.cells.map(([, c]) => c), direct.dilation[0])));
  const k = direct.weights[0][0].length;
  step.products.forEach((_, c) => {
    const parts = [el("span", "label", TEXT.channelSum(c))];
    step.cells.forEach(([r, col], t) => {
      const weight = direct.weights[step.filter][c][Math.floor(t / k)][t % k];
      if (t > 0) parts.push(el("span", "", " + "));
      const zero = direct.kind[r][col] !== "input";
      parts.push(el("span", zero ? "term-pad" : "", `${signed(direct.input[c][r][col])}·${signed(weight)}`));
    });
    parts.push(el("span", "", " = "), el("span", "partial", fmt(step.channel_sums[c])));
    out.line(...parts);
  });
  const partials = step.channel_sums.map(signed).join(" + ");
  out.line(
    el("span", "label", TEXT.value),
    el("span", "", `${partials} + b${step.filter} ${signed(step.bias)} = `),
    el("span", "total", fmt(step.value)),
  );
}
