// /training: weight initialisation (POST /api/training/init, every scheme, histograms per layer and
// the std per layer) and batch normalisation of a small editable batch (POST
// /api/training/batchnorm) with the arithmetic of one cell, the notes' mistake and the backward.
// Values are seeded in the page (static/js/seeded.js), so the URL reproduces every number.

import { isAbort, latestOnly, postJSON } from "../api.js";
import { formatEdits, mulberry32, parseEdits } from "../seeded.js";
import { createState } from "../state.js";
import { createPlot } from "../widgets/plot.js";
import { prepareCanvas } from "../canvas.js";

const SCHEMES = {
  small: { label: "0.01·randn", color: "#d55e00" },
  large: { label: "randn", color: "#cc79a7" },
  zeros: { label: "zeros", color: "#000000" },
  xavier: { label: "Xavier 1/√n", color: "#0072b2" },
  he: { label: "He √(2/n)", color: "#009e73" },
};
const SCHEME_NAMES = Object.keys(SCHEMES);
// Features differ on purpose: offset and scale per column of the seeded batch.
const OFFSETS = [5, -2, 0.5, 10, -7];
const SCALES = [2, 0.5, 1, 4, 3];
const GAMMAS = [1, 2, 0.5, 1.5, 1];
const BETAS = [0, 1, -0.5, 0, 2];

const state = createState({
  scheme: { type: "string", default: "small", options: SCHEME_NAMES },
  act: { type: "string", default: "tanh", options: ["tanh", "relu"] },
  layers: { type: "int", default: 10, min: 1, max: 20 },
  width: { type: "string", default: "500", options: ["100", "250", "500", "1000"] },
  batch: { type: "string", default: "500", options: ["100", "250", "500"] },
  seed: { type: "int", default: 0, min: 0, max: 999999 },
  il: { type: "int", default: 7, min: 1, max: 20 },
  n: { type: "int", default: 4, min: 2, max: 8 },
  d: { type: "int", default: 3, min: 1, max: 5 },
  bseed: { type: "int", default: 1, min: 0, max: 999999 },
  eps: { type: "string", default: "0.00001", options: ["0.00001", "0.001", "0.1"] },
  grad: { type: "string", default: "seeded", options: ["seeded", "ones"] },
  ed: { type: "string", default: "" },
  ci: { type: "int", default: 0, min: 0, max: 7 },
  cj: { type: "int", default: 0, min: 0, max: 4 },
  classes: { type: "int", default: 10, min: 2, max: 100000 },
});

const $ = (id) => document.getElementById(id);
const INIT_KEYS = ["scheme", "act", "layers", "width", "batch", "seed"];
const BN_KEYS = ["n", "d", "bseed", "eps", "grad", "ed"];

export function fmt(v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return "—";
  if (v === 0) return "0";
  const abs = Math.abs(v);
  if (abs < 1e-3 || abs >= 1e6) return v.toExponential(3);
  return String(Number(v.toPrecision(4)));
}

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// ---- weight initialisation ----

