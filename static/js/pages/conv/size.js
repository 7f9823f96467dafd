// The output-size formula with the numbers, and what does not fit, from the API's size report.

import { byId } from "../../dom.js";
import { TEXT } from "./text.js";

// Before the API answers (or when it refuses): the formula with the page's numbers.
const expression = (size, v) => `(${size} + 2·${v.p} - ${v.d}·(${v.k} - 1) - 1) / ${v.s} + 1`;

function notesFor(report) {
  const notes = [];
  if (!report.exact) {
    notes.push(TEXT.overhang(report));
    const fits = [];
    if (report.fitting_paddings.length) fits.push(TEXT.fitPaddings(report.fitting_paddings));
    if (report.fitting_strides.length) fits.push(TEXT.fitStrides(report.fitting_strides));
    if (fits.length) notes.push(TEXT.fits(report.axis, fits));
  }
  if (report.unvisited.length) notes.push(TEXT.unvisited(report.axis, report.unvisited));
  return notes;
}

export function renderSize(v, response) {
  const h = response && response.size.height;
  const w = response && response.size.width;
  byId("conv-formula-h").textContent = TEXT.outputHeight(h ? h.formula : expression(v.h, v));
  byId("conv-formula-w").textContent = TEXT.outputWidth(w ? w.formula : expression(v.w, v));
  byId("conv-fit-note").textContent = [h, w].filter(Boolean).flatMap(notesFor).join(TEXT.sentenceGap);
}
