// /conv: the CS231n-style convolution stepper. State (configuration, seed, edits, step, pin) lives
// in the URL; values come from a seeded generator plus the learner's edits; every number shown
// for a step comes from POST /api/conv2d.

import { isAbort, latestOnly, postJSON } from "../api.js";
import { createState } from "../state.js";
import { caption, formatEdits, mulberry32, parseEdits } from "../seeded.js";
import { createGrid, defaultFormat } from "../widgets/grid.js";
import { createTimeline } from "../widgets/timeline.js";

const DEMO = { h: 5, w: 5, c: 3, f: 2, k: 3, s: 2, p: 1, d: 1, mode: "cross-correlation", seed: 231 };

const state = createState({
  h: { type: "int", default: DEMO.h, min: 1, max: 32 },
  w: { type: "int", default: DEMO.w, min: 1, max: 32 },
  c: { type: "int", default: DEMO.c, min: 1, max: 8 },
  f: { type: "int", default: DEMO.f, min: 1, max: 8 },
  k: { type: "int", default: DEMO.k, min: 1, max: 7 },
  s: { type: "int", default: DEMO.s, min: 1, max: 8 },
  p: { type: "int", default: DEMO.p, min: 0, max: 6 },
  d: { type: "int", default: DEMO.d, min: 1, max: 4 },
  mode: { type: "string", default: DEMO.mode, options: ["cross-correlation", "convolution"] },
  seed: { type: "int", default: DEMO.seed, min: 0, max: 999999 },
  edits: { type: "string", default: "" },
  step: { type: "int", default: 0, min: 0 },
  pin: { type: "string", default: "" },
  edit: { type: "bool", default: false },
});

const CONFIG_KEYS = ["h", "w", "c", "f", "k", "s", "p", "d", "mode", "seed", "edits"];
const $ = (id) => document.getElementById(id);
const form = $("conv-controls");

// ---- values: seeded small integers, as in the CS231n demo, plus the learner's edits ----

function makeValues(v) {
  const random = mulberry32(v.seed);
  const int = (lo, hi) => lo + Math.floor(random() * (hi - lo + 1));
  const edits = parseEdits(v.edits);
  const pick = (key, fallback) => (edits.has(key) ? edits.get(key) : fallback);
  const x = [];
  for (let c = 0; c < v.c; c++) {
    x.push([]);
    for (let r = 0; r < v.h; r++) {
      x[c].push([]);
      for (let col = 0; col < v.w; col++) x[c][r].push(pick(`x.${c}.${r}.${col}`, int(0, 2)));
    }
  }
  const w = [];
  for (let f = 0; f < v.f; f++) {
    w.push([]);
    for (let c = 0; c < v.c; c++) {
      w[f].push([]);
      for (let i = 0; i < v.k; i++) {
        w[f][c].push([]);
        for (let j = 0; j < v.k; j++) w[f][c][i].push(pick(`w.${f}.${c}.${i}.${j}`, int(-1, 1)));
      }
    }
  }
  const b = [];
  for (let f = 0; f < v.f; f++) b.push(pick(`b.${f}`, f === 0 ? 1 : int(0, 1)));
  return { x, w, b };
}

const fmt = (value) => defaultFormat(value);
const signed = (value) => (value < 0 ? `(${fmt(value)})` : fmt(value));

// ---- the view ----

let view = null; // { v, values, grids, response }
const fetchConv = latestOnly((payload, options) => postJSON("/api/conv2d", payload, options));
let timeline = null;

function clearChildren(el) {
  el.replaceChildren();
}

function onEdit(key) {
  return (value) => {
    const edits = parseEdits(state.get().edits);
    edits.set(key, value);
    state.set({ edits: formatEdits(edits) });
  };
}