// Small multiples: one canvas histogram per layer, with axes. Draws only; onPick(layer) on click/Enter.
function createHistograms(root, { onPick }) {
  let data = null;
  let frame = null;

  function drawOne(canvas, hist, edges, color) {
    const rect = canvas.getBoundingClientRect();
    if (rect.width < 20 || rect.height < 20) return;
    const ctx = prepareCanvas(canvas, rect.width, rect.height);
    const style = getComputedStyle(canvas);
    const font = (parseFloat(style.fontSize) || 16) * 0.7;
    ctx.font = `${font}px ${style.fontFamily}`;
    const top = font * 1.3;
    const bottom = font * 1.6;
    const left = font * 0.6;
    const right = font * 0.6;
    const w = rect.width - left - right;
    const h = rect.height - top - bottom;
    const max = Math.max(...hist, 1e-12);
    const bw = w / hist.length;
    ctx.fillStyle = color;
    hist.forEach((v, k) => {
      const bh = (v / max) * h;
      ctx.fillRect(left + k * bw + 0.5, top + h - bh, Math.max(1, bw - 1), bh);
    });
    ctx.strokeStyle = "#8a939e";
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(left, top + h + 0.5);
    ctx.lineTo(left + w, top + h + 0.5);
    ctx.moveTo(left + 0.5, top);
    ctx.lineTo(left + 0.5, top + h);
    ctx.stroke();
    ctx.fillStyle = style.color || "#1b1f24";
    ctx.textBaseline = "top";
    const lo = edges[0];
    const hi = edges[edges.length - 1];
    const ticks = [lo, (lo + hi) / 2, hi];
    ticks.forEach((t, k) => {
      ctx.textAlign = k === 0 ? "left" : k === 2 ? "right" : "center";
      ctx.fillText(fmt(t), left + (k / 2) * w, top + h + font * 0.3);
    });
    ctx.textAlign = "left";
    ctx.textBaseline = "bottom";
    ctx.fillText(`max ${(100 * max).toFixed(max < 0.1 ? 1 : 0)}%`, left + 3, top - 1);
  }

  function draw() {
    frame = null;
    if (!data) return;
    root.querySelectorAll("canvas").forEach((canvas, k) => {
      drawOne(canvas, data.layers[k].histogram, data.edges, data.color);
    });
  }
  const schedule = () => {
    if (frame) window.cancelAnimationFrame(frame);
    frame = window.requestAnimationFrame(draw);
  };
  window.addEventListener("resize", schedule);
  window.addEventListener("cnnlab:resize", schedule);

  return {
    update(next) {
      data = next;
      const figures = next.layers.map((layer) => {
        const figure = el("figure", "tr-hist");
        figure.dataset.layer = String(layer.layer);
        figure.classList.toggle("selected", layer.layer === next.selected);
        const canvas = el("canvas", "tr-hist-canvas");
        canvas.tabIndex = 0;
        canvas.setAttribute("role", "button");
        canvas.setAttribute("aria-pressed", String(layer.layer === next.selected));
        canvas.setAttribute("aria-label", `Layer ${layer.layer}: std ${fmt(layer.std)}`);
        canvas.addEventListener("click", () => onPick(layer.layer));
        canvas.addEventListener("keydown", (event) => {
          if (event.key === "Enter" || event.key === " ") {
            event.preventDefault();
            onPick(layer.layer);
          }
        });
        const caption = el("figcaption");
        caption.append(el("strong", "", `layer ${layer.layer}`), document.createTextNode(` std ${fmt(layer.std)}`));
        figure.append(caption, canvas);
        return figure;
      });
      root.replaceChildren(...figures);
      schedule();
    },
    select(layer) {
      root.querySelectorAll("figure").forEach((figure) => {
        const on = Number(figure.dataset.layer) === layer;
        figure.classList.toggle("selected", on);
        figure.querySelector("canvas").setAttribute("aria-pressed", String(on));
      });
    },
  };
}

const hists = createHistograms($("init-hists"), { onPick: (layer) => state.set({ il: layer }) });
const stdPlot = createPlot($("init-plot"), {
  label: "Standard deviation of the activations per layer, for every scheme",
  xLabel: "layer",
  yLabel: "std of activations",
  yScale: "log",
  snap: true,
  formatX: (t) => (Number.isInteger(t) ? String(t) : ""),
  onHover: (x) => {
    if (x !== null && init) state.set({ il: Math.round(x) });
  },
});
let init = null; // { v, results: { scheme -> response } }
const fetchInit = latestOnly((payloads, options) =>
  Promise.all(payloads.map((payload) => postJSON("/api/training/init", payload, options))),
);

async function loadInit() {
  const v = state.get();
  const payloads = SCHEME_NAMES.map((scheme) => ({
    scheme,
    activation: v.act,
    layers: v.layers,
    width: Number(v.width),
    batch: Number(v.batch),
    seed: v.seed,
  }));
  $("init-status").textContent = "Computing…";
  let responses;
  try {
    responses = await fetchInit(payloads);
  } catch (error) {
    if (isAbort(error)) return;
    $("init-error").textContent = `Could not run the network: ${error.message}`;
    $("init-status").textContent = "The charts below still show the last settings that ran.";
    $("init-results").classList.add("tr-stale");
    return;
  }
  $("init-error").textContent = "";
  $("init-results").classList.remove("tr-stale");
  init = { results: Object.fromEntries(SCHEME_NAMES.map((s, k) => [s, responses[k]])) };
  drawInit();
}

