// The batch-norm tables: the editable input with its statistics, x̂ and y, the notes' mistake,
// the backward pass and test time. Numbers from POST /api/training/batchnorm.

import { byId, el } from "../../dom.js";
import { showAt } from "../../errors.js";
import { formatEdits, parseEdits } from "../../seeded.js";
import { formatNumber as fmt } from "../../format.js";
import { t } from "../../i18n.js";

const tiny = (value) => (Math.abs(value) < 1e-12 ? 0 : value); // rounding residue shows as 0

function headerRow(cells) {
  const tr = el("tr");
  for (const text of cells) {
    const th = el("th", "", text);
    th.scope = "col";
    tr.append(th);
  }
  return tr;
}

function rowHead(text) {
  const th = el("th", "", text);
  th.scope = "row";
  return th;
}

function head(cells) {
  const thead = el("thead");
  thead.append(headerRow(cells));
  return thead;
}

export function statRow(label, values, id, cls) {
  const tr = el("tr", cls);
  tr.id = id;
  tr.append(rowHead(label), ...values.map((value) => el("td", "num", fmt(value))));
  return tr;
}

function setEdit(page, key, raw, input) {
  const value = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(value)) {
    showAt(
      input,
      raw === ""
        ? t("This cell is empty: type a number such as 1.5.")
        : t("“{raw}” is not a number: type a number such as 1.5.", { raw }),
    );
    return;
  }
  const edits = parseEdits(page.state.get().ed);
  edits.set(key, value);
  page.state.set({ ed: formatEdits(edits) });
}

function numberInput(page, key, value, label) {
  const input = el("input", "tr-cell-input");
  Object.assign(input, { type: "number", step: "0.1", min: "-1000000", max: "1000000", value: String(value) });
  input.dataset.key = key;
  input.setAttribute("aria-label", label);
  input.addEventListener("change", () => setEdit(page, key, input.value, input));
  return input;
}

// x (editable), μ and σ², γ and β (editable). Keeps the learner's focus across the rebuild.
export function renderInput(page, { input, r }, features) {
  const v = page.state.get();
  const focused = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.key : null;
  const body = el("tbody");
  input.x.forEach((row, i) => {
    const tr = el("tr");
    tr.append(rowHead(t("x, row {i}", { i: i + 1 })));
    row.forEach((value, j) => {
      const td = el("td", i === v.ci && j === v.cj ? "picked" : "");
      td.append(numberInput(page, `x.${i}.${j}`, value, t("x row {i} feature {j}", { i: i + 1, j: j + 1 })));
      tr.append(td);
    });
    body.append(tr);
  });
  body.append(statRow(t("μ (mean)"), r.mean, "bn-mean", "stat"), statRow("σ² (1/N)", r.var, "bn-var", "stat"));
  const params = [
    ["g", "γ", t("γ (scale)"), input.gamma],
    ["b", "β", t("β (shift)"), input.beta],
  ];
  for (const [kind, name, label, values] of params) {
    const tr = el("tr", "param");
    tr.append(rowHead(label));
    values.forEach((value, j) => {
      const td = el("td");
      td.append(numberInput(page, `${kind}.${j}`, value, t("{name} of feature {j}", { name, j: j + 1 })));
      tr.append(td);
    });
    body.append(tr);
  }
  const table = byId("bn-input");
  table.replaceChildren(head(["", ...features]), body);
  const again = focused && table.querySelector(`input[data-key="${focused}"]`);
  if (again) again.focus();
}

function pickCell(kind, value, i, j, picked) {
  const td = el("td", `num pick${picked ? " picked" : ""}`, fmt(value));
  td.tabIndex = 0;
  Object.assign(td.dataset, { i: String(i), j: String(j), kind });
  td.setAttribute(
    "aria-label",
    t("{name} row {i} feature {j}: {value}", { name: kind === "xhat" ? "x̂" : "y", i: i + 1, j: j + 1, value: fmt(value) }),
  );
  return td;
}