function buildGrids(v, values) {
  const Hp = v.h + 2 * v.p;
  const Wp = v.w + 2 * v.p;
  const inputEl = $("conv-input");
  const filtersEl = $("conv-filters");
  clearChildren(inputEl);
  clearChildren(filtersEl);
  const grids = { input: [], filters: [], filterBlocks: [], biases: [], output: [] };
  for (let c = 0; c < v.c; c++) {
    const holder = document.createElement("div");
    holder.append(caption(`x[:, :, ${c}]  channel ${c}`));
    const gridEl = document.createElement("div");
    holder.append(gridEl);
    inputEl.append(holder);
    const isPadding = (r, col) => r < v.p || r >= v.p + v.h || col < v.p || col >= v.p + v.w;
    const grid = createGrid(gridEl, {
      rows: Hp,
      cols: Wp,
      label: `input channel ${c}, padded`,
      isPadding,
      onHover: (r, col) => showFeeds(r, col),
      onLeave: () => clearHover(),
      onClick: (r, col) => togglePin(`i.${c}.${r}.${col}`),
      onEdit: (r, col, value) => onEdit(`x.${c}.${r - v.p}.${col - v.p}`)(value),
    });
    const padded = [];
    for (let r = 0; r < Hp; r++) {
      padded.push([]);
      for (let col = 0; col < Wp; col++) {
        padded[r].push(isPadding(r, col) ? 0 : values.x[c][r - v.p][col - v.p]);
      }
    }
    grid.update(padded);
    grids.input.push(grid);
  }
  for (let f = 0; f < v.f; f++) {
    const block = document.createElement("div");
    block.className = "filter-block";
    const title = document.createElement("h3");
    title.textContent = `Filter W${f} (${v.k}×${v.k}×${v.c})`;
    const slices = document.createElement("div");
    slices.className = "filter-slices";
    block.append(title, slices);
    const sliceGrids = [];
    for (let c = 0; c < v.c; c++) {
      const holder = document.createElement("div");
      holder.append(caption(`W${f}[:, :, ${c}]`));
      const gridEl = document.createElement("div");
      holder.append(gridEl);
      slices.append(holder);
      const grid = createGrid(gridEl, {
        rows: v.k,
        cols: v.k,
        label: `filter ${f} slice ${c}`,
        onEdit: (i, j, value) => onEdit(`w.${f}.${c}.${i}.${j}`)(value),
      });
      grid.update(values.w[f][c]);
      sliceGrids.push(grid);
    }
    const bias = document.createElement("div");
    bias.className = "bias";
    const biasLabel = document.createElement("span");
    biasLabel.textContent = `Bias b${f} = `;
    const biasHolder = document.createElement("span");
    const biasGrid = createGrid(biasHolder, {
      rows: 1,
      cols: 1,
      label: `bias ${f}`,
      onEdit: (_r, _c, value) => onEdit(`b.${f}`)(value),
    });
    biasGrid.update([[values.b[f]]]);
    bias.append(biasLabel, biasHolder);
    block.append(bias);
    filtersEl.append(block);
    grids.filters.push(sliceGrids);
    grids.biases.push(biasGrid);
    grids.filterBlocks.push(block);
  }
  $("conv-input-dims").textContent = `${v.h}×${v.w}×${v.c}, padded to ${Hp}×${Wp}×${v.c}`;
  $("conv-filter-dims").textContent = `${v.f} × (${v.k}×${v.k}×${v.c})`;
  setEditable(grids, state.get().edit);
  return grids;
}

function buildOutputGrids(response) {
  const outputEl = $("conv-output");
  clearChildren(outputEl);
  const [F, Ho, Wo] = response.output_shape;
  const grids = [];
  for (let f = 0; f < F; f++) {
    const holder = document.createElement("div");
    holder.append(caption(`o[:, :, ${f}]  from W${f}`));
    const gridEl = document.createElement("div");
    holder.append(gridEl);
    outputEl.append(holder);
    const grid = createGrid(gridEl, {
      rows: Ho,
      cols: Wo,
      label: `output channel ${f}`,
      onHover: (r, c) => showField(f, r, c),
      onLeave: () => clearHover(),
      onClick: (r, c) => {
        togglePin(`o.${f}.${r}.${c}`);
        const index = stepIndex(f, r, c);
        timeline.setStep(index);
        state.set({ step: index });
      },
    });
    grid.update(response.output[f]);
    grids.push(grid);
  }
  $("conv-output-dims").textContent = `${Ho}×${Wo}×${F}`;
  return grids;
}

