// The output-size formula with the numbers, and what does not fit, from the API's size report.

import { byId } from "../../dom.js";

function notesFor(v, sizes) {
  const notes = [];
  if (v.global) notes.push(`Global pooling: the window is the whole ${v.h}×${v.w} input, one number per channel.`);
  if (v.s === 0 && !v.global) notes.push(`Stride not set: it defaults to the window size (${v.k}), as in PyTorch.`);
  for (const report of [sizes.height, sizes.width]) {
    const lines = report.axis === "height" ? "rows" : "columns";
    if (!report.exact) {
      const unit = `${report.axis === "height" ? "row" : "column"}${report.leftover > 1 ? "s" : ""}`;
      notes.push(
        `${report.numerator} / ${report.stride} is not whole: the output size is rounded down (floor, ceil_mode=False)` +
          ` and the leftover ${report.leftover} ${unit} of the padded input ${report.leftover > 1 ? "are" : "is"} dropped.`,
      );
    }
    if (report.unvisited.length) notes.push(`Input ${lines} no window visits: ${report.unvisited.join(", ")}.`);
  }
  return notes;
}

export function renderSize(v, response) {
  if (!response) {
    const k = v.global ? `${v.h}×${v.w}` : v.k;
    const s = v.s > 0 ? v.s : "size";
    byId("pool-formula-h").textContent = `Output height = floor((H + 2·padding − size) / stride) + 1, with H = ${v.h}, size ${k}, stride ${s}, padding ${v.p}`;
    byId("pool-formula-w").textContent = "";
    byId("pool-fit-note").textContent = "";
    return;
  }
  byId("pool-formula-h").textContent = `Output height: ${response.sizes.height.formula}`;
  byId("pool-formula-w").textContent = `Output width: ${response.sizes.width.formula}`;
  byId("pool-fit-note").textContent = notesFor(v, response.sizes).join(" ");
}
