// The arithmetic of one cell and of one weight's gradient, written out from POST /api/cnn/trace:
// every number is the API's (the window, kernel, products, per-channel sums, bias and value of a
// conv cell; a pooling window's winner or mean; f(x) = y; batch norm's x̂; a class score's
// largest w·x terms; softmax), nothing is recomputed here.

import { el } from "../../dom.js";
import { bracketed, formatNumber as fmt, formatPrecise } from "../../format.js";
import { t } from "../../i18n.js";
import { createRoving } from "./inside_keys.js";
import { optimizerName } from "./text.js";

const signed = (v) => bracketed(v, fmt);
const MAX_TERMS = 12;

function table(rows, { className = "", cell } = {}) {
  const tab = el("table", `cnn-in-nums ${className}`);
  const body = tab.createTBody();
  rows.forEach((row, r) => {
    const tr = body.insertRow();
    row.forEach((v, c) => {
      const td = el("td", "num", v === null || v === undefined ? "0" : fmt(v));
      if (cell) cell(td, r, c);
      tr.append(td);
    });
  });
  return tab;
}

function line(box, ...parts) {
  const div = el("div", "line");
  div.append(...parts.map((p) => (typeof p === "string" ? document.createTextNode(p) : p)));
  box.append(div);
  return div;
}

const value = (v) => {
  const out = el("output", "total", fmt(v));
  out.dataset.value = String(v);
  out.id = "cnn-in-value";
  return out;
};

function convTrace(box, tc, spec, onWeight) {
  const k = tc.kernel[0].length;
  const [f] = tc.cell;
  line(
    box,
    t(
      "Window rows {top}…{bottom}, columns {left}…{right} of the padded input (padding {padding}, stride {stride}); grey cells are zero padding. Σ over the window of x·w, per input channel:",
      { top: tc.top, bottom: tc.top + k - 1, left: tc.left, right: tc.left + k - 1, padding: spec.padding || 0, stride: spec.stride || 1 },
    ),
  );
  const blocks = el("div", "cnn-in-chans");
  tc.window.forEach((win, c) => {
    const block = el("div", "cnn-in-chan");
    block.append(el("div", "label", t("input channel {c}", { c })));
    const trio = el("div", "cnn-in-trio");
    const pad = (td, r, col) => td.classList.toggle("pad", tc.is_padding[r * k + col]);
    const kernel = table(tc.kernel[c], {
      className: "cnn-in-kernel",
      cell: (td, m, n) => {
        td.classList.add("cnn-in-w");
        td.dataset.weight = [f, c, m, n].join(",");
        td.setAttribute("role", "gridcell");
        td.setAttribute("aria-label", t("weight w[{index}] = {value}: Enter shows its gradient", { index: [f, c, m, n].join(", "), value: fmt(tc.kernel[c][m][n]) }));
      },
    });
    kernel.setAttribute("role", "grid");
    kernel.setAttribute("aria-label", t("kernel of filter {f}, channel {c}", { f, c }));
    createRoving(kernel, { selector: "td", cols: () => k, onPick: (_, td) => onWeight(td.dataset.weight.split(",").map(Number)) }).refresh();
    const fig = (title, node) => {
      const figure = el("figure", "cnn-in-numfig");
      figure.append(el("figcaption", "", title), node);
      return figure;
    };
    trio.append(fig(t("window x"), table(win, { cell: pad })), fig(t("kernel w{f} (click: gradient)", { f }), kernel), fig("x·w", table(tc.products[c], { cell: pad })));
    block.append(trio, el("div", "partial", `Σ = ${fmt(tc.channel_sums[c])}`));
    blocks.append(block);
  });
  box.append(blocks);
  line(box, `${tc.channel_sums.map(signed).join(" + ")} + b${f} ${signed(tc.bias)} = `, value(tc.value));
}

