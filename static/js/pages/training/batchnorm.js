// Batch normalisation of the seeded, editable batch (POST /api/training/batchnorm): the tables,
// the picked cell's arithmetic, and picking a cell by click or keyboard.

import { isAbort, postJSON } from "../../api.js";
import { coalesced } from "../../coalesce.js";
import { mountCodePanel } from "../../code_mount.js";
import { byId } from "../../dom.js";
import { createRefusals } from "../../errors.js";
import { t } from "../../i18n.js";
import { renderArith } from "./arith.js";
import { seededBatch } from "./batch.js";
import { renderBackward, renderInput, renderOutput, renderTestTime, renderWrong } from "./tables.js";

const fetchBn = coalesced((payload) => postJSON("/api/training/batchnorm", payload));
// The API's "x[i][j]", "gamma[j]", "beta[j]" -> the table's cell inputs (data-key x.i.j, g.j, b.j).
function cellInput(field) {
  const at = field.match(/\d+/g) || [];
  const kind = { x: "x", gamma: "g", beta: "b" }[field.split("[")[0]];
  return kind ? document.querySelector(`#bn-input input[data-key="${[kind, ...at].join(".")}"]`) : null;
}
const refusals = createRefusals(byId("bn-error"), cellInput);

export function createBatchNorm(page) {
  let bn = null; // { input, r }: the batch sent and the API's answer
  const code = mountCodePanel(byId("bn-code"), "/api/training/batchnorm");

  function render() {
    if (!bn) return;
    const features = bn.input.gamma.map((_, j) => t("feature {j}", { j: j + 1 }));
    renderInput(page, bn, features);
    renderOutput(page, bn, features);
    renderWrong(page, bn, features);
    renderBackward(page, bn, features);
    renderTestTime(bn, features);
    renderArith(page, bn);
  }

  async function load() {
    const v = page.state.get();
    const input = seededBatch(v);
    const payload = { x: input.x, gamma: input.gamma, beta: input.beta, eps: Number(v.eps), grad_output: input.grad };
    code.show(payload);
    let r;
    try {
      r = await fetchBn(payload);
    } catch (error) {
      if (!isAbort(error)) refusals.refuse(error, null, (sentence) => t("Could not normalise the batch. {sentence}", { sentence }));
      return;
    }
    refusals.clear();
    bn = { input, r };
    render();
  }

  const output = byId("bn-output");
  output.addEventListener("click", (event) => {
    const td = event.target.closest("td[data-i]");
    if (td) page.state.set({ ci: Number(td.dataset.i), cj: Number(td.dataset.j) });
  });
  output.addEventListener("keydown", (event) => {
    const td = event.target.closest("td[data-i]");
    if (!td || (event.key !== "Enter" && event.key !== " ")) return;
    event.preventDefault();
    page.state.set({ ci: Number(td.dataset.i), cj: Number(td.dataset.j) });
    const { i, j, kind } = td.dataset;
    const again = output.querySelector(`td[data-i="${i}"][data-j="${j}"][data-kind="${kind}"]`);
    if (again) again.focus();
  });

  return { load, render };
}