// x̂ and y per feature, each cell pickable; column means and stds below.
export function renderOutput(page, { r }, features) {
  const v = page.state.get();
  const N = r.x_hat.length;
  const body = el("tbody");
  r.x_hat.forEach((row, i) => {
    const tr = el("tr");
    tr.append(rowHead(t("row {i}", { i: i + 1 })));
    row.forEach((_, j) => {
      const picked = i === v.ci && j === v.cj;
      tr.append(pickCell("xhat", r.x_hat[i][j], i, j, picked), pickCell("y", r.out[i][j], i, j, picked));
    });
    body.append(tr);
  });
  const meanRow = el("tr");
  meanRow.append(rowHead(t("column mean")));
  const stdRow = el("tr");
  stdRow.append(rowHead(t("column std")));
  features.forEach((_, j) => {
    const column = r.x_hat.map((row) => row[j]);
    const m = column.reduce((a, b) => a + b, 0) / N;
    const s = Math.sqrt(column.reduce((a, b) => a + (b - m) ** 2, 0) / N);
    meanRow.append(el("td", "num", fmt(tiny(m))), el("td", "num", fmt(tiny(r.out_mean[j]))));
    stdRow.append(el("td", "num", fmt(s)), el("td", "num", fmt(r.out_std[j])));
  });
  const foot = el("tfoot");
  foot.append(meanRow, stdRow);
  const columns = features.flatMap((_, j) => [`x̂ (f${j + 1})`, `y (f${j + 1})`]);
  byId("bn-output").replaceChildren(head(["", ...columns]), body, foot);
}

export function renderWrong(page, { r }, features) {
  const v = page.state.get();
  const body = el("tbody");
  r.wrong_x_hat.forEach((row, i) => {
    const tr = el("tr");
    tr.append(rowHead(t("row {i}", { i: i + 1 })), ...row.map((value, j) => el("td", `num${i === v.ci && j === v.cj ? " picked" : ""}`, fmt(value))));
    body.append(tr);
  });
  const foot = el("tfoot");
  const mean = el("tr");
  mean.append(rowHead(t("column mean")), ...r.wrong_mean.map((value) => el("td", "num", fmt(value))));
  foot.append(mean);
  byId("bn-wrong").replaceChildren(head(["", ...features]), body, foot);
  byId("bn-wrong-note").textContent = t(
    "Each column of the correct x̂ has mean 0 and std ≈ 1. Subtracting σ instead of μ shifts every column by (μ − σ)/σ: the means above are not 0, so the layer's outputs are not centred and the shift depends on the batch.",
  );
}

export function renderBackward(page, { input, r }, features) {
  const body = el("tbody");
  input.grad.forEach((row, i) => {
    const tr = el("tr");
    tr.append(rowHead(t("row {i}", { i: i + 1 })));
    row.forEach((g, j) => tr.append(el("td", "num given", fmt(g)), el("td", "num", fmt(tiny(r.dx[i][j])))));
    body.append(tr);
  });
  const foot = el("tfoot");
  for (const [label, values, id] of [["dγ = Σ dL/dy·x̂", r.dgamma, "bn-dgamma"], ["dβ = Σ dL/dy", r.dbeta, "bn-dbeta"]]) {
    const tr = el("tr");
    tr.id = id;
    tr.append(rowHead(label));
    for (const value of values) {
      const td = el("td", "num", fmt(tiny(value)));
      td.colSpan = 2;
      tr.append(td);
    }
    foot.append(tr);
  }
  const columns = features.flatMap((_, j) => [`dL/dy (f${j + 1})`, `dx (f${j + 1})`]);
  byId("bn-backward").replaceChildren(head(["", ...columns]), body, foot);
  byId("bn-backward-note").textContent =
    page.state.get().grad === "ones"
      ? t(
          "With dL/dy = 1 everywhere, dx = 0 and dγ = Σ x̂ = 0 exactly: adding the same amount to a whole column of y is just a change of β, and batch norm's output does not change when x shifts. Only dβ = N.",
        )
      : t(
          "dx_ij = (γ_j / (N·√(σ²_j + ε))) · (N·g_ij − Σ_k g_kj − x̂_ij · Σ_k g_kj·x̂_kj), g = dL/dy: each column of dx sums to 0, because the batch mean is subtracted in the forward pass.",
        );
}

export function renderTestTime({ r }, features) {
  const N = r.x_hat.length;
  byId("bn-test").textContent = t(
    "At test time there may be a single sample, so the batch statistics are replaced by running averages kept during training: running = 0.9·running + 0.1·batch (momentum 0.1), starting from mean 0 and variance 1. As in PyTorch, the running variance takes the unbiased batch variance σ²·N/(N − 1) = σ²·{n}/{n1}. Below, the running statistics after this one batch; at test time x̂ = (x − running mean)/√(running var + ε), so a sample's output no longer depends on the other samples of its batch.",
    { n: N, n1: N - 1 },
  );
  const body = el("tbody");
  body.append(
    statRow("σ²·N/(N − 1)", r.unbiased_var, "bn-unbiased"),
    statRow(t("running mean"), r.running_mean, "bn-run-mean"),
    statRow(t("running var"), r.running_var, "bn-run-var"),
    statRow(t("test-time y, row 1"), r.inference_out[0], "bn-infer"),
  );
  byId("bn-running").replaceChildren(head(["", ...features]), body);
}
