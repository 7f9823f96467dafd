// /activations: curves and derivatives from POST /api/activations, overlaid and read by hover;
// the saturated zones of the function in focus shaded; two experiments (vanishing gradients,
// dead ReLU) from their endpoints, seeded so the URL reproduces the same draws.

import { isAbort, latestOnly, postJSON } from "../api.js";
import { createState } from "../state.js";
import { createPlot } from "../widgets/plot.js";

const FUNCTIONS = {
  sigmoid: { label: "Sigmoid", color: "#0072b2" },
  tanh: { label: "tanh", color: "#e69f00" },
  relu: { label: "ReLU", color: "#009e73" },
  leaky_relu: { label: "Leaky ReLU", color: "#d55e00", alpha: "la", slider: [0, 0.5, 0.005] },
  prelu: { label: "PReLU", color: "#cc79a7", alpha: "pa", slider: [0, 1, 0.01] },
  elu: { label: "ELU", color: "#56b4e9", alpha: "ea", slider: [0, 3, 0.05] },
  maxout: { label: "Maxout", color: "#000000" },
  gelu: { label: "GELU", color: "#7f3c8d" },
  silu: { label: "SiLU / Swish", color: "#8c6d31" },
  softplus: { label: "Softplus", color: "#6b7f99" },
};
const NAMES = Object.keys(FUNCTIONS);
const LECTURE = ["sigmoid", "tanh", "relu", "leaky_relu", "prelu", "elu", "maxout"];

const NOTES = {
  sigmoid:
    "Squashes any input into (0, 1). Saturated neurons kill gradients: f' is at most 0.25 and almost 0 for " +
    "large |x|. Outputs are not zero-centred (非0中心化): all positive, so the next layer's weight gradients all " +
    "share one sign and updates zig-zag. Typical in fully connected layers (全连接层) and for probabilities.",
  tanh:
    "Squashes into (−1, 1) and is zero-centred, an improvement on the sigmoid, but it still kills gradients " +
    "when saturated (f' → 0 for large |x|).",
  relu:
    "Does not saturate for x > 0, costs one comparison, and converges much faster than sigmoid/tanh. Not " +
    "zero-centred. f' = 0 for x ≤ 0: it kills the gradient of every negative input, and a unit that no input " +
    "activates is dead for good (experiment 2): be careful with the learning rate. The usual choice in conv layers.",
  leaky_relu:
    "A small slope α for x < 0: does not saturate, is cheap, converges faster than sigmoid/tanh and does not " +
    "kill gradients, so a unit can always recover. (The lecture notes also show a discontinuous variant, " +
    "1 for x < 0 and αx + 1 for x ≥ 0: that is not Leaky ReLU.)",
  prelu:
    "Leaky ReLU whose negative slope α is a parameter of the network: back-propagation trains it like a " +
    "weight, using ∂f/∂α = x for x ≤ 0 (0 for x > 0). PyTorch starts it at 0.25.",
  elu:
    "x for x > 0 and α(eˣ − 1) below: the benefits of ReLU, outputs closer to zero mean, and a negative side " +
    "that saturates at −α, which adds robustness to noise. Costs an exponential.",
  maxout:
    "The maximum of several lines w·x + b. ReLU and Leaky ReLU are special cases; it neither saturates nor " +
    "dies, but every neuron needs k times the parameters.",
  gelu: "x·Φ(x), Φ the normal CDF: a smooth ReLU, slightly negative below 0; the default in Transformers.",
  silu: "x·σ(x) (Swish): smooth and non-monotonic, dipping to about −0.28; used in EfficientNet and YOLO.",
  softplus: "ln(1 + eˣ): a smooth ReLU whose derivative is the sigmoid, never exactly 0.",
};

const PRESETS = { relu: "0,0;1,0", leaky: "0.01,0;1,0", abs: "-1,0;1,0" };
const POINTS = 600; // intervals on the x grid: x = 0 is always a grid point