function selectedLayer() {
  const v = state.get();
  return Math.min(v.il, v.layers);
}

function drawInit() {
  if (!init) return;
  const v = state.get();
  const chosen = init.results[v.scheme];
  if (!chosen) return;
  const layer = selectedLayer();
  hists.update({
    layers: chosen.layers,
    edges: chosen.bin_edges,
    color: SCHEMES[v.scheme].color,
    selected: layer,
  });
  $("init-hist-range").textContent =
    `(${SCHEMES[v.scheme].label}, ${v.act === "tanh" ? "tanh" : "ReLU"}, bins from ` +
    `${fmt(chosen.bin_edges[0])} to ${fmt(chosen.bin_edges[chosen.bin_edges.length - 1])})`;
  const xs = chosen.layers.map((l) => l.layer);
  const series = SCHEME_NAMES.map((scheme) => ({
    name: scheme === "zeros" ? "zeros (std = 0, not drawn)" : SCHEMES[scheme].label,
    x: xs,
    y: init.results[scheme].layers.map((l) => l.std),
    color: SCHEMES[scheme].color,
    width: scheme === v.scheme ? 3.5 : 1.5,
    dash: scheme === v.scheme ? undefined : [5, 3],
    dots: scheme === v.scheme,
  }));
  stdPlot.update({ series, xDomain: [0.5, v.layers + 0.5] });
  renderInitLayer();
}

function renderInitLayer() {
  if (!init) return;
  const v = state.get();
  const layer = selectedLayer();
  const chosen = init.results[v.scheme];
  hists.select(layer);
  stdPlot.setHover(layer);
  const width = Number(v.width);
  $("init-formula").textContent = `${chosen.formula}: every weight has std ${fmt(chosen.weight_std)} (n = ${width}).`;
  $("init-caption").textContent = `Layer ${layer} of ${v.layers} (${v.act === "tanh" ? "tanh" : "ReLU"}, n = ${width}, batch ${v.batch}, seed ${v.seed}); input std ${fmt(chosen.input_std)}`;
  const rows = SCHEME_NAMES.map((scheme) => {
    const stats = init.results[scheme].layers[layer - 1];
    const tr = el("tr", scheme === v.scheme ? "selected" : "");
    tr.dataset.scheme = scheme;
    const th = el("th");
    th.scope = "row";
    const dot = el("span", "tr-dot");
    dot.style.backgroundColor = SCHEMES[scheme].color;
    th.append(dot, document.createTextNode(SCHEMES[scheme].label));
    const cells = [
      fmt(stats.mean),
      fmt(stats.std),
      fmt(stats.unit_spread),
      stats.saturated === null ? "—" : `${(100 * stats.saturated).toFixed(1)}%`,
    ].map((text) => el("td", "num", text));
    tr.append(th, ...cells);
    return tr;
  });
  $("init-readout").tBodies[0].replaceChildren(...rows);
  const stats = chosen.layers[layer - 1];
  $("init-status").textContent = `Layer ${layer} std = ${fmt(stats.std)} with ${SCHEMES[v.scheme].label} (${v.act === "tanh" ? "tanh" : "ReLU"}).`;
  $("init-explain").textContent = explain(v, chosen, layer);
}