function setEditable(grids, on) {
  for (const grid of grids.input) grid.setEditable(on);
  for (const slices of grids.filters) for (const grid of slices) grid.setEditable(on);
  for (const grid of grids.biases) grid.setEditable(on);
}

function stepIndex(f, r, c) {
  const [, Ho, Wo] = view.response.output_shape;
  return f * Ho * Wo + r * Wo + c;
}

// Kernel as slid over the input: flipped 180° in convolution mode.
function slidKernel(f, c) {
  const kernel = view.values.w[f][c];
  if (view.v.mode !== "convolution") return kernel;
  return kernel.map((row) => [...row].reverse()).reverse();
}

function paddedValue(c, r, col) {
  const { v, values } = view;
  const rr = r - v.p;
  const cc = col - v.p;
  return rr < 0 || cc < 0 || rr >= v.h || cc >= v.w ? 0 : values.x[c][rr][cc];
}

function renderArithmetic(step, title) {
  const el = $("conv-arith");
  clearChildren(el);
  const { v } = view;
  const line = (...parts) => {
    const div = document.createElement("div");
    div.className = "line";
    div.append(...parts);
    el.append(div);
    return div;
  };
  const span = (text, className) => {
    const s = document.createElement("span");
    if (className) s.className = className;
    s.textContent = text;
    return s;
  };
  line(span(title, "label"));
  const rows = step.cells.map(([r]) => r);
  const cols = step.cells.map(([, c]) => c);
  line(
    span(
      `window rows ${Math.min(...rows)}–${Math.max(...rows)}, columns ${Math.min(...cols)}–${Math.max(...cols)} ` +
        `of the padded input${v.d > 1 ? `, every ${v.d}th cell (dilation ${v.d})` : ""}` +
        `${v.mode === "convolution" ? "; kernel flipped 180°" : ""}`,
      "label",
    ),
  );
  for (let c = 0; c < v.c; c++) {
    const kernel = slidKernel(step.filter, c);
    const parts = [span(`channel ${c}: Σ(x·w) = `, "label")];
    step.cells.forEach(([r, col], t) => {
      const i = Math.floor(t / v.k);
      const j = t % v.k;
      if (t > 0) parts.push(span(" + "));
      parts.push(
        span(`${signed(paddedValue(c, r, col))}·${signed(kernel[i][j])}`, step.is_padding[t] ? "term-pad" : ""),
      );
    });
    parts.push(span(" = "), span(fmt(step.channel_sums[c]), "partial"));
    line(...parts);
  }
  const partials = step.channel_sums.map(signed).join(" + ");
  line(
    span("value: ", "label"),
    span(`${partials} + b${step.filter} ${signed(step.bias)} = `),
    span(fmt(step.value), "total"),
  );
}

function renderStep() {
  if (!view || !view.response) return;
  const { response, grids, outputGrids } = view;
  const steps = response.steps;
  const index = Math.min(state.get().step, steps.length - 1);
  const step = steps[index];
  grids.input.forEach((grid) => grid.highlight("window", step.cells));
  grids.filterBlocks.forEach((block, f) => block.classList.toggle("current", f === step.filter));
  const [, Ho, Wo] = response.output_shape;
  outputGrids.forEach((grid, f) => {
    grid.highlight("current", f === step.filter ? [[step.row, step.col]] : []);
    const pending = [];
    for (let r = 0; r < Ho; r++) {
      for (let c = 0; c < Wo; c++) if (stepIndex(f, r, c) > index) pending.push([r, c]);
    }
    grid.highlight("pending", pending);
  });
  renderArithmetic(
    step,
    `Step ${index + 1} of ${steps.length}: output o[${step.row}, ${step.col}, ${step.filter}] ` +
      `(row ${step.row}, column ${step.col} of feature map ${step.filter})`,
  );
  renderPin();
}