const state = createState({
  fns: { type: "string", default: "sigmoid,tanh,relu" },
  focus: { type: "string", default: "sigmoid", options: NAMES },
  range: { type: "int", default: 6, min: 1, max: 20 },
  thr: { type: "string", default: "0.01", options: ["0.1", "0.05", "0.01", "0.001"] },
  deriv: { type: "bool", default: true },
  x: { type: "float", default: 1, min: -20, max: 20 },
  la: { type: "float", default: 0.01, min: 0, max: 0.5 },
  pa: { type: "float", default: 0.25, min: 0, max: 1 },
  ea: { type: "float", default: 1, min: 0, max: 3 },
  pieces: { type: "string", default: PRESETS.relu },
  vd: { type: "int", default: 10, min: 1, max: 50 },
  vk: { type: "int", default: 0, min: 0, max: 50 },
  vdist: { type: "string", default: "normal", options: ["normal", "uniform"] },
  vloc: { type: "float", default: 0, min: -20, max: 20 },
  vscale: { type: "float", default: 1, min: 0, max: 20 },
  vn: { type: "int", default: 500, min: 1, max: 2000 },
  vseed: { type: "int", default: 0, min: 0, max: 999999 },
  vstat: { type: "string", default: "mean", options: ["mean", "median"] },
  dw: { type: "float", default: 1, min: -5, max: 5 },
  db: { type: "float", default: 0.5, min: -10, max: 10 },
  ddist: { type: "string", default: "normal", options: ["normal", "uniform"] },
  dloc: { type: "float", default: 0, min: -20, max: 20 },
  dscale: { type: "float", default: 1, min: 0, max: 20 },
  dn: { type: "int", default: 200, min: 1, max: 2000 },
  dseed: { type: "int", default: 0, min: 0, max: 999999 },
  lr: { type: "float", default: 1, min: 0, max: 100 },
});

const $ = (id) => document.getElementById(id);
const CURVE_KEYS = ["fns", "focus", "range", "thr", "deriv", "la", "pa", "ea", "pieces"];
const VANISH_KEYS = ["vd", "vdist", "vloc", "vscale", "vn", "vseed", "vstat"];
const DEAD_KEYS = ["dw", "db", "ddist", "dloc", "dscale", "dn", "dseed"];

export function formatNumber(v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return "—";
  if (v === 0) return "0";
  const abs = Math.abs(v);
  if (abs < 1e-3 || abs >= 1e6) return v.toExponential(3);
  return String(Number(v.toPrecision(4)));
}

function selected(v) {
  // The function in focus is always drawn, so a link with focus=prelu shows PReLU.
  const names = [...new Set(v.fns.split(",").filter((n) => NAMES.includes(n)))];
  return names.includes(v.focus) ? names : [...names, v.focus];
}

function parsePieces(text) {
  const pieces = text
    .split(";")
    .map((p) => p.split(",").map(Number))
    .filter((p) => p.length === 2 && p.every(Number.isFinite));
  return pieces.length ? pieces : PRESETS.relu.split(";").map((p) => p.split(",").map(Number));
}

function formatPieces(pieces) {
  return pieces.map(([w, b]) => `${w},${b}`).join(";");
}

function grid(range) {
  return Array.from({ length: POINTS + 1 }, (_, i) => Number((-range + (2 * range * i) / POINTS).toFixed(10)));
}

function alphaOf(name, v) {
  return FUNCTIONS[name].alpha ? v[FUNCTIONS[name].alpha] : undefined;
}

// ---- curves ----

const curvePlot = createPlot($("act-plot"), {
  label: "Activation functions and their derivatives",
  xLabel: "x",
  yLabel: "f(x), f'(x)",
  snap: true,
  onHover: (x) => onCurveHover(x),
});
let curves = null; // { xs, responses: Map(name -> response), names }
let hoverTimer = null;

const fetchCurves = latestOnly((payloads, options) =>
  Promise.all(payloads.map((payload) => postJSON("/api/activations", payload, options))),
);