function explain(v, r, layer) {
  const n = Number(v.width);
  const first = r.layers[0].std;
  const last = r.layers[r.layers.length - 1].std;
  const here = r.layers[layer - 1];
  const L = r.layers.length;
  if (v.scheme === "zeros") {
    return (
      `Every weight is 0, so every unit of a layer computes exactly the same value (spread across units = ` +
      `${fmt(here.unit_spread)}; here even the value itself is ${fmt(here.mean)}). Worse, they all receive the same ` +
      "gradient, so after any number of updates they are still identical: the symmetry is never broken and a " +
      `layer of ${n} units behaves like one unit. Random initial weights exist to break that symmetry.`
    );
  }
  if (v.scheme === "small") {
    return (
      `Each layer multiplies the spread by about 0.01·√n = ${fmt(0.01 * Math.sqrt(n))}: std ${fmt(first)} at layer 1, ` +
      `${fmt(here.std)} at layer ${layer}, ${fmt(last)} at layer ${L}. The activations collapse towards zero layer ` +
      "by layer, and since a weight's gradient is multiplied by the activation feeding it, the deep layers " +
      "hardly learn. Fine for a small network, broken for a deep one."
    );
  }
  if (v.scheme === "large") {
    return v.act === "tanh"
      ? `Weights of std 1 make every pre-activation huge (std ≈ √n = ${fmt(Math.sqrt(n))}): ` +
          `${(100 * here.saturated).toFixed(1)}% of the tanh outputs of layer ${layer} are beyond ±0.99, where ` +
          "tanh' ≈ 0. Saturated units pass almost no gradient back."
      : `ReLU never saturates, but each layer multiplies the spread by about √(n/2) = ${fmt(Math.sqrt(n / 2))}: ` +
          `std ${fmt(here.std)} at layer ${layer}. Values explode layer by layer.`;
  }
  if (v.scheme === "xavier") {
    return v.act === "tanh"
      ? `Var(W) = 1/n makes Var(h·W) = n·Var(W)·Var(h) = Var(h): tanh (≈ the identity near 0) keeps the ` +
          `activations spread, std ${fmt(first)} at layer 1 and still ${fmt(last)} at layer ${L}. This is the ` +
          "lecture's \"calibrate the variance with 1/√n\"."
      : `ReLU sets half of its inputs to 0, which halves the variance at every layer: std ${fmt(first)} at layer 1, ` +
          `${fmt(last)} at layer ${L}. Xavier is calibrated for tanh; for ReLU use He, twice the variance.`;
  }
  return v.act === "relu"
    ? `Var(W) = 2/n makes up for the half of the inputs ReLU zeroes: the std stays about the same through all ` +
        `${L} layers (${fmt(first)} at layer 1, ${fmt(last)} at layer ${L}). He (Kaiming) initialisation is ` +
        "PyTorch's standard choice for ReLU networks (not in the lecture notes)."
    : `For tanh, He's weights are √2 times too large: std ${fmt(last)} at layer ${L}, with ` +
        `${(100 * here.saturated).toFixed(1)}% of layer ${layer}'s units beyond ±0.99. Xavier suits tanh better.`;
}

// ---- batch normalisation ----

function seededBatch(v) {
  const random = mulberry32(v.bseed * 7919 + 17);
  const normal = () => random() + random() + random() - 1.5; // sd 0.5
  const round1 = (x) => Math.round(x * 10) / 10;
  const x = Array.from({ length: v.n }, () =>
    Array.from({ length: v.d }, (_, j) => round1(OFFSETS[j] + 2 * SCALES[j] * normal())),
  );
  const gradRandom = mulberry32(v.bseed * 104729 + 3);
  const g = () => round1(2 * (gradRandom() + gradRandom() + gradRandom() - 1.5));
  const grad = Array.from({ length: v.n }, () => Array.from({ length: v.d }, () => (v.grad === "ones" ? 1 : g())));
  const gamma = GAMMAS.slice(0, v.d);
  const beta = BETAS.slice(0, v.d);
  const edits = parseEdits(v.ed);
  for (const [key, value] of edits) {
    const [kind, a, b] = key.split(".").map((p, k) => (k === 0 ? p : Number(p)));
    if (kind === "x" && a < v.n && b < v.d) x[a][b] = value;
    if (kind === "g" && a < v.d) gamma[a] = value;
    if (kind === "b" && a < v.d) beta[a] = value;
  }
  return { x, gamma, beta, grad };
}

let bn = null; // { input, r }
const fetchBn = latestOnly((payload, options) => postJSON("/api/training/batchnorm", payload, options));

async function loadBn() {
  const v = state.get();
  const input = seededBatch(v);
  const payload = { x: input.x, gamma: input.gamma, beta: input.beta, eps: Number(v.eps), grad_output: input.grad };
  let r;
  try {
    r = await fetchBn(payload);
  } catch (error) {
    if (isAbort(error)) return;
    $("bn-error").textContent = `Could not normalise the batch: ${error.message}`;
    return;
  }
  $("bn-error").textContent = "";
  bn = { input, r };
  renderBn();
}

