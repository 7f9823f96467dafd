// "The numbers of this step": the chosen run's quantities at the current step, as a table.

import { byId, el } from "../../dom.js";
import { formatPrecise as fmt } from "../../format.js";
import { t } from "../../i18n.js";
import { numbersRows, stepHead } from "./presets.js";

function row(body, [name, meaning, value]) {
  const tr = body.insertRow();
  tr.dataset.quantity = name;
  tr.append(el("td", "formula", name), el("td", "", meaning));
  if (Array.isArray(value)) {
    tr.append(el("td", "num", fmt(value[0])), el("td", "num", fmt(value[1])));
  } else {
    const td = el("td", "num", fmt(value));
    td.colSpan = 2;
    tr.append(td);
  }
}

export function renderNumbers(page, run, i, color) {
  const info = page.optimizers.get(run.name);
  byId("race-equations").textContent = info.equations.join("     ");
  const step = Math.min(i, run.points.length - 1);
  const head = el("p", "optim-step-head", stepHead(run, step, t));
  const swatch = el("span", "swatch");
  swatch.style.background = color;
  head.prepend(swatch);
  const table = el("table", "optim-table");
  const header = table.createTHead().insertRow();
  for (const text of [t("quantity"), t("meaning"), "x", "y"]) header.append(el("th", "", text));
  const body = table.createTBody();
  for (const entry of numbersRows(run, info, step, page.state.get().sched !== "constant", t)) row(body, entry);
  byId("race-numbers").replaceChildren(head, table);
}