function saturatedRuns(xs, dy, threshold) {
  const runs = [];
  let start = null;
  for (let i = 0; i <= xs.length; i++) {
    const tiny = i < xs.length && Math.abs(dy[i]) < threshold;
    if (tiny && start === null) start = i;
    if (!tiny && start !== null) {
      runs.push([start, i - 1]);
      start = null;
    }
  }
  return runs;
}

function describeRuns(runs, xs) {
  if (!runs.length) return "none in view";
  const last = xs.length - 1;
  return runs
    .map(([a, b]) => {
      if (a === 0 && b === last) return "everywhere in view";
      if (a === 0) return `x ≤ ${formatNumber(xs[b])}`;
      if (b === last) return `x ≥ ${formatNumber(xs[a])}`;
      return a === b ? `x = ${formatNumber(xs[a])}` : `${formatNumber(xs[a])} ≤ x ≤ ${formatNumber(xs[b])}`;
    })
    .join(" and ");
}

async function loadCurves() {
  const v = state.get();
  const names = selected(v);
  const xs = grid(v.range);
  const payloads = names.map((name) => {
    const payload = { name, x: xs };
    const alpha = alphaOf(name, v);
    if (alpha !== undefined) payload.alpha = alpha;
    if (name === "maxout") payload.pieces = parsePieces(v.pieces);
    return payload;
  });
  let responses;
  try {
    responses = await fetchCurves(payloads);
  } catch (error) {
    if (isAbort(error)) return;
    $("act-error").textContent = `Could not compute the curves: ${error.message}`;
    return;
  }
  $("act-error").textContent = "";
  curves = { xs, names, responses: new Map(names.map((name, i) => [name, responses[i]])) };
  drawCurves();
}

function drawCurves() {
  if (!curves) return;
  const v = state.get();
  const { xs, names, responses } = curves;
  const focus = names.includes(v.focus) ? v.focus : names[0];
  const series = [];
  for (const name of names) {
    const r = responses.get(name);
    const color = FUNCTIONS[name].color;
    series.push({ name: FUNCTIONS[name].label, x: xs, y: r.y, color, width: name === focus ? 3 : 2 });
    if (v.deriv) series.push({ name: `${FUNCTIONS[name].label}'`, x: xs, y: r.dy, color, dash: [6, 4] });
  }
  const focused = responses.get(focus);
  const threshold = Number(v.thr);
  const runs = saturatedRuns(xs, focused.dy, threshold);
  const ranges = runs.map(([a, b]) => ({
    from: a === 0 ? -Infinity : xs[a],
    to: b === xs.length - 1 ? Infinity : xs[b],
    label: `|${FUNCTIONS[focus].label}'| < ${v.thr}`,
  }));
  // Keep the y-axis readable: unbounded functions (ReLU, ELU...) would squash sigmoid and tanh.
  const ys = series.flatMap((s) => s.y).filter(Number.isFinite);
  const lo = Math.max(Math.min(...ys, -0.1), -Math.max(1.2, v.range / 2));
  const hi = Math.min(Math.max(...ys, 1), Math.max(1.2, v.range / 2));
  curvePlot.update({ series, ranges, xDomain: [-v.range, v.range], yDomain: [lo - 0.1, hi + 0.1] });
  curvePlot.setHover(snapX(v.x));
  renderDetails(focus, runs);
  renderReadout(snapX(v.x));
}

function snapX(x) {
  if (!curves) return x;
  const { xs } = curves;
  const h = xs[1] - xs[0];
  const i = Math.min(xs.length - 1, Math.max(0, Math.round((x - xs[0]) / h)));
  return xs[i];
}

function indexOf(x) {
  const { xs } = curves;
  return Math.min(xs.length - 1, Math.max(0, Math.round((x - xs[0]) / (xs[1] - xs[0]))));
}