function setEdit(key, raw) {
  const value = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(value)) {
    $("bn-error").textContent = `${raw === "" ? "An empty cell" : `“${raw}”`} is not a number.`;
    return;
  }
  const edits = parseEdits(state.get().ed);
  edits.set(key, value);
  state.set({ ed: formatEdits(edits) });
}

function numberInput(key, value, label) {
  const input = el("input", "tr-cell-input");
  input.type = "number";
  input.step = "0.1";
  input.min = "-1000000";
  input.max = "1000000";
  input.value = String(value);
  input.dataset.key = key;
  input.setAttribute("aria-label", label);
  input.addEventListener("change", () => setEdit(key, input.value));
  return input;
}

function headerRow(cells) {
  const tr = el("tr");
  cells.forEach((text, k) => {
    const th = el("th", "", text);
    th.scope = k === 0 ? "col" : "col";
    tr.append(th);
  });
  return tr;
}

function rowHead(text) {
  const th = el("th", "", text);
  th.scope = "row";
  return th;
}

const sub = (i) => String(i + 1);

function renderBn() {
  if (!bn) return;
  const v = state.get();
  const { input, r } = bn;
  const N = input.x.length;
  const D = input.gamma.length;
  const features = Array.from({ length: D }, (_, j) => `feature ${j + 1}`);

  // Input table: x, then μ, σ², γ, β per feature. Keep the learner's focus across the rebuild.
  const focused = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.key : null;
  const table = $("bn-input");
  const head = el("thead");
  head.append(headerRow(["", ...features]));
  const body = el("tbody");
  input.x.forEach((row, i) => {
    const tr = el("tr");
    tr.append(rowHead(`x, row ${i + 1}`));
    row.forEach((value, j) => {
      const td = el("td", i === v.ci && j === v.cj ? "picked" : "");
      td.append(numberInput(`x.${i}.${j}`, value, `x row ${i + 1} feature ${j + 1}`));
      tr.append(td);
    });
    body.append(tr);
  });
  const stat = (label, values, id, cls) => {
    const tr = el("tr", cls);
    tr.id = id;
    tr.append(rowHead(label), ...values.map((value) => el("td", "num", fmt(value))));
    return tr;
  };
  body.append(stat("μ (mean)", r.mean, "bn-mean", "stat"), stat("σ² (1/N)", r.var, "bn-var", "stat"));
  for (const [kind, label, values] of [
    ["g", "γ (scale)", input.gamma],
    ["b", "β (shift)", input.beta],
  ]) {
    const tr = el("tr", "param");
    tr.append(rowHead(label));
    values.forEach((value, j) => {
      const td = el("td");
      td.append(numberInput(`${kind}.${j}`, value, `${label.split(" ")[0]} of feature ${j + 1}`));
      tr.append(td);
    });
    body.append(tr);
  }
  table.replaceChildren(head, body);
  if (focused) {
    const again = table.querySelector(`input[data-key="${focused}"]`);
    if (again) again.focus();
  }

  // Output table: x̂ and y per feature; click a cell to pick it.
  const out = $("bn-output");
  const oHead = el("thead");
  oHead.append(headerRow(["", ...features.flatMap((_, j) => [`x̂ (f${j + 1})`, `y (f${j + 1})`])]));
  const oBody = el("tbody");
  for (let i = 0; i < N; i++) {
    const tr = el("tr");
    tr.append(rowHead(`row ${i + 1}`));
    for (let j = 0; j < D; j++) {
      for (const [kind, value] of [
        ["xhat", r.x_hat[i][j]],
        ["y", r.out[i][j]],
      ]) {
        const td = el("td", `num pick${i === v.ci && j === v.cj ? " picked" : ""}`, fmt(value));
        td.tabIndex = 0;
        td.dataset.i = String(i);
        td.dataset.j = String(j);
        td.dataset.kind = kind;
        td.setAttribute("aria-label", `${kind === "xhat" ? "x̂" : "y"} row ${i + 1} feature ${j + 1}: ${fmt(value)}`);
        tr.append(td);
      }
    }
    oBody.append(tr);
  }
  const foot = el("tfoot");
  const meanRow = el("tr");
  meanRow.append(rowHead("column mean"));
  const stdRow = el("tr");
  stdRow.append(rowHead("column std"));
  for (let j = 0; j < D; j++) {
    const xhatCol = r.x_hat.map((row) => row[j]);
    const m = xhatCol.reduce((a, b) => a + b, 0) / N;
    const s = Math.sqrt(xhatCol.reduce((a, b) => a + (b - m) ** 2, 0) / N);
    meanRow.append(el("td", "num", fmt(Math.abs(m) < 1e-12 ? 0 : m)), el("td", "num", fmt(Math.abs(r.out_mean[j]) < 1e-12 ? 0 : r.out_mean[j])));
    stdRow.append(el("td", "num", fmt(s)), el("td", "num", fmt(r.out_std[j])));
  }
  foot.append(meanRow, stdRow);
  out.replaceChildren(oHead, oBody, foot);

  // The notes' mistake, side by side.
  const wrong = $("bn-wrong");
  const wHead = el("thead");
  wHead.append(headerRow(["", ...features]));
  const wBody = el("tbody");
  r.wrong_x_hat.forEach((row, i) => {
    const tr = el("tr");
    tr.append(rowHead(`row ${i + 1}`), ...row.map((value, j) => el("td", `num${i === v.ci && j === v.cj ? " picked" : ""}`, fmt(value))));
    wBody.append(tr);
  });
  const wFoot = el("tfoot");
  const wMean = el("tr");
  wMean.append(rowHead("column mean"), ...r.wrong_mean.map((value) => el("td", "num", fmt(value))));
  wFoot.append(wMean);
  wrong.replaceChildren(wHead, wBody, wFoot);
  $("bn-wrong-note").textContent =
    "Each column of the correct x̂ has mean 0 and std ≈ 1. Subtracting σ instead of μ shifts every column by " +
    "(μ − σ)/σ: the means above are not 0, so the layer's outputs are not centred and the shift depends on the " +
    "batch.";

  // Backward.
  const back = $("bn-backward");
  const bHead = el("thead");
  bHead.append(headerRow(["", ...features.flatMap((_, j) => [`dL/dy (f${j + 1})`, `dx (f${j + 1})`])]));
  const bBody = el("tbody");
  for (let i = 0; i < N; i++) {
    const tr = el("tr");
    tr.append(rowHead(`row ${i + 1}`));
    for (let j = 0; j < D; j++) {
      tr.append(el("td", "num given", fmt(input.grad[i][j])), el("td", "num", fmt(Math.abs(r.dx[i][j]) < 1e-12 ? 0 : r.dx[i][j])));
    }
    bBody.append(tr);
  }
  const bFoot = el("tfoot");
  for (const [label, values, id] of [
    ["dγ = Σ dL/dy·x̂", r.dgamma, "bn-dgamma"],
    ["dβ = Σ dL/dy", r.dbeta, "bn-dbeta"],
  ]) {
    const tr = el("tr");
    tr.id = id;
    tr.append(rowHead(label));
    values.forEach((value) => {
      const td = el("td", "num", fmt(Math.abs(value) < 1e-12 ? 0 : value));
      td.colSpan = 2;
      tr.append(td);
    });
    bFoot.append(tr);
  }
  back.replaceChildren(bHead, bBody, bFoot);
  $("bn-backward-note").textContent =
    v.grad === "ones"
      ? "With dL/dy = 1 everywhere, dx = 0 and dγ = Σ x̂ = 0 exactly: adding the same amount to a whole column of " +
        "y is just a change of β, and batch norm's output does not change when x shifts. Only dβ = N."
      : "dx_ij = (γ_j / (N·√(σ²_j + ε))) · (N·g_ij − Σ_k g_kj − x̂_ij · Σ_k g_kj·x̂_kj), g = dL/dy: each column of " +
        "dx sums to 0, because the batch mean is subtracted in the forward pass.";

  // Test time.
  const N1 = N - 1;
  $("bn-test").textContent =
    "At test time there may be a single sample, so the batch statistics are replaced by running averages kept " +
    "during training: running = 0.9·running + 0.1·batch (momentum 0.1), starting from mean 0 and variance 1. As in " +
    `PyTorch, the running variance takes the unbiased batch variance σ²·N/(N − 1) = σ²·${N}/${N1}. Below, the running ` +
    "statistics after this one batch; at test time x̂ = (x − running mean)/√(running var + ε), so a sample's output " +
    "no longer depends on the other samples of its batch.";
  const run = $("bn-running");
  const rHead = el("thead");
  rHead.append(headerRow(["", ...features]));
  const rBody = el("tbody");
  rBody.append(
    stat("σ²·N/(N − 1)", r.unbiased_var, "bn-unbiased"),
    stat("running mean", r.running_mean, "bn-run-mean"),
    stat("running var", r.running_var, "bn-run-var"),
    stat("test-time y, row 1", r.inference_out[0], "bn-infer"),
  );
  run.replaceChildren(rHead, rBody);
  renderArith();
}

