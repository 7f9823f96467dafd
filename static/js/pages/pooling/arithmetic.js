// "The arithmetic of this step": the window's values, the winner or the sum and divisor, and
// where the step's gradient goes, from the API's step.

import { byId, el } from "../../dom.js";
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
  line(el("span", "", `winner: x[${step.channel}][${wr}][${wc}] = ${fmt(step.value)}, cell ${step.winner + 1} of ${step.values.length} in the window (row-major order)`));
  if (step.ties > 1) {
    const text =
      `tie: ${step.ties} cells equal ${fmt(step.value)}; the first in row-major order (left to right, top to ` +
      "bottom) wins, as in PyTorch, and only it receives the gradient";
    line(el("span", "tie", text));
  }
  if (padCount) line(el("span", "term-pad", `${padCount} padding cell${padCount > 1 ? "s" : ""} (pad) never win: padding counts as −∞`));
}

function averageLines(line, step, padCount, [kh, kw]) {
  line(el("span", "", "sum = "), ...terms(step, "avg"), el("span", "", ` = ${fmt(step.sum)}`));
  const counted = padCount ? ` (the ${padCount} padding zero${padCount > 1 ? "s" : ""} count, as in PyTorch's count_include_pad)` : "";
  line(el("span", "", `divisor = ${kh}·${kw} = ${step.divisor}${counted}`));
  line(el("span", "", `average = ${fmt(step.sum)} / ${step.divisor} = `), el("span", "total", fmt(step.value)));
}

function backwardLine(line, step, mode, g, padCount) {
  if (mode === "max") {
    const [wr, wc] = step.winner_input;
    line(
      el("span", "label", "backward: "),
      el("span", "", `dL/dy = ${fmt(g)} → all of it to the winner: dL/dx[${step.channel}][${wr}][${wc}] += ${fmt(g)}`),
      el("span", "", step.values.length > 1 ? `; the other ${step.values.length - 1} cells get 0` : ""),
    );
    return;
  }
  const real = step.values.length - padCount;
  line(
    el("span", "label", "backward: "),
    el("span", "", `dL/dy = ${fmt(g)} → ${fmt(g)} / ${step.divisor} = ${fmt(g / step.divisor)} to each of the ${real} input cells`),
    el("span", "", padCount ? ` (the ${padCount} shares on padding are dropped)` : ""),
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
  line(el("span", "label", `Step ${index + 1} of ${response.steps.length}: channel ${step.channel}, output y[${step.channel}][${step.row}][${step.col}] (row ${step.row}, column ${step.col})`));
  const [kh, kw] = response.size;
  line(el("span", "label", `window ${kh}×${kw}: rows ${Math.min(...rows)}–${Math.max(...rows)}, columns ${Math.min(...cols)}–${Math.max(...cols)} of the ${ph || pw ? "padded " : ""}input`));
  const padCount = step.is_padding.filter(Boolean).length;
  if (response.mode === "max") maxLines(line, step, padCount);
  else averageLines(line, step, padCount, response.size);
  backwardLine(line, step, response.mode, view.grad[step.channel][step.row][step.col], padCount);
}