function renderReadout(x) {
  if (!curves) return;
  const i = indexOf(x);
  const xi = curves.xs[i];
  $("act-readout-caption").textContent = `at x = ${formatNumber(xi)}`;
  const rows = curves.names.map((name) => {
    const r = curves.responses.get(name);
    const tr = document.createElement("tr");
    const th = document.createElement("th");
    th.scope = "row";
    const swatch = document.createElement("span");
    swatch.className = "act-dot";
    swatch.style.backgroundColor = FUNCTIONS[name].color;
    th.append(swatch, document.createTextNode(FUNCTIONS[name].label));
    const cells = [r.y[i], r.dy[i]].map((value) => {
      const td = document.createElement("td");
      td.textContent = formatNumber(value);
      return td;
    });
    tr.dataset.name = name;
    tr.append(th, ...cells);
    return tr;
  });
  $("act-readout").tBodies[0].replaceChildren(...rows);
  const prelu = curves.responses.get("prelu");
  if (prelu && state.get().focus === "prelu") {
    $("act-alpha-note").textContent =
      `α is learned: back-propagation computes ∂L/∂α = Σ ∂L/∂f · ∂f/∂α and updates α like a weight. ` +
      `Here ∂f/∂α at x = ${formatNumber(xi)} is ${formatNumber(prelu.dalpha[i])}.`;
  }
}

function onCurveHover(x) {
  if (x === null) {
    curvePlot.setHover(snapX(state.get().x));
    renderReadout(state.get().x);
    return;
  }
  renderReadout(x);
  // The URL follows the hover, without writing it on every pointer move.
  window.clearTimeout(hoverTimer);
  hoverTimer = window.setTimeout(() => state.set({ x }), 250);
}

function renderDetails(focus, runs) {
  const v = state.get();
  const r = curves.responses.get(focus);
  const info = r.info;
  $("act-details-heading").textContent = `${info.label}${focus === "prelu" ? ` (α = ${v.pa}, learned)` : ""}`;
  $("act-formula").textContent = info.formula;
  $("act-derivative").textContent = info.derivative;
  $("act-range").textContent = focus === "elu" ? `(−${v.ea}, ∞)` : info.range;
  $("act-centred").textContent = info.zero_centred
    ? "yes: outputs are spread around 0"
    : "no: outputs are mostly positive";
  $("act-saturated").textContent = `|f'| < ${v.thr} for ${describeRuns(runs, curves.xs)}`;
  $("act-notes").textContent = NOTES[focus];
  const alphaKey = FUNCTIONS[focus].alpha;
  $("act-alpha").hidden = !alphaKey;
  if (alphaKey) {
    const [min, max, step] = FUNCTIONS[focus].slider;
    const slider = $("act-alpha-range");
    slider.min = String(min);
    slider.max = String(max);
    slider.step = String(step);
    slider.value = String(v[alphaKey]);
    $("act-alpha-value").textContent = String(v[alphaKey]);
    $("act-alpha-label").textContent = focus === "prelu" ? "α (learned parameter)" : "α";
    if (focus !== "prelu") {
      $("act-alpha-note").textContent =
        focus === "elu" ? "α sets the level −α the negative side saturates at." : "α is fixed (a hyper-parameter).";
    }
  }
  $("act-maxout").hidden = focus !== "maxout";
  if (focus === "maxout") renderPieces(parsePieces(v.pieces));
}

