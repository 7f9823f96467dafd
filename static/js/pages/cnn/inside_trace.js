// The arithmetic of one cell and of one weight's gradient, written out from POST /api/cnn/trace:
// every number is the API's (the window, kernel, products, per-channel sums, bias and value of a
// conv cell; a pooling window's winner or mean; f(x) = y; batch norm's x̂; a class score's
// largest w·x terms; softmax), nothing is recomputed here.

import { el } from "../../dom.js";
import { bracketed, formatNumber as fmt, formatPrecise } from "../../format.js";
import { createRoving } from "./inside_keys.js";

const signed = (v) => bracketed(v, fmt);
const MAX_TERMS = 12;

function table(rows, { className = "", cell } = {}) {
  const t = el("table", `cnn-in-nums ${className}`);
  const body = t.createTBody();
  rows.forEach((row, r) => {
    const tr = body.insertRow();
    row.forEach((v, c) => {
      const td = el("td", "num", v === null || v === undefined ? "0" : fmt(v));
      if (cell) cell(td, r, c);
      tr.append(td);
    });
  });
  return t;
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

function convTrace(box, t, spec, onWeight) {
  const k = t.kernel[0].length;
  const [f] = t.cell;
  line(box, `Window rows ${t.top}…${t.top + k - 1}, columns ${t.left}…${t.left + k - 1} of the padded input (padding ${spec.padding || 0}, stride ${spec.stride || 1}); grey cells are zero padding. Σ over the window of x·w, per input channel:`);
  const blocks = el("div", "cnn-in-chans");
  t.window.forEach((win, c) => {
    const block = el("div", "cnn-in-chan");
    block.append(el("div", "label", `input channel ${c}`));
    const trio = el("div", "cnn-in-trio");
    const pad = (td, r, col) => td.classList.toggle("pad", t.is_padding[r * k + col]);
    const kernel = table(t.kernel[c], {
      className: "cnn-in-kernel",
      cell: (td, m, n) => {
        td.classList.add("cnn-in-w");
        td.dataset.weight = [f, c, m, n].join(",");
        td.setAttribute("role", "gridcell");
        td.setAttribute("aria-label", `weight w[${f}, ${c}, ${m}, ${n}] = ${fmt(t.kernel[c][m][n])}: Enter shows its gradient`);
      },
    });
    kernel.setAttribute("role", "grid");
    kernel.setAttribute("aria-label", `kernel of filter ${f}, channel ${c}`);
    createRoving(kernel, { selector: "td", cols: () => k, onPick: (_, td) => onWeight(td.dataset.weight.split(",").map(Number)) }).refresh();
    const fig = (title, node) => {
      const figure = el("figure", "cnn-in-numfig");
      figure.append(el("figcaption", "", title), node);
      return figure;
    };
    trio.append(fig("window x", table(win, { cell: pad })), fig(`kernel w${f} (click: gradient)`, kernel), fig("x·w", table(t.products[c], { cell: pad })));
    block.append(trio, el("div", "partial", `Σ = ${fmt(t.channel_sums[c])}`));
    blocks.append(block);
  });
  box.append(blocks);
  line(box, `${t.channel_sums.map(signed).join(" + ")} + b${f} ${signed(t.bias)} = `, value(t.value));
}

function poolTrace(box, t) {
  const k = t.window.length;
  if (t.winner) {
    const [wr, wc] = t.winner;
    line(box, `Max pooling: the largest of the ${k}×${k} window (rows ${t.top}…, columns ${t.left}…), the winner outlined; the gradient flows back to it alone.`);
    box.append(table(t.window, { cell: (td, r, c) => td.classList.toggle("win", r === wr && c === wc) }));
    line(box, "max = ", value(t.value));
  } else {
    line(box, `Average pooling: the mean of the ${k}×${k} window (rows ${t.top}…, columns ${t.left}…).`);
    box.append(table(t.window));
    line(box, `Σ = ${fmt(t.sum)}, / ${t.divisor} = `, value(t.value));
  }
}

function linearTrace(box, t) {
  const shown = t.terms.slice(0, MAX_TERMS);
  line(box, `A class score or unit: Σ w·x over the ${t.terms.length + t.rest_count} inputs, plus the bias; the biggest contributions first.`);
  const tab = el("table", "cnn-table cnn-in-terms");
  const head = tab.createTHead().insertRow();
  for (const h of ["input j", "x_j", "w_j", "w_j·x_j"]) head.append(el("th", "", h));
  const body = tab.createTBody();
  for (const term of shown) {
    const tr = body.insertRow();
    tr.append(el("td", "num", String(term.input)), el("td", "num", fmt(term.x)), el("td", "num", fmt(term.weight)), el("td", "num", fmt(term.product)));
  }
  box.append(tab);
  const more = t.terms.length - shown.length + t.rest_count;
  if (more > 0) line(box, `… and ${more} smaller terms.`);
  line(box, `Σ w·x = ${fmt(t.products_sum)}; + b ${signed(t.bias)} = `, value(t.value));
}

function softmaxTrace(box, t) {
  const [k] = t.cell;
  line(box, "Softmax: p_k = e^(z_k − max z) / Σ_j e^(z_j − max z) (subtracting the largest score changes nothing and never overflows).");
  const tab = el("table", "cnn-table cnn-in-terms");
  const head = tab.createTHead().insertRow();
  for (const h of ["class j", "score z_j", "e^(z_j − max z)"]) head.append(el("th", "", h));
  const body = tab.createTBody();
  t.logits.forEach((z, j) => {
    const tr = body.insertRow();
    if (j === k) tr.className = "chosen";
    tr.append(el("td", "num", String(j)), el("td", "num", fmt(z)), el("td", "num", fmt(t.exps[j])));
  });
  box.append(tab);
  line(box, `max z = ${fmt(t.max)}; Σ_j e^(z_j − max z) = ${fmt(t.sum)}`);
  line(box, `p_${k} = ${fmt(t.exps[k])} / ${fmt(t.sum)} = `, value(t.value));
}

// trace: the API's cell; spec: the layer's options; title: what the cell is.
export function renderCell(box, trace, spec, title, onWeight) {
  box.replaceChildren();
  line(box, el("strong", "", title));
  const t = trace;
  if (t.kind === "conv") convTrace(box, t, spec, onWeight);
  else if (t.kind === "maxpool" || t.kind === "avgpool") poolTrace(box, t);
  else if (t.kind === "linear") linearTrace(box, t);
  else if (t.kind === "softmax") softmaxTrace(box, t);
  else if (t.kind === "batchnorm") {
    line(box, "Batch norm with its running averages (one example is not a batch): x̂ = (x − μ) / √(σ² + ε), y = γ·x̂ + β.");
    line(box, `x̂ = (${fmt(t.x)} − ${signed(t.running_mean)}) / √(${fmt(t.running_var)} + ${t.eps}) = ${fmt(t.x_hat)}`);
    line(box, `y = ${fmt(t.gamma)} · ${signed(t.x_hat)} + ${signed(t.beta)} = `, value(t.value));
  } else if (t.kind === "flatten") {
    line(box, `Flatten copies the previous layer's value at [${t.source.join(", ")}] (row-major order) = `, value(t.value));
  } else {
    line(box, `f(x) = ${t.formula}`);
    line(box, `f(${fmt(t.x)}) = `, value(t.value));
    line(box, `f′(x) = ${fmt(t.derivative)}: dL/dx = f′(x) · dL/dy on the way back.`);
  }
}

// The weight's gradient written out, with the central difference and the optimiser's step.
export function renderWeight(box, trace, update, optimizer, spec) {
  box.replaceChildren();
  const w = trace.weight;
  const s = spec.stride || 1;
  const name = trace.param === "weight" ? `w[${w.join(", ")}]` : `b[${w.join(", ")}]`;
  line(box, el("strong", "", `Layer ${trace.layer}, ${name} = ${formatPrecise(trace.value)}; this example's loss L = ${formatPrecise(trace.loss)}`));
  if (trace.param === "weight" && w.length === 4) {
    const [f, c, m, n] = w;
    line(box, `dL/dw[${f}, ${c}, ${m}, ${n}] = Σ over output positions (i, j) of x[${c}, ${s}·i + ${m}, ${s}·j + ${n}] · dL/dy[${f}, i, j] (x: the padded input of the layer; y: its output).`);
  }
  const shown = trace.terms.slice(0, MAX_TERMS);
  const termsTable = (terms) => {
    const tab = el("table", "cnn-table cnn-in-terms");
    const head = tab.createTHead().insertRow();
    for (const h of ["position (i, j)", "x", "dL/dy", "x · dL/dy"]) head.append(el("th", "", h));
    const body = tab.createTBody();
    for (const term of terms) {
      const tr = body.insertRow();
      tr.append(el("td", "num", `(${term.position.join(", ")})`), el("td", "num", fmt(term.x)), el("td", "num", fmt(term.grad_output)), el("td", "num", fmt(term.product)));
    }
    return tab;
  };
  line(box, `The ${shown.length} largest of ${trace.terms.length} terms:`);
  box.append(termsTable(shown));
  if (trace.terms.length > shown.length) {
    const all = el("details");
    all.append(el("summary", "", `All ${trace.terms.length} terms`), termsTable(trace.terms));
    box.append(all);
  }
  const total = el("output", "total", formatPrecise(trace.total));
  total.id = "cnn-in-grad-total";
  total.dataset.value = String(trace.total);
  const numeric = el("output", "total", formatPrecise(trace.numerical));
  numeric.id = "cnn-in-grad-numerical";
  numeric.dataset.value = String(trace.numerical);
  line(box, "Σ = dL/dp (back-propagation) = ", total);
  line(box, `Central difference in float64, (L(p + h) − L(p − h)) / 2h with h = ${trace.h}: `, numeric);
  if (!update) return;
  const info = optimizer;
  const step = el("div", "cnn-in-update");
  step.append(el("div", "label", `The optimiser's next step on it: ${info ? info.label : update.optimizer}, t = ${update.t}, with this example's gradient alone (training averages a batch's).`));
  if (info) step.append(el("p", "formula", info.equations.join("     ")));
  const tab = el("table", "optim-table");
  const head = tab.createTHead().insertRow();
  for (const h of ["quantity", "meaning", "value"]) head.append(el("th", "", h));
  const body = tab.createTBody();
  const meanings = new Map((info ? info.quantities : []).map((q) => [q.name, q]));
  const row = (symbol, meaning, v) => {
    const tr = body.insertRow();
    tr.append(el("td", "formula", symbol), el("td", "", meaning), el("td", "num", formatPrecise(v)));
  };
  row("g", "this example's dL/dp", update.grad);
  for (const [key, v] of Object.entries(update.quantities)) {
    const q = meanings.get(key);
    row(q ? q.symbol : key, q ? q.meaning : key, v);
  }
  row("x_t", "the weight now (the optimiser's variable)", update.before);
  const after = body.insertRow();
  after.append(el("td", "formula", "x_t+1"), el("td", "", "after the step"));
  const afterCell = el("td", "num total", formatPrecise(update.after));
  afterCell.id = "cnn-in-update-after";
  after.append(afterCell);
  step.append(tab);
  box.append(step);
}
