// A surface's formula: its LaTeX from GET /api/surfaces rendered as MathML by the vendored Temml
// (MathML needs no inline styles, which the CSP forbids).

import temml from "../../../vendor/temml/temml.mjs";

export function renderFormula(el, latex) {
  try {
    temml.render(latex, el, { displayMode: false, annotate: true, throwOnError: true });
  } catch {
    el.textContent = latex; // the source itself, rather than nothing
  }
}