function renderPieces(pieces) {
  const body = $("act-pieces");
  if (body.contains(document.activeElement)) return; // don't rebuild under the learner's cursor
  const rows = pieces.map(([w, b], k) => {
    const tr = document.createElement("tr");
    const th = document.createElement("th");
    th.scope = "row";
    th.textContent = String(k + 1);
    const cell = (value, index, name) => {
      const td = document.createElement("td");
      const input = document.createElement("input");
      input.type = "number";
      input.step = "0.1";
      input.min = "-100";
      input.max = "100";
      input.value = String(value);
      input.setAttribute("aria-label", `${name} of piece ${k + 1}`);
      input.addEventListener("change", () => {
        const value = Number(input.value);
        if (input.value.trim() === "" || !Number.isFinite(value)) return;
        const next = parsePieces(state.get().pieces);
        next[k][index] = value;
        state.set({ pieces: formatPieces(next) });
      });
      td.append(input);
      return td;
    };
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "btn secondary";
    remove.textContent = "Remove";
    remove.disabled = pieces.length <= 2;
    remove.title = pieces.length <= 2 ? "Maxout needs at least two pieces" : "Remove this piece";
    remove.addEventListener("click", () => {
      const next = parsePieces(state.get().pieces).filter((_, i) => i !== k);
      state.set({ pieces: formatPieces(next) });
    });
    const td = document.createElement("td");
    td.append(remove);
    tr.append(th, cell(w, 0, "w"), cell(b, 1, "b"), td);
    return tr;
  });
  body.replaceChildren(...rows);
  $("act-piece-add").disabled = pieces.length >= 8;
}

// ---- experiment 1: vanishing gradients ----

const VANISH = ["sigmoid", "tanh", "relu"];
const vanishPlot = createPlot($("van-plot"), {
  label: "Product of derivatives against the number of layers",
  xLabel: "layers n",
  yLabel: "product of f'",
  yScale: "log",
  snap: true,
  onHover: (x) => {
    if (x === null || !vanishing) return;
    state.set({ vk: Math.round(x) });
  },
});
let vanishing = null;
const fetchVanishing = latestOnly((payload, options) => postJSON("/api/activations/vanishing", payload, options));

async function loadVanishing() {
  const v = state.get();
  const payload = {
    functions: VANISH,
    depth: v.vd,
    samples: v.vn,
    distribution: v.vdist,
    loc: v.vloc,
    scale: v.vscale,
    seed: v.vseed,
  };
  try {
    vanishing = await fetchVanishing(payload);
  } catch (error) {
    if (isAbort(error)) return;
    $("van-error").textContent = `Could not run the experiment: ${error.message}`;
    return;
  }
  $("van-error").textContent = "";
  drawVanishing();
}

function drawVanishing() {
  if (!vanishing) return;
  const v = state.get();
  const series = VANISH.map((name) => ({
    name: FUNCTIONS[name].label,
    x: vanishing.depth,
    y: vanishing.functions[name][v.vstat],
    color: FUNCTIONS[name].color,
    dots: true,
  }));
  series.push({
    name: "0.25ⁿ (the sigmoid's ceiling)",
    x: vanishing.depth,
    y: vanishing.sigmoid_bound,
    color: "#5b6470",
    dash: [4, 4],
    width: 1.5,
  });
  vanishPlot.update({ series, xDomain: [0.5, vanishing.depth.length + 0.5] });
  renderVanishing();
}

function renderVanishing() {
  if (!vanishing) return;
  const v = state.get();
  const n = vanishing.depth.length;
  const k = v.vk >= 1 && v.vk <= n ? v.vk : n;
  vanishPlot.setHover(k);
  $("van-caption").textContent = `through n = ${k} layer${k > 1 ? "s" : ""} (${v.vn} samples, seed ${v.vseed})`;
  const rows = VANISH.map((name) => {
    const stats = vanishing.functions[name];
    const tr = document.createElement("tr");
    tr.dataset.name = name;
    const th = document.createElement("th");
    th.scope = "row";
    const swatch = document.createElement("span");
    swatch.className = "act-dot";
    swatch.style.backgroundColor = FUNCTIONS[name].color;
    th.append(swatch, document.createTextNode(FUNCTIONS[name].label));
    const values = [
      formatNumber(stats.mean[k - 1]),
      formatNumber(stats.median[k - 1]),
      `${(100 * stats.fraction_zero[k - 1]).toFixed(1)}%`,
    ];
    tr.append(
      th,
      ...values.map((text) => {
        const td = document.createElement("td");
        td.textContent = text;
        return td;
      }),
    );
    return tr;
  });
  $("van-readout").tBodies[0].replaceChildren(...rows);
  const bound = vanishing.sigmoid_bound[k - 1];
  $("van-note").textContent =
    `Sigmoid: never more than 0.25^${k} = ${formatNumber(bound)}, whatever the inputs. ` +
    "ReLU: each factor is exactly 1 or 0, so the product is 1 while every layer on the path is active and 0 " +
    "once one is not; its mean is the share of paths still open (log scale: zeros are not drawn). " +
    `Draws: mean ${formatNumber(vanishing.draws_mean)}, sd ${formatNumber(vanishing.draws_std)}.`;
}