function renderArith() {
  if (!bn) return;
  const v = state.get();
  const { input, r } = bn;
  const N = input.x.length;
  const D = input.gamma.length;
  const i = Math.min(v.ci, N - 1);
  const j = Math.min(v.cj, D - 1);
  const col = input.x.map((row) => row[j]);
  const mu = r.mean[j];
  const varj = r.var[j];
  const eps = Number(v.eps);
  const root = Math.sqrt(varj + eps);
  const sigma = Math.sqrt(varj);
  const ij = `${sub(i)},${sub(j)}`;
  $("bn-cell-name").textContent = `row ${i + 1}, feature ${j + 1}`;
  // Seven significant digits here, so that ε's effect shows; negatives in brackets after an operator.
  const f6 = (x) => (Math.abs(x) < 1e-3 || Math.abs(x) >= 1e6 ? fmt(x) : String(Number(x.toPrecision(7))));
  const t = (x) => (x < 0 ? `(${fmt(x)})` : fmt(x));
  const t6 = (x) => (x < 0 ? `(${f6(x)})` : f6(x));
  const xij = input.x[i][j];
  const lines = [
    ["bn-arith-mean", `μ_${sub(j)} = (${col.map((x, k) => (k ? t(x) : fmt(x))).join(" + ")}) / ${N} = ${fmt(mu)}`],
    [
      "bn-arith-var",
      `σ²_${sub(j)} = (${col.map((x) => `(${fmt(x)} − ${t(mu)})²`).join(" + ")}) / ${N} = ${fmt(varj)}`,
    ],
    [
      "bn-arith-xhat",
      `x̂_${ij} = (x_${ij} − μ_${sub(j)}) / √(σ²_${sub(j)} + ε) = (${fmt(xij)} − ${t(mu)}) / √(${fmt(varj)} + ${eps}) = ${f6(xij - mu)} / ${f6(root)} = ${f6(r.x_hat[i][j])}`,
    ],
    [
      "bn-arith-y",
      `y_${ij} = γ_${sub(j)} · x̂_${ij} + β_${sub(j)} = ${fmt(input.gamma[j])} · ${t6(r.x_hat[i][j])} + ${t(input.beta[j])} = ${f6(r.out[i][j])}`,
    ],
    [
      "bn-arith-wrong",
      `✗ the notes: (x_${ij} − σ_${sub(j)}) / √(σ²_${sub(j)} + ε) = (${fmt(xij)} − ${f6(sigma)}) / ${f6(root)} = ${f6(r.wrong_x_hat[i][j])}   (wrong: σ is subtracted instead of μ)`,
    ],
    [
      "bn-arith-dx",
      `backward: dx_${ij} = γ_${sub(j)} / (N·√(σ²_${sub(j)} + ε)) · (N·g_${ij} − Σ_k g_k${sub(j)} − x̂_${ij}·Σ_k g_k${sub(j)}·x̂_k${sub(j)}) = ` +
        `${fmt(input.gamma[j])} / (${N} · ${f6(root)}) · (${N} · ${t(input.grad[i][j])} − ${t(r.dbeta[j])} − ${t6(r.x_hat[i][j])} · ${t(r.dgamma[j])}) = ${f6(Math.abs(r.dx[i][j]) < 1e-12 ? 0 : r.dx[i][j])}   (g = dL/dy; Σ g = dβ, Σ g·x̂ = dγ)`,
    ],
  ];
  $("bn-arith").replaceChildren(
    ...lines.map(([id, text]) => {
      const div = el("div", id === "bn-arith-wrong" ? "tr-wrong-line" : id === "bn-arith-y" ? "total" : "", text);
      div.id = id;
      return div;
    }),
  );
}