function poolTrace(box, tc) {
  const k = tc.window.length;
  if (tc.winner) {
    const [wr, wc] = tc.winner;
    line(box, t("Max pooling: the largest of the {k}×{k} window (rows {top}…, columns {left}…), the winner outlined; the gradient flows back to it alone.", { k, top: tc.top, left: tc.left }));
    box.append(table(tc.window, { cell: (td, r, c) => td.classList.toggle("win", r === wr && c === wc) }));
    line(box, "max = ", value(tc.value));
  } else {
    line(box, t("Average pooling: the mean of the {k}×{k} window (rows {top}…, columns {left}…).", { k, top: tc.top, left: tc.left }));
    box.append(table(tc.window));
    line(box, `Σ = ${fmt(tc.sum)}, / ${tc.divisor} = `, value(tc.value));
  }
}

function linearTrace(box, tc) {
  const shown = tc.terms.slice(0, MAX_TERMS);
  line(box, t("A class score or unit: Σ w·x over the {n} inputs, plus the bias; the biggest contributions first.", { n: tc.terms.length + tc.rest_count }));
  const tab = el("table", "cnn-table cnn-in-terms");
  const head = tab.createTHead().insertRow();
  for (const h of [t("input j"), "x_j", "w_j", "w_j·x_j"]) head.append(el("th", "", h));
  const body = tab.createTBody();
  for (const term of shown) {
    const tr = body.insertRow();
    tr.append(el("td", "num", String(term.input)), el("td", "num", fmt(term.x)), el("td", "num", fmt(term.weight)), el("td", "num", fmt(term.product)));
  }
  box.append(tab);
  const more = tc.terms.length - shown.length + tc.rest_count;
  if (more > 0) line(box, t("… and {n} smaller terms.", { n: more }));
  line(box, `Σ w·x = ${fmt(tc.products_sum)}; + b ${signed(tc.bias)} = `, value(tc.value));
}

function softmaxTrace(box, tc) {
  const [k] = tc.cell;
  line(box, t("Softmax: p_k = e^(z_k − max z) / Σ_j e^(z_j − max z) (subtracting the largest score changes nothing and never overflows)."));
  const tab = el("table", "cnn-table cnn-in-terms");
  const head = tab.createTHead().insertRow();
  for (const h of [t("class j"), t("score z_j"), "e^(z_j − max z)"]) head.append(el("th", "", h));
  const body = tab.createTBody();
  tc.logits.forEach((z, j) => {
    const tr = body.insertRow();
    if (j === k) tr.className = "chosen";
    tr.append(el("td", "num", String(j)), el("td", "num", fmt(z)), el("td", "num", fmt(tc.exps[j])));
  });
  box.append(tab);
  line(box, `max z = ${fmt(tc.max)}; Σ_j e^(z_j − max z) = ${fmt(tc.sum)}`);
  line(box, `p_${k} = ${fmt(tc.exps[k])} / ${fmt(tc.sum)} = `, value(tc.value));
}

// trace: the API's cell; spec: the layer's options; title: what the cell is.
export function renderCell(box, trace, spec, title, onWeight) {
  box.replaceChildren();
  line(box, el("strong", "", title));
  const tc = trace;
  if (tc.kind === "conv") convTrace(box, tc, spec, onWeight);
  else if (tc.kind === "maxpool" || tc.kind === "avgpool") poolTrace(box, tc);
  else if (tc.kind === "linear") linearTrace(box, tc);
  else if (tc.kind === "softmax") softmaxTrace(box, tc);
  else if (tc.kind === "batchnorm") {
    line(box, t("Batch norm with its running averages (one example is not a batch): x̂ = (x − μ) / √(σ² + ε), y = γ·x̂ + β."));
    line(box, `x̂ = (${fmt(tc.x)} − ${signed(tc.running_mean)}) / √(${fmt(tc.running_var)} + ${tc.eps}) = ${fmt(tc.x_hat)}`);
    line(box, `y = ${fmt(tc.gamma)} · ${signed(tc.x_hat)} + ${signed(tc.beta)} = `, value(tc.value));
  } else if (tc.kind === "flatten") {
    line(box, t("Flatten copies the previous layer's value at [{source}] (row-major order) = ", { source: tc.source.join(", ") }), value(tc.value));
  } else {
    line(box, `f(x) = ${tc.formula}`);
    line(box, `f(${fmt(tc.x)}) = `, value(tc.value));
    line(box, t("f′(x) = {derivative}: dL/dx = f′(x) · dL/dy on the way back.", { derivative: fmt(tc.derivative) }));
  }
}