// ---- experiment 2: dead ReLU ----

const deadPlot = createPlot($("dead-plot"), {
  label: "A ReLU unit and the inputs it receives",
  xLabel: "input x",
  yLabel: "a = max(0, w·x + b)",
  onHover: (x) => renderDeadHover(x),
});
let dead = null;
const fetchDead = latestOnly((payload, options) => postJSON("/api/activations/dead-relu", payload, options));

async function loadDead() {
  const v = state.get();
  const payload = {
    weight: v.dw,
    bias: v.db,
    samples: v.dn,
    distribution: v.ddist,
    loc: v.dloc,
    scale: v.dscale,
    seed: v.dseed,
  };
  try {
    dead = await fetchDead(payload);
  } catch (error) {
    if (isAbort(error)) return;
    $("dead-error").textContent = `Could not run the experiment: ${error.message}`;
    return;
  }
  $("dead-error").textContent = "";
  drawDead();
}

function drawDead() {
  const v = state.get();
  const xs = dead.x;
  let lo = Math.min(...xs);
  let hi = Math.max(...xs);
  if (dead.kink !== null && Math.abs(dead.kink - (lo + hi) / 2) < 2 * (hi - lo + 1)) {
    lo = Math.min(lo, dead.kink);
    hi = Math.max(hi, dead.kink);
  }
  const pad = (hi - lo) * 0.08 || 1;
  lo -= pad;
  hi += pad;
  const line = Array.from({ length: 201 }, (_, i) => lo + ((hi - lo) * i) / 200);
  const unit = (x) => Math.max(0, v.dw * x + v.db);
  const points = xs.map((x, i) => [x, unit(x), dead.active[i]]).sort((a, b) => a[0] - b[0]);
  const ranges = [];
  if (v.dw > 0) ranges.push({ from: -Infinity, to: dead.kink, label: "inactive: f' = 0" });
  else if (v.dw < 0) ranges.push({ from: dead.kink, to: Infinity, label: "inactive: f' = 0" });
  else if (v.db <= 0) ranges.push({ from: -Infinity, to: Infinity, label: "inactive everywhere: f' = 0" });
  deadPlot.update({
    xDomain: [lo, hi],
    series: [
      { name: "a = max(0, w·x + b)", x: line, y: line.map(unit), color: "#009e73", width: 2.5 },
      {
        name: "inputs where the unit is active",
        x: points.filter((p) => p[2]).map((p) => p[0]),
        y: points.filter((p) => p[2]).map((p) => p[1]),
        color: "#0072b2",
        line: false,
        dots: true,
        hover: false,
      },
      {
        name: "inputs where it is inactive (no gradient)",
        x: points.filter((p) => !p[2]).map((p) => p[0]),
        y: points.filter((p) => !p[2]).map((p) => p[1]),
        color: "#d55e00",
        line: false,
        dots: true,
        hover: false,
      },
    ],
    ranges,
    markers: dead.kink === null ? [] : [{ x: dead.kink, label: "w·x + b = 0", color: "#5b6470" }],
  });
  const count = dead.active.filter(Boolean).length;
  const status = $("dead-status");
  status.classList.toggle("dead", dead.dead);
  status.textContent = dead.dead
    ? `DEAD: active on none of the ${xs.length} inputs. Its gradients are exactly 0, so no gradient step can ` +
      "change w or b: the unit stays dead for ever."
    : `Active on ${(100 * dead.fraction_active).toFixed(1)}% of the inputs (${count} of ${xs.length}).`;
  $("dead-grads").textContent =
    `dL/dw = mean(1[w·x + b > 0]·x) = ${formatNumber(dead.grad_weight)},  ` +
    `dL/db = mean(1[w·x + b > 0]) = ${formatNumber(dead.grad_bias)}  (L = mean(a), so dL/da = 1 per input)`;
}