function showField(f, r, c) {
  const step = view.response.steps[stepIndex(f, r, c)];
  view.grids.input.forEach((grid) => grid.highlight("field", step.cells));
  view.outputGrids[f].highlight("feeds", [[r, c]]);
  renderArithmetic(step, `Hovered output o[${r}, ${c}, ${f}]`);
}

function showFeeds(r, c) {
  if (!view || !view.response) return;
  const fed = view.feeds.get(`${r},${c}`) || [];
  view.outputGrids.forEach((grid) => grid.highlight("feeds", fed));
  view.grids.input.forEach((grid) => grid.highlight("field", [[r, c]]));
}

function clearHover() {
  if (!view || !view.response) return;
  view.grids.input.forEach((grid) => grid.clear("field"));
  view.outputGrids.forEach((grid) => grid.clear("feeds"));
  renderStep();
}

function togglePin(key) {
  state.set({ pin: state.get().pin === key ? "" : key });
}

function renderPin() {
  const { grids, outputGrids, response } = view;
  grids.input.forEach((grid) => grid.clear("pin"));
  outputGrids.forEach((grid) => grid.clear("pin"));
  const pin = state.get().pin;
  if (!pin) return;
  const [kind, ...rest] = pin.split(".");
  const [a, r, c] = rest.map(Number);
  if (kind === "o" && outputGrids[a] && r < response.output_shape[1] && c < response.output_shape[2]) {
    outputGrids[a].highlight("pin", [[r, c]]);
    const step = response.steps[stepIndex(a, r, c)];
    grids.input.forEach((grid) => grid.highlight("pin", step.cells));
  } else if (kind === "i" && grids.input[a]) {
    grids.input[a].highlight("pin", [[r, c]]);
    const fed = view.feeds.get(`${r},${c}`) || [];
    outputGrids.forEach((grid) => grid.highlight("pin", fed));
  }
}

function feedsMap(response) {
  const map = new Map();
  for (const step of response.steps) {
    if (step.filter !== 0) break;
    for (const [r, c] of step.cells) {
      const key = `${r},${c}`;
      if (!map.has(key)) map.set(key, []);
      map.get(key).push([step.row, step.col]);
    }
  }
  return map;
}

function renderSize(v, response) {
  const h = response && response.size.height;
  const w = response && response.size.width;
  const expression = (axis, size) =>
    `${axis}: (${size} + 2·${v.p} - ${v.d}·(${v.k} - 1) - 1) / ${v.s} + 1`;
  $("conv-formula-h").textContent = h ? `Output height: ${h.formula}` : expression("Output height", v.h);
  $("conv-formula-w").textContent = w ? `Output width: ${w.formula}` : expression("Output width", v.w);
  const notes = [];
  for (const report of [h, w].filter(Boolean)) {
    const lines = report.axis === "height" ? "rows" : "columns";
    if (!report.exact) {
      notes.push(
        `${report.numerator} / ${report.stride} is not a whole number: the last window would overhang by ` +
          `${report.stride - report.leftover}, so frameworks take the floor and drop it.`,
      );
      const fits = [];
      if (report.fitting_paddings.length) fits.push(`padding ${report.fitting_paddings.join(" or ")}`);
      if (report.fitting_strides.length) fits.push(`stride ${report.fitting_strides.join(", ")}`);
      if (fits.length) notes.push(`Along the ${report.axis}, these fit exactly: ${fits.join("; ")}.`);
    }
    if (report.unvisited.length) {
      notes.push(`Input ${lines} never visited by any window: ${report.unvisited.join(", ")}.`);
    }
  }
  $("conv-fit-note").textContent = notes.join(" ");
}

function markUnvisited(v, response) {
  const rows = response.size.height.unvisited.map((r) => r + v.p);
  const cols = response.size.width.unvisited.map((c) => c + v.p);
  const cells = [];
  const Hp = v.h + 2 * v.p;
  const Wp = v.w + 2 * v.p;
  for (const r of rows) for (let c = v.p; c < Wp - v.p; c++) cells.push([r, c]);
  for (const c of cols) for (let r = v.p; r < Hp - v.p; r++) cells.push([r, c]);
  view.grids.input.forEach((grid) => grid.highlight("unvisited", cells));
}

