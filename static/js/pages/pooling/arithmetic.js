// "The arithmetic of this step": the window's values, the winner or the sum and divisor, and
// where the step's gradient goes, from the API's step.

import { byId, el } from "../../dom.js";
import { t, tn } from "../../i18n.js";
import { defaultFormat as fmt } from "../../widgets/grid.js";

function terms(step, mode) {
  const parts = [];
  step.values.forEach((value, t) => {
    if (t > 0) parts.push(el("span", "", mode === "max" ? ", " : " + "));
    if (step.is_padding[t]) parts.push(el("span", "term-pad", mode === "max" ? "pad" : "0"));
    else parts.push(el("span", mode === "max" && t === step.winner ? "winner" : "", fmt(value)));
  });
  return parts;
}

function maxLines(line, step, padCount) {
  line(el("span", "", "max("), ...terms(step, "max"), el("span", "", ") = "), el("span", "total", fmt(step.value)));
  const [wr, wc] = step.winner_input;
  const cell = `x[${step.channel}][${wr}][${wc}]`;
  line(el("span", "", t("winner: {cell} = {value}, cell {k} of {n} in the window (row-major order)", { cell, value: fmt(step.value), k: step.winner + 1, n: step.values.length })));
  if (step.ties > 1) {
    const text = t(
      "tie: {n} cells equal {value}; the first in row-major order (left to right, top to bottom) wins, as in PyTorch, and only it receives the gradient",
      { n: step.ties, value: fmt(step.value) },
    );
    line(el("span", "tie", text));
  }
  if (padCount) line(el("span", "term-pad", tn("{n} padding cell (pad) never win: padding counts as −∞", "{n} padding cells (pad) never win: padding counts as −∞", padCount)));
}

function averageLines(line, step, padCount, [kh, kw]) {
  line(el("span", "", t("sum = ")), ...terms(step, "avg"), el("span", "", ` = ${fmt(step.sum)}`));
  const counted = padCount
    ? tn(" (the {n} padding zero count, as in PyTorch's count_include_pad)", " (the {n} padding zeros count, as in PyTorch's count_include_pad)", padCount)
    : "";
  line(el("span", "", t("divisor = {kh}·{kw} = {divisor}", { kh, kw, divisor: step.divisor }) + counted));
  line(el("span", "", t("average = {sum} / {divisor} = ", { sum: fmt(step.sum), divisor: step.divisor })), el("span", "total", fmt(step.value)));
}

function backwardLine(line, step, mode, g, padCount) {
  if (mode === "max") {
    const [wr, wc] = step.winner_input;
    const cell = `dL/dx[${step.channel}][${wr}][${wc}]`;
    line(
      el("span", "label", t("backward: ")),
      el("span", "", t("dL/dy = {g} → all of it to the winner: {cell} += {g}", { g: fmt(g), cell })),
      el("span", "", step.values.length > 1 ? tn("; the other {n} cell gets 0", "; the other {n} cells get 0", step.values.length - 1) : ""),
    );
    return;
  }
  const real = step.values.length - padCount;
  line(
    el("span", "label", t("backward: ")),
    el("span", "", tn("dL/dy = {g} → {g} / {divisor} = {share} to each of the {n} input cell", "dL/dy = {g} → {g} / {divisor} = {share} to each of the {n} input cells", real, { g: fmt(g), divisor: step.divisor, share: fmt(g / step.divisor) })),
    el("span", "", padCount ? tn(" (the {n} share on padding is dropped)", " (the {n} shares on padding are dropped)", padCount) : ""),
  );
}

export function renderArithmetic(view, step, index) {
  const box = byId("pool-arith");
  box.replaceChildren();
  const { response, ph, pw } = view;
  const line = (...parts) => {
    const div = el("div", "line");
    div.append(...parts);
    box.append(div);
  };
  const rows = step.cells.map(([r]) => r);
  const cols = step.cells.map(([, c]) => c);
  const output = `y[${step.channel}][${step.row}][${step.col}]`;
  line(el("span", "label", t("Step {step} of {total}: channel {c}, output {output} (row {row}, column {col})", { step: index + 1, total: response.steps.length, c: step.channel, output, row: step.row, col: step.col })));
  const [kh, kw] = response.size;
  const where = { kh, kw, r0: Math.min(...rows), r1: Math.max(...rows), c0: Math.min(...cols), c1: Math.max(...cols) };
  const windowText =
    ph || pw ? t("window {kh}×{kw}: rows {r0}–{r1}, columns {c0}–{c1} of the padded input", where) : t("window {kh}×{kw}: rows {r0}–{r1}, columns {c0}–{c1} of the input", where);
  line(el("span", "label", windowText));
  const padCount = step.is_padding.filter(Boolean).length;
  if (response.mode === "max") maxLines(line, step, padCount);
  else averageLines(line, step, padCount, response.size);
  backwardLine(line, step, response.mode, view.grad[step.channel][step.row][step.col], padCount);
}