function renderDeadHover(x) {
  if (x === null || !dead) return;
  const v = state.get();
  const z = v.dw * x + v.db;
  $("dead-hover").textContent =
    `at x = ${formatNumber(x)}: z = w·x + b = ${formatNumber(z)}, a = ${formatNumber(Math.max(0, z))}, ` +
    `f'(z) = ${z > 0 ? 1 : 0}${z > 0 ? "" : " (no gradient flows back from this input)"}`;
}

$("dead-step").addEventListener("click", () => {
  if (!dead) return;
  const v = state.get();
  const clamp = (value, lo, hi) => Math.min(hi, Math.max(lo, Number(value.toFixed(4))));
  state.set({
    dw: clamp(v.dw - v.lr * dead.grad_weight, -5, 5),
    db: clamp(v.db - v.lr * dead.grad_bias, -10, 10),
  });
});

// ---- controls ----

function buildFunctionList() {
  const list = $("act-function-list");
  const items = NAMES.map((name) => {
    const label = document.createElement("label");
    label.className = "inline act-fn";
    const box = document.createElement("input");
    box.type = "checkbox";
    box.name = "fn";
    box.value = name;
    const dot = document.createElement("span");
    dot.className = "act-dot";
    dot.style.backgroundColor = FUNCTIONS[name].color;
    label.append(box, dot, document.createTextNode(FUNCTIONS[name].label));
    if (!LECTURE.includes(name)) label.classList.add("act-modern");
    return label;
  });
  list.replaceChildren(...items);
}

function syncControls() {
  const v = state.get();
  const names = selected(v);
  const form = $("act-controls");
  for (const box of form.querySelectorAll('input[name="fn"]')) box.checked = names.includes(box.value);
  const focusSelect = $("act-focus");
  focusSelect.replaceChildren(
    ...names.map((name) => {
      const option = document.createElement("option");
      option.value = name;
      option.textContent = FUNCTIONS[name].label;
      return option;
    }),
  );
  focusSelect.value = names.includes(v.focus) ? v.focus : names[0];
  form.elements.range.value = v.range;
  form.elements.thr.value = v.thr;
  form.elements.deriv.checked = v.deriv;
  const van = $("van-controls");
  van.elements.depth.value = v.vd;
  $("van-depth-value").textContent = String(v.vd);
  van.elements.dist.value = v.vdist;
  van.elements.loc.value = v.vloc;
  van.elements.scale.value = v.vscale;
  van.elements.samples.value = v.vn;
  van.elements.seed.value = v.vseed;
  van.elements.stat.value = v.vstat;
  const dd = $("dead-controls");
  dd.elements.w.value = v.dw;
  $("dead-w-value").textContent = String(v.dw);
  dd.elements.b.value = v.db;
  $("dead-b-value").textContent = String(v.db);
  dd.elements.dist.value = v.ddist;
  dd.elements.loc.value = v.dloc;
  dd.elements.scale.value = v.dscale;
  dd.elements.samples.value = v.dn;
  dd.elements.seed.value = v.dseed;
  dd.elements.lr.value = v.lr;
}

// A number input's value if it is valid, otherwise an inline message and null.
function readNumber(input, errorId, integer = false) {
  const value = Number(input.value);
  const min = Number(input.min);
  const max = Number(input.max);
  const ok = input.value.trim() !== "" && Number.isFinite(value) && value >= min && value <= max;
  if (!ok || (integer && !Number.isInteger(value))) {
    const name = input.closest("label").firstChild.textContent.trim();
    $(errorId).textContent = `${name} must be a ${integer ? "whole " : ""}number from ${min} to ${max}.`;
    return null;
  }
  $(errorId).textContent = "";
  return value;
}

