// The arithmetic of the picked cell: μ, σ², x̂, y, the notes' mistake and dx written out with
// the API's numbers.

import { byId, el } from "../../dom.js";
import { formatNumber as fmt } from "../../format.js";
import { t } from "../../i18n.js";

const sub = (i) => String(i + 1);
// Seven significant digits, so that ε's effect shows; negatives in brackets after an operator.
const f6 = (x) => (Math.abs(x) < 1e-3 || Math.abs(x) >= 1e6 ? fmt(x) : String(Number(x.toPrecision(7))));
const p = (x) => (x < 0 ? `(${fmt(x)})` : fmt(x));
const t6 = (x) => (x < 0 ? `(${f6(x)})` : f6(x));

function lines({ input, r }, i, j, eps) {
  const N = input.x.length;
  const col = input.x.map((row) => row[j]);
  const mu = r.mean[j];
  const varj = r.var[j];
  const root = Math.sqrt(varj + eps);
  const sigma = Math.sqrt(varj);
  const ij = `${sub(i)},${sub(j)}`;
  const J = sub(j);
  const xij = input.x[i][j];
  const dx = Math.abs(r.dx[i][j]) < 1e-12 ? 0 : r.dx[i][j];
  return [
    ["bn-arith-mean", `μ_${J} = (${col.map((x, k) => (k ? p(x) : fmt(x))).join(" + ")}) / ${N} = ${fmt(mu)}`],
    ["bn-arith-var", `σ²_${J} = (${col.map((x) => `(${fmt(x)} − ${p(mu)})²`).join(" + ")}) / ${N} = ${fmt(varj)}`],
    [
      "bn-arith-xhat",
      `x̂_${ij} = (x_${ij} − μ_${J}) / √(σ²_${J} + ε) = (${fmt(xij)} − ${p(mu)}) / √(${fmt(varj)} + ${eps}) = ${f6(xij - mu)} / ${f6(root)} = ${f6(r.x_hat[i][j])}`,
    ],
    ["bn-arith-y", `y_${ij} = γ_${J} · x̂_${ij} + β_${J} = ${fmt(input.gamma[j])} · ${t6(r.x_hat[i][j])} + ${p(input.beta[j])} = ${f6(r.out[i][j])}`],
    [
      "bn-arith-wrong",
      t("✗ the notes: {formula}   (wrong: σ is subtracted instead of μ)", {
        formula: `(x_${ij} − σ_${J}) / √(σ²_${J} + ε) = (${fmt(xij)} − ${f6(sigma)}) / ${f6(root)} = ${f6(r.wrong_x_hat[i][j])}`,
      }),
    ],
    [
      "bn-arith-dx",
      t("backward: {formula}   (g = dL/dy; Σ g = dβ, Σ g·x̂ = dγ)", {
        formula:
          `dx_${ij} = γ_${J} / (N·√(σ²_${J} + ε)) · (N·g_${ij} − Σ_k g_k${J} − x̂_${ij}·Σ_k g_k${J}·x̂_k${J}) = ` +
          `${fmt(input.gamma[j])} / (${N} · ${f6(root)}) · (${N} · ${p(input.grad[i][j])} − ${p(r.dbeta[j])} − ${t6(r.x_hat[i][j])} · ${p(r.dgamma[j])}) = ${f6(dx)}`,
      }),
    ],
  ];
}

export function renderArith(page, bn) {
  if (!bn) return;
  const v = page.state.get();
  const i = Math.min(v.ci, bn.input.x.length - 1);
  const j = Math.min(v.cj, bn.input.gamma.length - 1);
  byId("bn-cell-name").textContent = t("row {i}, feature {j}", { i: i + 1, j: j + 1 });
  const classes = { "bn-arith-wrong": "tr-wrong-line", "bn-arith-y": "total" };
  byId("bn-arith").replaceChildren(
    ...lines(bn, i, j, Number(v.eps)).map(([id, text]) => {
      const div = el("div", classes[id] || "", text);
      div.id = id;
      return div;
    }),
  );
}