// The weight's gradient written out, with the central difference and the optimiser's step.
export function renderWeight(box, trace, update, optimizer, spec) {
  box.replaceChildren();
  const w = trace.weight;
  const s = spec.stride || 1;
  const name = trace.param === "weight" ? `w[${w.join(", ")}]` : `b[${w.join(", ")}]`;
  line(box, el("strong", "", t("Layer {layer}, {name} = {value}; this example's loss L = {loss}", { layer: trace.layer, name, value: formatPrecise(trace.value), loss: formatPrecise(trace.loss) })));
  if (trace.param === "weight" && w.length === 4) {
    const [f, c, m, n] = w;
    line(
      box,
      t("dL/dw[{f}, {c}, {m}, {n}] = Σ over output positions (i, j) of x[{c}, {s}·i + {m}, {s}·j + {n}] · dL/dy[{f}, i, j] (x: the padded input of the layer; y: its output).", {
        f,
        c,
        m,
        n,
        s,
      }),
    );
  }
  const shown = trace.terms.slice(0, MAX_TERMS);
  const termsTable = (terms) => {
    const tab = el("table", "cnn-table cnn-in-terms");
    const head = tab.createTHead().insertRow();
    for (const h of [t("position (i, j)"), "x", "dL/dy", "x · dL/dy"]) head.append(el("th", "", h));
    const body = tab.createTBody();
    for (const term of terms) {
      const tr = body.insertRow();
      tr.append(el("td", "num", `(${term.position.join(", ")})`), el("td", "num", fmt(term.x)), el("td", "num", fmt(term.grad_output)), el("td", "num", fmt(term.product)));
    }
    return tab;
  };
  line(box, t("The {shown} largest of {n} terms:", { shown: shown.length, n: trace.terms.length }));
  box.append(termsTable(shown));
  if (trace.terms.length > shown.length) {
    const all = el("details");
    all.append(el("summary", "", t("All {n} terms", { n: trace.terms.length })), termsTable(trace.terms));
    box.append(all);
  }
  const total = el("output", "total", formatPrecise(trace.total));
  total.id = "cnn-in-grad-total";
  total.dataset.value = String(trace.total);
  const numeric = el("output", "total", formatPrecise(trace.numerical));
  numeric.id = "cnn-in-grad-numerical";
  numeric.dataset.value = String(trace.numerical);
  line(box, t("Σ = dL/dp (back-propagation) = "), total);
  line(box, t("Central difference in float64, (L(p + h) − L(p − h)) / 2h with h = {h}: ", { h: trace.h }), numeric);
  if (!update) return;
  const info = optimizer;
  const step = el("div", "cnn-in-update");
  step.append(
    el(
      "div",
      "label",
      t("The optimiser's next step on it: {name}, t = {step}, with this example's gradient alone (training averages a batch's).", {
        name: info ? optimizerName(info) : update.optimizer,
        step: update.t,
      }),
    ),
  );
  if (info) step.append(el("p", "formula", info.equations.join("     ")));
  const tab = el("table", "optim-table");
  const head = tab.createTHead().insertRow();
  for (const h of [t("quantity"), t("meaning"), t("value")]) head.append(el("th", "", h));
  const body = tab.createTBody();
  const meanings = new Map((info ? info.quantities : []).map((q) => [q.name, q]));
  const row = (symbol, meaning, v) => {
    const tr = body.insertRow();
    tr.append(el("td", "formula", symbol), el("td", "", meaning), el("td", "num", formatPrecise(v)));
  };
  row("g", t("this example's dL/dp"), update.grad);
  for (const [key, v] of Object.entries(update.quantities)) {
    const q = meanings.get(key);
    row(q ? q.symbol : key, q ? q.meaning : key, v);
  }
  row("x_t", t("the weight now (the optimiser's variable)"), update.before);
  const after = body.insertRow();
  after.append(el("td", "formula", "x_t+1"), el("td", "", t("after the step")));
  const afterCell = el("td", "num total", formatPrecise(update.after));
  afterCell.id = "cnn-in-update-after";
  after.append(afterCell);
  step.append(tab);
  box.append(step);
}