$("act-controls").addEventListener("change", (event) => {
  const target = event.target;
  const v = state.get();
  if (target.name === "fn") {
    let names = selected(v).filter((n) => n !== target.value);
    if (target.checked) names = NAMES.filter((n) => names.includes(n) || n === target.value);
    if (!names.length) names = [target.value];
    const patch = { fns: names.join(",") };
    if (target.checked) patch.focus = target.value;
    else if (!names.includes(v.focus)) patch.focus = names[0];
    state.set(patch);
  } else if (target.name === "focus") {
    state.set({ focus: target.value });
  } else if (target.name === "range") {
    const value = readNumber(target, "act-error", true);
    if (value !== null) state.set({ range: value });
  } else if (target.name === "thr") {
    state.set({ thr: target.value });
  } else if (target.name === "deriv") {
    state.set({ deriv: target.checked });
  }
});
$("act-controls").addEventListener("submit", (event) => event.preventDefault());

$("act-alpha-range").addEventListener("input", (event) => {
  const key = FUNCTIONS[state.get().focus].alpha;
  if (key) state.set({ [key]: Number(event.target.value) });
});
$("act-piece-add").addEventListener("click", () => {
  const pieces = parsePieces(state.get().pieces);
  if (pieces.length < 8) state.set({ pieces: formatPieces([...pieces, [0.5, -1]]) });
});
for (const button of document.querySelectorAll("[data-preset]")) {
  button.addEventListener("click", () => state.set({ pieces: PRESETS[button.dataset.preset] }));
}

const VAN_FIELDS = { depth: "vd", dist: "vdist", loc: "vloc", scale: "vscale", samples: "vn", seed: "vseed", stat: "vstat" };
function onVanish(event) {
  const target = event.target;
  const key = VAN_FIELDS[target.name];
  if (!key) return;
  if (target.tagName === "SELECT") {
    state.set({ [key]: target.value });
    return;
  }
  const value = readNumber(target, "van-error", ["vd", "vn", "vseed"].includes(key));
  if (value !== null) state.set({ [key]: value, ...(key === "vd" ? { vk: 0 } : {}) });
}
$("van-controls").addEventListener("change", onVanish);
$("van-controls").addEventListener("input", (event) => event.target.type === "range" && onVanish(event));
$("van-controls").addEventListener("submit", (event) => event.preventDefault());

const DEAD_FIELDS = { w: "dw", b: "db", dist: "ddist", loc: "dloc", scale: "dscale", samples: "dn", seed: "dseed", lr: "lr" };
function onDead(event) {
  const target = event.target;
  const key = DEAD_FIELDS[target.name];
  if (!key) return;
  if (target.tagName === "SELECT") {
    state.set({ [key]: target.value });
    return;
  }
  const value = readNumber(target, "dead-error", ["dn", "dseed"].includes(key));
  if (value !== null) state.set({ [key]: value });
}
$("dead-controls").addEventListener("change", onDead);
$("dead-controls").addEventListener("input", (event) => event.target.type === "range" && onDead(event));
$("dead-controls").addEventListener("submit", (event) => event.preventDefault());

state.subscribe((values, changed) => {
  syncControls();
  if (changed.some((key) => CURVE_KEYS.includes(key))) {
    if (changed.some((key) => ["fns", "range", "la", "pa", "ea", "pieces"].includes(key))) loadCurves();
    else drawCurves();
  } else if (changed.includes("x") && curves) {
    renderReadout(values.x);
  }
  if (changed.some((key) => VANISH_KEYS.includes(key))) {
    if (changed.every((key) => key === "vstat" || !VANISH_KEYS.includes(key))) drawVanishing();
    else loadVanishing();
  } else if (changed.includes("vk")) {
    renderVanishing();
  }
  if (changed.some((key) => DEAD_KEYS.includes(key))) loadDead();
});

buildFunctionList();
syncControls();
state.writeUrl();
loadCurves();
loadVanishing();
loadDead();