$("bn-output").addEventListener("click", (event) => {
  const td = event.target.closest("td[data-i]");
  if (td) state.set({ ci: Number(td.dataset.i), cj: Number(td.dataset.j) });
});
$("bn-output").addEventListener("keydown", (event) => {
  const td = event.target.closest("td[data-i]");
  if (!td || (event.key !== "Enter" && event.key !== " ")) return;
  event.preventDefault();
  state.set({ ci: Number(td.dataset.i), cj: Number(td.dataset.j) });
  const again = $("bn-output").querySelector(`td[data-i="${td.dataset.i}"][data-j="${td.dataset.j}"][data-kind="${td.dataset.kind}"]`);
  if (again) again.focus();
});

// ---- initial loss ----

function renderLoss() {
  const c = state.get().classes;
  $("check-classes").value = String(c);
  $("check-loss").textContent = `expected initial loss ≈ ln(${c}) = ${Math.log(c).toFixed(3)}`;
}
$("check-classes").addEventListener("change", (event) => {
  const c = Number(event.target.value);
  if (Number.isInteger(c) && c >= 2 && c <= 100000) state.set({ classes: c });
  else event.target.value = String(state.get().classes);
});

// ---- controls <-> state ----

function syncControls() {
  const v = state.get();
  const ic = $("init-controls").elements;
  ic.scheme.value = v.scheme;
  ic.act.value = v.act;
  ic.layers.value = String(v.layers);
  $("init-layers-value").textContent = String(v.layers);
  ic.width.value = v.width;
  ic.batch.value = v.batch;
  ic.seed.value = String(v.seed);
  const bc = $("bn-controls").elements;
  bc.n.value = String(v.n);
  bc.d.value = String(v.d);
  bc.seed.value = String(v.bseed);
  bc.eps.value = v.eps;
  bc.grad.value = v.grad;
}