async function recompute() {
  const v = { ...state.get() };
  const values = makeValues(v);
  const grids = buildGrids(v, values);
  view = { v, values, grids, response: null, outputGrids: [], feeds: new Map() };
  $("conv-flip-note").textContent =
    v.mode === "convolution"
      ? "Convolution (the textbook formula Σ I(m,n)·K(i−m, j−n)) slides each kernel rotated by 180°; " +
        "the arithmetic below uses the flipped values."
      : "Cross-correlation Σ I(i+m, j+n)·K(m,n): what CNN layers (and PyTorch's conv2d) compute.";
  const payload = {
    input: values.x,
    weights: values.w,
    bias: values.b,
    stride: v.s,
    padding: v.p,
    dilation: v.d,
    mode: v.mode,
  };
  let response;
  try {
    response = await fetchConv(payload);
  } catch (error) {
    if (isAbort(error)) return;
    $("conv-error").textContent = `This combination does not work: ${error.message}`;
    clearChildren($("conv-output"));
    $("conv-output-dims").textContent = "";
    const empty = document.createElement("p");
    empty.className = "message note";
    empty.textContent = "No output: change the kernel size, padding, dilation or stride above.";
    $("conv-output").append(empty);
    clearChildren($("conv-arith"));
    $("conv-arith").textContent = "Fix the configuration above to step through the convolution.";
    renderSize(v, null);
    $("conv-fit-note").textContent = "";
    timeline.setCount(1);
    return;
  }
  $("conv-error").textContent = "";
  view.response = response;
  view.outputGrids = buildOutputGrids(response);
  view.feeds = feedsMap(response);
  renderSize(v, response);
  markUnvisited(v, response);
  timeline.setCount(response.steps.length);
  const step = Math.min(state.get().step, response.steps.length - 1);
  timeline.setStep(step);
  if (step !== state.get().step) state.set({ step });
  renderStep();
}

// ---- controls ----

function syncForm() {
  const v = state.get();
  for (const key of ["h", "w", "c", "f", "k", "s", "p", "d", "seed"]) form.elements[key].value = v[key];
  form.elements.mode.value = v.mode;
  form.elements.edit.checked = v.edit;
}

form.addEventListener("change", (event) => {
  const target = event.target;
  if (target.name === "edit") {
    state.set({ edit: target.checked });
    return;
  }
  if (target.name === "mode") {
    state.set({ mode: target.value });
    return;
  }
  const value = Number(target.value);
  const min = Number(target.min);
  const max = Number(target.max);
  if (!Number.isInteger(value) || value < min || value > max) {
    $("conv-error").textContent = `${target.closest("label").firstChild.textContent.trim()} must be a whole number from ${min} to ${max}.`;
    return;
  }
  const patch = { [target.name]: value };
  // New shapes invalidate edits made at the old shape.
  if (["h", "w", "c", "f", "k"].includes(target.name)) patch.edits = "";
  patch.pin = "";
  state.set(patch);
});
form.addEventListener("submit", (event) => event.preventDefault());

$("conv-randomize").addEventListener("click", () => {
  state.set({ seed: Math.floor(Math.random() * 1000000), edits: "", step: 0, pin: "" });
});
$("conv-reset").addEventListener("click", () => {
  state.set({ ...DEMO, edits: "", step: 0, pin: "", edit: false });
});

timeline = createTimeline($("conv-timeline"), {
  count: 1,
  step: state.get().step,
  label: "Convolution steps",
  onStep: (i) => state.set({ step: i }),
});

state.subscribe((values, changed) => {
  syncForm();
  if (changed.some((key) => CONFIG_KEYS.includes(key))) {
    recompute();
    return;
  }
  if (changed.includes("edit") && view) setEditable(view.grids, values.edit);
  if (changed.includes("step")) {
    timeline.setStep(values.step);
    renderStep();
  } else if (changed.includes("pin") && view && view.response) {
    renderPin();
  }
});

syncForm();
state.writeUrl();
recompute();
