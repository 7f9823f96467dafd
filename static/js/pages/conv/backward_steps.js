// One backward step on the grids and in the arithmetic panel: for dL/dW the input cells the weight
// read and every cell of dL/dY, for dL/db the cells of dL/dY, for dL/dX the windows that covered the
// cell (the weights and the dL/dY cells they met). Numbers from the API's trace; the inputs and
// weights shown beside them are the ones the page sent.

import { byId, el } from "../../dom.js";
import { bracketed } from "../../format.js";
import { defaultFormat as fmt } from "../../widgets/grid.js";
import { BW_TEXT } from "./backward_text.js";
import { paddedChannel } from "./values.js";

const signed = (value) => bracketed(value, fmt);
const everyCell = (plane) => plane.flatMap((row, i) => row.map((_, j) => [i, j]));

function clearAll(view) {
  const { grids } = view;
  const bw = view.backward.grids;
  grids.input.forEach((grid) => ["window", "current", "field", "pin"].forEach((name) => grid.clear(name)));
  grids.filters.forEach((slices) => slices.forEach((grid) => ["window", "current"].forEach((name) => grid.clear(name))));
  grids.filterBlocks.forEach((block) => block.classList.remove("current"));
  view.outputGrids.forEach((grid) => ["current", "pending", "feeds", "pin"].forEach((name) => grid.clear(name)));
  bw.dy.forEach((grid) => grid.clear("window"));
  bw.dwBlocks.forEach((block) => block.classList.remove("current"));
  for (const grid of [...bw.dw.flat(), ...bw.db, ...bw.dx]) ["current", "pending"].forEach((name) => grid.clear(name));
}

// Which gradients are still to come at step index: later weights, biases and input cells.
function markPending(view, steps, index) {
  const bw = view.backward.grids;
  const pending = { dw: new Map(), db: [], dx: new Map() };
  for (let t = index + 1; t < steps.length; t++) {
    const { part, step } = steps[t];
    if (part === "w") {
      const key = `${step.filter},${step.channel}`;
      if (!pending.dw.has(key)) pending.dw.set(key, []);
      pending.dw.get(key).push([step.row, step.col]);
    } else if (part === "b") pending.db.push(step.filter);
    else {
      if (!pending.dx.has(step.channel)) pending.dx.set(step.channel, []);
      pending.dx.get(step.channel).push([step.row, step.col]);
    }
  }
  bw.dw.forEach((slices, f) => slices.forEach((grid, c) => grid.highlight("pending", pending.dw.get(`${f},${c}`) || [])));
  bw.db.forEach((grid, f) => grid.highlight("pending", pending.db.includes(f) ? [[0, 0]] : []));
  bw.dx.forEach((grid, c) => grid.highlight("pending", pending.dx.get(c) || []));
}

function lineIn(box) {
  return (...parts) => {
    const div = el("div", "line");
    div.append(...parts);
    box.append(div);
  };
}

// "a·b + c·d + …" as spans, padding terms greyed.
function termSpans(pairs, isPadding) {
  const parts = [];
  pairs.forEach((text, t) => {
    if (t > 0) parts.push(el("span", "", " + "));
    parts.push(el("span", isPadding && isPadding[t] ? "term-pad" : "", text));
  });
  return parts;
}

function sumLine(line, products, total, extraClass) {
  line(el("span", "", `= ${products.map(signed).join(" + ")} = `), el("span", `total ${extraClass || ""}`.trim(), fmt(total)));
}

function weightStep(view, s, line) {
  const { v, values, grids } = view;
  const bw = view.backward;
  const dy = bw.answer.grad_output[s.filter];
  const Wo = dy[0].length;
  grids.input[s.channel].highlight("window", s.cells);
  bw.grids.dy[s.filter].highlight("window", everyCell(dy));
  grids.filters[s.filter][s.channel].highlight("current", [[s.row, s.col]]);
  grids.filterBlocks[s.filter].classList.add("current");
  bw.grids.dwBlocks[s.filter].classList.add("current");
  bw.grids.dw[s.filter][s.channel].highlight("current", [[s.row, s.col]]);
  line(el("span", "label", BW_TEXT.weightRule(s, v)));
  const padded = paddedChannel(values.x, s.channel, v.p);
  const pairs = s.cells.map(([r, q], t) => `${signed(padded[r][q])}·${signed(dy[Math.floor(t / Wo)][t % Wo])}`);
  line(el("span", "", "= "), ...termSpans(pairs, s.is_padding));
  sumLine(line, s.products, s.total);
}

function biasStep(view, s, line) {
  const bw = view.backward;
  bw.grids.dy[s.filter].highlight("window", everyCell(bw.answer.grad_output[s.filter]));
  bw.grids.dwBlocks[s.filter].classList.add("current");
  bw.grids.db[s.filter].highlight("current", [[0, 0]]);
  sumLine(line, s.terms, s.total);
}

function inputStep(view, s, line) {
  const { grids } = view;
  const bw = view.backward;
  const t = s.terms;
  grids.input[s.channel].highlight("current", [[s.row, s.col]]);
  bw.grids.dx[s.channel].highlight("current", [[s.row, s.col]]);
  const byFilter = (f, rows, cols) => t.filter.flatMap((g, n) => (g === f ? [[rows[n], cols[n]]] : []));
  bw.grids.dy.forEach((grid, f) => grid.highlight("window", byFilter(f, t.out_row, t.out_col)));
  grids.filters.forEach((slices, f) => {
    const taps = byFilter(f, t.kernel_row, t.kernel_col);
    slices[s.channel].highlight("window", taps);
    if (taps.length) grids.filterBlocks[f].classList.add("current");
  });
  line(el("span", "label", BW_TEXT.inputRule(s)));
  const names = t.product.map(
    (_, n) => `W${t.filter[n]}[${t.kernel_row[n]},${t.kernel_col[n]},${s.channel}]·dY${t.filter[n]}[${t.out_row[n]},${t.out_col[n]}]`,
  );
  line(el("span", "label", "= "), ...termSpans(names).map((span) => Object.assign(span, { className: "label" })));
  line(el("span", "", "= "), ...termSpans(t.product.map((_, n) => `${signed(t.weight[n])}·${signed(t.grad[n])}`)));
  sumLine(line, t.product, s.total, s.is_padding ? "dropped" : "");
  if (s.is_padding) line(el("span", "term-pad", BW_TEXT.dropped));
}

const PARTS = { w: weightStep, b: biasStep, x: inputStep };

export function renderBackwardStep(view, steps, index) {
  clearAll(view);
  markPending(view, steps, index);
  const { part, step } = steps[index];
  const box = byId("conv-arith");
  box.replaceChildren();
  const line = lineIn(box);
  const title = {
    w: () => BW_TEXT.weightTitle(index, steps.length, step),
    b: () => BW_TEXT.biasTitle(index, steps.length, step.filter),
    x: () => BW_TEXT.inputTitle(index, steps.length, step, view.v),
  }[part];
  line(el("span", "label", title()));
  PARTS[part](view, step, line);
}