function readInt(input, min, max) {
  const n = Number(input.value);
  return input.value !== "" && Number.isInteger(n) && n >= min && n <= max ? n : null;
}

$("init-controls").addEventListener("input", (event) => {
  const t = event.target;
  if (t.name === "layers") $("init-layers-value").textContent = t.value;
});
$("init-controls").addEventListener("change", (event) => {
  const t = event.target;
  if (t.name === "scheme" || t.name === "act" || t.name === "width" || t.name === "batch") state.set({ [t.name]: t.value });
  else if (t.name === "layers") state.set({ layers: Number(t.value) });
  else if (t.name === "seed") {
    const seed = readInt(t, 0, 999999);
    if (seed === null) $("init-error").textContent = "The seed must be a whole number from 0 to 999999.";
    else state.set({ seed });
  }
});
$("init-controls").addEventListener("submit", (event) => event.preventDefault());
$("bn-controls").addEventListener("submit", (event) => event.preventDefault());
$("bn-controls").addEventListener("change", (event) => {
  const t = event.target;
  if (t.name === "eps" || t.name === "grad") state.set({ [t.name]: t.value });
  const limits = { n: [2, 8, "samples N", "n"], d: [1, 5, "features D", "d"], seed: [0, 999999, "the seed", "bseed"] };
  if (limits[t.name]) {
    const [min, max, what, key] = limits[t.name];
    const value = readInt(t, min, max);
    if (value === null) $("bn-error").textContent = `${what} must be a whole number from ${min} to ${max}.`;
    else state.set({ [key]: value });
  }
});
$("bn-reset").addEventListener("click", () => state.set({ ed: "" }));

state.subscribe((v, changed) => {
  syncControls();
  if (changed.some((k) => INIT_KEYS.includes(k))) loadInit();
  else if (changed.includes("il")) renderInitLayer();
  if (changed.some((k) => BN_KEYS.includes(k))) loadBn();
  else if (changed.includes("ci") || changed.includes("cj")) renderBn();
  if (changed.includes("classes")) renderLoss();
});

syncControls();
renderLoss();
state.writeUrl();
loadInit();
loadBn();
