// "The arithmetic of this step": every product of the window, the sum per channel, the bias and
// the value, all from the API's step (the inputs and weights are the ones the page sent).

import { byId, el } from "../../dom.js";
import { bracketed } from "../../format.js";
import { defaultFormat as fmt } from "../../widgets/grid.js";
import { TEXT } from "./text.js";
import { paddedChannel, slidKernel } from "./values.js";

const signed = (value) => bracketed(value, fmt);

function channelLine(view, step, c) {
  const { v, values } = view;
  const kernel = slidKernel(values.w[step.filter][c], v.mode);
  const padded = paddedChannel(values.x, c, v.p);
  const parts = [el("span", "label", TEXT.channelSum(c))];
  step.cells.forEach(([r, col], t) => {
    const i = Math.floor(t / v.k);
    const j = t % v.k;
    if (t > 0) parts.push(el("span", "", " + "));
    parts.push(el("span", step.is_padding[t] ? "term-pad" : "", `${signed(padded[r][col])}·${signed(kernel[i][j])}`));
  });
  parts.push(el("span", "", " = "), el("span", "partial", fmt(step.channel_sums[c])));
  return parts;
}

export function renderArithmetic(view, step, title) {
  const box = byId("conv-arith");
  box.replaceChildren();
  const line = (...parts) => {
    const div = el("div", "line");
    div.append(...parts);
    box.append(div);
  };
  line(el("span", "label", title));
  line(el("span", "label", TEXT.window(step.cells.map(([r]) => r), step.cells.map(([, c]) => c), view.v)));
  for (let c = 0; c < view.v.c; c++) line(...channelLine(view, step, c));
  const partials = step.channel_sums.map(signed).join(" + ");
  line(
    el("span", "label", TEXT.value),
    el("span", "", `${partials} + b${step.filter} ${signed(step.bias)} = `),
    el("span", "total", fmt(step.value)),
  );
}
