// The output-size formula with the numbers, and what does not fit, from the API's size report.

import { byId } from "../../dom.js";
import { TEXT } from "./text.js";

// Before the API answers (or when it refuses): the formula with the page's numbers.
const expression = (axis, size, v) => `${axis}: (${size} + 2·${v.p} - ${v.d}·(${v.k} - 1) - 1) / ${v.s} + 1`;

function notesFor(report) {
  const notes = [];
  if (!report.exact) {
    notes.push(TEXT.overhang(report));
    const fits = [];
    if (report.fitting_paddings.length) fits.push(`padding ${report.fitting_paddings.join(" or ")}`);
    if (report.fitting_strides.length) fits.push(`stride ${report.fitting_strides.join(", ")}`);
    if (fits.length) notes.push(TEXT.fits(report.axis, fits));
  }
  if (report.unvisited.length) notes.push(TEXT.unvisited(report.axis === "height" ? "rows" : "columns", report.unvisited));
  return notes;
}

export function renderSize(v, response) {
  const h = response && response.size.height;
  const w = response && response.size.width;
  byId("conv-formula-h").textContent = h ? `Output height: ${h.formula}` : expression("Output height", v.h, v);
  byId("conv-formula-w").textContent = w ? `Output width: ${w.formula}` : expression("Output width", v.w, v);
  byId("conv-fit-note").textContent = [h, w].filter(Boolean).flatMap(notesFor).join(" ");
}
