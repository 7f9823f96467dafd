// The output-size formula with the numbers, and what does not fit, from the API's size report.

import { byId } from "../../dom.js";
import { t } from "../../i18n.js";

function leftoverNote(report) {
  const values = { numerator: report.numerator, stride: report.stride, n: report.leftover };
  const many = report.leftover > 1;
  if (report.axis === "height") {
    return many
      ? t("{numerator} / {stride} is not whole: the output size is rounded down (floor, ceil_mode=False) and the leftover {n} rows of the padded input are dropped.", values)
      : t("{numerator} / {stride} is not whole: the output size is rounded down (floor, ceil_mode=False) and the leftover {n} row of the padded input is dropped.", values);
  }
  return many
    ? t("{numerator} / {stride} is not whole: the output size is rounded down (floor, ceil_mode=False) and the leftover {n} columns of the padded input are dropped.", values)
    : t("{numerator} / {stride} is not whole: the output size is rounded down (floor, ceil_mode=False) and the leftover {n} column of the padded input is dropped.", values);
}

function notesFor(v, sizes) {
  const notes = [];
  if (v.global) notes.push(t("Global pooling: the window is the whole {h}×{w} input, one number per channel.", { h: v.h, w: v.w }));
  if (v.s === 0 && !v.global) notes.push(t("Stride not set: it defaults to the window size ({k}), as in PyTorch.", { k: v.k }));
  for (const report of [sizes.height, sizes.width]) {
    if (!report.exact) notes.push(leftoverNote(report));
    if (report.unvisited.length) {
      const list = report.unvisited.join(", ");
      notes.push(report.axis === "height" ? t("Input rows no window visits: {list}.", { list }) : t("Input columns no window visits: {list}.", { list }));
    }
  }
  return notes;
}

export function renderSize(v, response) {
  if (!response) {
    const k = v.global ? `${v.h}×${v.w}` : v.k;
    const s = v.s > 0 ? v.s : t("size");
    byId("pool-formula-h").textContent = t("Output height = floor((H + 2·padding − size) / stride) + 1, with H = {h}, size {k}, stride {s}, padding {p}", {
      h: v.h,
      k,
      s,
      p: v.p,
    });
    byId("pool-formula-w").textContent = "";
    byId("pool-fit-note").textContent = "";
    return;
  }
  byId("pool-formula-h").textContent = t("Output height: {formula}", { formula: response.sizes.height.formula });
  byId("pool-formula-w").textContent = t("Output width: {formula}", { formula: response.sizes.width.formula });
  byId("pool-fit-note").textContent = notesFor(v, response.sizes).join(" ");
}
