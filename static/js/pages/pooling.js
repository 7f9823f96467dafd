// /pooling: max and average pooling stepped window by window, forward and backward. State
// (configuration, seed, edits, step) lives in the URL; values come from a seeded generator plus
// the learner's edits; every forward number comes from POST /api/pool2d, and the final dL/dx is
// checked against POST /api/pool2d/backward.

import { isAbort, latestOnly, postJSON } from "../api.js";
import { createState } from "../state.js";
import { caption, formatEdits, mulberry32, parseEdits } from "../seeded.js";
import { createGrid, defaultFormat } from "../widgets/grid.js";
import { createTimeline } from "../widgets/timeline.js";

const DEFAULTS = { mode: "max", h: 4, w: 4, c: 1, k: 2, s: 0, p: 0, seed: 7, global: false };

const state = createState({
  mode: { type: "string", default: DEFAULTS.mode, options: ["max", "avg"] },
  h: { type: "int", default: DEFAULTS.h, min: 1, max: 12 },
  w: { type: "int", default: DEFAULTS.w, min: 1, max: 12 },
  c: { type: "int", default: DEFAULTS.c, min: 1, max: 3 },
  k: { type: "int", default: DEFAULTS.k, min: 1, max: 12 },
  s: { type: "int", default: DEFAULTS.s, min: 0, max: 12 },
  p: { type: "int", default: DEFAULTS.p, min: 0, max: 6 },
  seed: { type: "int", default: DEFAULTS.seed, min: 0, max: 999999 },
  global: { type: "bool", default: DEFAULTS.global },
  edits: { type: "string", default: "" },
  step: { type: "int", default: 0, min: 0 },
  edit: { type: "bool", default: false },
});

const CONFIG_KEYS = ["mode", "h", "w", "c", "k", "s", "p", "seed", "global", "edits"];
const $ = (id) => document.getElementById(id);
const form = $("pool-controls");
const fmt = (value) => defaultFormat(value);

// ---- values: seeded small integers (ties happen) plus the learner's edits ----

function makeInput(v) {
  const random = mulberry32(v.seed);
  const edits = parseEdits(v.edits);
  const x = [];
  for (let c = 0; c < v.c; c++) {
    x.push([]);
    for (let r = 0; r < v.h; r++) {
      x[c].push([]);
      for (let col = 0; col < v.w; col++) {
        const key = `x.${c}.${r}.${col}`;
        const drawn = Math.floor(random() * 10);
        x[c][r].push(edits.has(key) ? edits.get(key) : drawn);
      }
    }
  }
  return x;
}

// Upstream gradient: its own seeded stream, so editing x does not change it.
function makeGradient(v, shape) {
  const random = mulberry32(v.seed + 1000003);
  const edits = parseEdits(v.edits);
  const [C, Ho, Wo] = shape;
  const g = [];
  for (let c = 0; c < C; c++) {
    g.push([]);
    for (let r = 0; r < Ho; r++) {
      g[c].push([]);
      for (let col = 0; col < Wo; col++) {
        const key = `g.${c}.${r}.${col}`;
        const drawn = 1 + Math.floor(random() * 4);
        g[c][r].push(edits.has(key) ? edits.get(key) : drawn);
      }
    }
  }
  return g;
}

function setEdit(key, value) {
  const edits = parseEdits(state.get().edits);
  edits.set(key, value);
  state.set({ edits: formatEdits(edits) });
}

// ---- the view ----

let view = null; // { v, x, response, grad, grids: { input, output, upstream, dx } }
let timeline = null;
const fetchPool = latestOnly((payload, options) => postJSON("/api/pool2d", payload, options));
const fetchBackward = latestOnly((payload, options) => postJSON("/api/pool2d/backward", payload, options));

function gridIn(parent, text) {
  const holder = document.createElement("div");
  holder.append(caption(text));
  const gridEl = document.createElement("div");
  holder.append(gridEl);
  parent.append(holder);
  return gridEl;
}

function payloadOf(v, x) {
  const payload = { input: x, mode: v.mode, size: v.k, padding: v.p };
  if (v.s > 0) payload.stride = v.s;
  if (v.global) payload.global_pool = true;
  return payload;
}

function buildInput(v, x, response) {
  const el = $("pool-input");
  el.replaceChildren();
  const [ph, pw] = response ? response.padding : [v.global ? 0 : v.p, v.global ? 0 : v.p];
  const Hp = v.h + 2 * ph;
  const Wp = v.w + 2 * pw;
  const isPadding = (r, col) => r < ph || r >= ph + v.h || col < pw || col >= pw + v.w;
  const grids = [];
  for (let c = 0; c < v.c; c++) {
    const grid = createGrid(gridIn(el, `x[${c}]  channel ${c}`), {
      rows: Hp,
      cols: Wp,
      label: `input channel ${c}${ph || pw ? ", padded" : ""}`,
      isPadding,
      onEdit: (r, col, value) => setEdit(`x.${c}.${r - ph}.${col - pw}`, value),
    });
    const padded = [];
    for (let r = 0; r < Hp; r++) {
      padded.push([]);
      for (let col = 0; col < Wp; col++) {
        // Max pooling pads with −∞ (padding never wins): leave those cells blank.
        const pad = v.mode === "max" ? null : 0;
        padded[r].push(isPadding(r, col) ? pad : x[c][r - ph][col - pw]);
      }
    }
    grid.update(padded);
    grid.setEditable(state.get().edit);
    grids.push(grid);
  }
  $("pool-input-dims").textContent =
    `${v.c}×${v.h}×${v.w}` + (ph || pw ? `, padded to ${v.c}×${Hp}×${Wp}` : "");
  return { grids, ph, pw };
}

function buildOutputs(v, response, grad) {
  const [C, Ho, Wo] = response.output_shape;
  const outputEl = $("pool-output");
  const upstreamEl = $("pool-upstream");
  const dxEl = $("pool-grad");
  outputEl.replaceChildren();
  upstreamEl.replaceChildren();
  dxEl.replaceChildren();
  const output = [];
  const upstream = [];
  const dx = [];
  const jump = (c, r, col) => {
    const index = stepIndex(c, r, col);
    timeline.setStep(index);
    state.set({ step: index });
  };
  for (let c = 0; c < C; c++) {
    const out = createGrid(gridIn(outputEl, `y[${c}]  channel ${c}`), {
      rows: Ho,
      cols: Wo,
      label: `output channel ${c}`,
      onClick: (r, col) => jump(c, r, col),
    });
    out.update(response.output[c]);
    out.setEditable(false);
    output.push(out);
    const up = createGrid(gridIn(upstreamEl, `dL/dy[${c}]`), {
      rows: Ho,
      cols: Wo,
      label: `upstream gradient, channel ${c}`,
      onEdit: (r, col, value) => setEdit(`g.${c}.${r}.${col}`, value),
    });
    up.update(grad[c]);
    up.setEditable(state.get().edit);
    upstream.push(up);
    dx.push(
      createGrid(gridIn(dxEl, `dL/dx[${c}]`), { rows: v.h, cols: v.w, label: `input gradient, channel ${c}` }),
    );
  }
  $("pool-output-dims").textContent = `${C}×${Ho}×${Wo}`;
  $("pool-upstream-dims").textContent = `${C}×${Ho}×${Wo}`;
  $("pool-grad-dims").textContent = `${C}×${v.h}×${v.w}`;
  return { output, upstream, dx };
}

function stepIndex(c, r, col) {
  const [, Ho, Wo] = view.response.output_shape;
  return c * Ho * Wo + r * Wo + col;
}

// The gradient one step sends back: [[row, col] in input coordinates, amount] pairs.
function routes(step) {
  const g = view.grad[step.channel][step.row][step.col];
  const { ph, pw } = view;
  if (view.response.mode === "max") return [[step.winner_input, g]];
  return step.cells
    .map(([r, col], t) => [[r - ph, col - pw], g / step.divisor, step.is_padding[t]])
    .filter(([, , pad]) => !pad)
    .map(([cell, amount]) => [cell, amount]);
}

// dL/dx accumulated over steps 0..index.
function accumulate(index) {
  const { v } = view;
  const dx = Array.from({ length: v.c }, () => Array.from({ length: v.h }, () => new Array(v.w).fill(0)));
  for (let i = 0; i <= index; i++) {
    const step = view.response.steps[i];
    for (const [[r, col], amount] of routes(step)) dx[step.channel][r][col] += amount;
  }
  return dx;
}

function span(text, className) {
  const s = document.createElement("span");
  if (className) s.className = className;
  s.textContent = text;
  return s;
}

function renderArithmetic(step, index) {
  const el = $("pool-arith");
  el.replaceChildren();
  const { response, ph, pw } = view;
  const [kh, kw] = response.size;
  const line = (...parts) => {
    const div = document.createElement("div");
    div.className = "line";
    div.append(...parts);
    el.append(div);
    return div;
  };
  const rows = step.cells.map(([r]) => r);
  const cols = step.cells.map(([, c]) => c);
  line(
    span(
      `Step ${index + 1} of ${response.steps.length}: channel ${step.channel}, output y[${step.channel}][${step.row}][${step.col}] ` +
        `(row ${step.row}, column ${step.col})`,
      "label",
    ),
  );
  line(
    span(
      `window ${kh}×${kw}: rows ${Math.min(...rows)}–${Math.max(...rows)}, columns ${Math.min(...cols)}–${Math.max(...cols)} ` +
        `of the ${ph || pw ? "padded " : ""}input`,
      "label",
    ),
  );
  const terms = [];
  step.values.forEach((value, t) => {
    if (t > 0) terms.push(span(response.mode === "max" ? ", " : " + "));
    if (step.is_padding[t]) terms.push(span(response.mode === "max" ? "pad" : "0", "term-pad"));
    else terms.push(span(fmt(value), response.mode === "max" && t === step.winner ? "winner" : ""));
  });
  const padCount = step.is_padding.filter(Boolean).length;
  if (response.mode === "max") {
    line(span("max("), ...terms, span(") = "), span(fmt(step.value), "total"));
    const [wr, wc] = step.winner_input;
    line(
      span(
        `winner: x[${step.channel}][${wr}][${wc}] = ${fmt(step.value)}, cell ${step.winner + 1} of ${step.values.length} ` +
          "in the window (row-major order)",
      ),
    );
    if (step.ties > 1) {
      line(
        span(
          `tie: ${step.ties} cells equal ${fmt(step.value)}; the first in row-major order (left to right, top to ` +
            "bottom) wins, as in PyTorch, and only it receives the gradient",
          "tie",
        ),
      );
    }
    if (padCount) line(span(`${padCount} padding cell${padCount > 1 ? "s" : ""} (pad) never win: padding counts as −∞`, "term-pad"));
  } else {
    line(span("sum = "), ...terms, span(` = ${fmt(step.sum)}`));
    line(
      span(
        `divisor = ${kh}·${kw} = ${step.divisor}` +
          (padCount ? ` (the ${padCount} padding zero${padCount > 1 ? "s" : ""} count, as in PyTorch's count_include_pad)` : ""),
      ),
    );
    line(span(`average = ${fmt(step.sum)} / ${step.divisor} = `), span(fmt(step.value), "total"));
  }
  const g = view.grad[step.channel][step.row][step.col];
  if (response.mode === "max") {
    const [wr, wc] = step.winner_input;
    line(
      span("backward: ", "label"),
      span(`dL/dy = ${fmt(g)} → all of it to the winner: dL/dx[${step.channel}][${wr}][${wc}] += ${fmt(g)}`),
      span(step.values.length > 1 ? `; the other ${step.values.length - 1} cells get 0` : ""),
    );
  } else {
    const real = step.values.length - padCount;
    line(
      span("backward: ", "label"),
      span(`dL/dy = ${fmt(g)} → ${fmt(g)} / ${step.divisor} = ${fmt(g / step.divisor)} to each of the ${real} input cells`),
      span(padCount ? ` (the ${padCount} shares on padding are dropped)` : ""),
    );
  }
}

function renderStep() {
  if (!view || !view.response) return;
  const { response, grids } = view;
  const steps = response.steps;
  const index = Math.min(state.get().step, steps.length - 1);
  const step = steps[index];
  const [, Ho, Wo] = response.output_shape;
  grids.input.forEach((grid, c) => {
    grid.highlight("window", c === step.channel ? step.cells : []);
    grid.highlight("winner", c === step.channel && response.mode === "max" ? [step.winner_cell] : []);
  });
  const pending = (c) => {
    const cells = [];
    for (let r = 0; r < Ho; r++) for (let col = 0; col < Wo; col++) if (stepIndex(c, r, col) > index) cells.push([r, col]);
    return cells;
  };
  grids.output.forEach((grid, c) => {
    grid.highlight("current", c === step.channel ? [[step.row, step.col]] : []);
    grid.highlight("pending", pending(c));
  });
  grids.upstream.forEach((grid, c) => grid.highlight("current", c === step.channel ? [[step.row, step.col]] : []));
  const dx = accumulate(index);
  const receiving = routes(step).map(([cell]) => cell);
  grids.dx.forEach((grid, c) => {
    grid.update(dx[c]);
    grid.highlight("winner", c === step.channel ? receiving : []);
  });
  renderArithmetic(step, index);
  const check = $("pool-grad-check");
  if (index === steps.length - 1 && view.backward) {
    const same = view.backward.grad_input.every((plane, c) =>
      plane.every((row, r) => row.every((value, col) => Math.abs(value - dx[c][r][col]) < 1e-9)),
    );
    check.textContent = same
      ? "After the last step this is the full dL/dx, the same as POST /api/pool2d/backward returns."
      : "Warning: the server's dL/dx differs from the sum of the steps.";
  } else {
    check.textContent = `Showing the gradient sent back by steps 1–${index + 1}; step to the end for the full dL/dx.`;
  }
}

function renderSize(v, response) {
  const k = v.global ? `${v.h}×${v.w}` : v.k;
  const s = v.s > 0 ? v.s : "size";
  if (!response) {
    $("pool-formula-h").textContent = `Output height = floor((H + 2·padding − size) / stride) + 1, with H = ${v.h}, size ${k}, stride ${s}, padding ${v.p}`;
    $("pool-formula-w").textContent = "";
    $("pool-fit-note").textContent = "";
    return;
  }
  const { height, width } = response.sizes;
  $("pool-formula-h").textContent = `Output height: ${height.formula}`;
  $("pool-formula-w").textContent = `Output width: ${width.formula}`;
  const notes = [];
  if (v.global) notes.push(`Global pooling: the window is the whole ${v.h}×${v.w} input, one number per channel.`);
  if (v.s === 0 && !v.global) notes.push(`Stride not set: it defaults to the window size (${v.k}), as in PyTorch.`);
  for (const report of [height, width]) {
    const lines = report.axis === "height" ? "rows" : "columns";
    if (!report.exact) {
      notes.push(
        `${report.numerator} / ${report.stride} is not whole: the output size is rounded down (floor, ceil_mode=False)` +
          ` and the leftover ${report.leftover} ${report.axis === "height" ? "row" : "column"}${report.leftover > 1 ? "s" : ""} of the padded input ${report.leftover > 1 ? "are" : "is"} dropped.`,
      );
    }
    if (report.unvisited.length) notes.push(`Input ${lines} no window visits: ${report.unvisited.join(", ")}.`);
  }
  $("pool-fit-note").textContent = notes.join(" ");
}

function markUnvisited(response) {
  const { v, ph, pw } = view;
  const rows = response.sizes.height.unvisited.map((r) => r + ph);
  const cols = response.sizes.width.unvisited.map((c) => c + pw);
  const cells = [];
  for (const r of rows) for (let c = pw; c < pw + v.w; c++) cells.push([r, c]);
  for (const c of cols) for (let r = ph; r < ph + v.h; r++) cells.push([r, c]);
  view.grids.input.forEach((grid) => grid.highlight("unvisited", cells));
}

function showError(message) {
  $("pool-error").textContent = message;
  for (const id of ["pool-output", "pool-upstream", "pool-grad"]) $(id).replaceChildren();
  for (const id of ["pool-output-dims", "pool-upstream-dims", "pool-grad-dims", "pool-grad-check"]) $(id).textContent = "";
  const empty = document.createElement("p");
  empty.className = "message note";
  empty.textContent = "No output: change the window size, padding or stride above.";
  $("pool-output").append(empty);
  $("pool-arith").replaceChildren();
  $("pool-arith").textContent = "Fix the configuration above to step through the pooling.";
  timeline.setCount(1);
}

async function recompute() {
  const v = { ...state.get() };
  const x = makeInput(v);
  const built = buildInput(v, x, null);
  view = { v, x, response: null, backward: null, grad: null, grids: { input: built.grids }, ph: built.ph, pw: built.pw };
  let response;
  try {
    response = await fetchPool(payloadOf(v, x));
  } catch (error) {
    if (isAbort(error)) return;
    renderSize(v, null);
    showError(`This combination does not work: ${error.message}`);
    return;
  }
  $("pool-error").textContent = "";
  const input = buildInput(v, x, response);
  const grad = makeGradient(v, response.output_shape);
  view = { v, x, response, backward: null, grad, grids: { input: input.grids }, ph: input.ph, pw: input.pw };
  Object.assign(view.grids, buildOutputs(v, response, grad));
  renderSize(v, response);
  markUnvisited(response);
  timeline.setCount(response.steps.length);
  const step = Math.min(state.get().step, response.steps.length - 1);
  timeline.setStep(step);
  if (step !== state.get().step) state.set({ step });
  renderStep();
  try {
    const mine = view;
    const backward = await fetchBackward({ ...payloadOf(v, x), trace: false, grad_output: grad });
    if (view === mine) {
      view.backward = backward;
      renderStep();
    }
  } catch (error) {
    if (!isAbort(error)) $("pool-error").textContent = `Backward pass: ${error.message}`;
  }
}

// ---- controls ----

function syncForm() {
  const v = state.get();
  for (const key of ["h", "w", "c", "k", "p", "seed"]) form.elements[key].value = v[key];
  form.elements.s.value = v.s > 0 ? v.s : "";
  form.elements.mode.value = v.mode;
  form.elements.global.checked = v.global;
  form.elements.edit.checked = v.edit;
  for (const key of ["k", "s", "p"]) form.elements[key].disabled = v.global;
}

form.addEventListener("change", (event) => {
  const target = event.target;
  if (target.name === "edit") {
    state.set({ edit: target.checked });
    return;
  }
  if (target.name === "global") {
    state.set({ global: target.checked, step: 0 });
    return;
  }
  if (target.name === "mode") {
    state.set({ mode: target.value });
    return;
  }
  const value = target.name === "s" && target.value.trim() === "" ? 0 : Number(target.value);
  const min = Number(target.min);
  const max = Number(target.max);
  if (!Number.isInteger(value) || value < min || value > max) {
    $("pool-error").textContent = `${target.closest("label").firstChild.textContent.trim()} must be a whole number from ${min} to ${max}.`;
    return;
  }
  const patch = { [target.name]: value };
  if (["h", "w", "c"].includes(target.name)) patch.edits = "";
  state.set(patch);
});
form.addEventListener("submit", (event) => event.preventDefault());

$("pool-gap").addEventListener("click", () => state.set({ mode: "avg", global: true, step: 0 }));
$("pool-randomize").addEventListener("click", () => {
  state.set({ seed: Math.floor(Math.random() * 1000000), edits: "", step: 0 });
});
$("pool-reset").addEventListener("click", () => state.set({ ...DEFAULTS, edits: "", step: 0, edit: false }));

timeline = createTimeline($("pool-timeline"), {
  count: 1,
  step: state.get().step,
  label: "Pooling steps",
  onStep: (i) => state.set({ step: i }),
});

state.subscribe((values, changed) => {
  syncForm();
  if (changed.some((key) => CONFIG_KEYS.includes(key))) {
    recompute();
    return;
  }
  if (changed.includes("edit") && view) {
    view.grids.input.forEach((grid) => grid.setEditable(values.edit));
    (view.grids.upstream || []).forEach((grid) => grid.setEditable(values.edit));
  }
  if (changed.includes("step")) {
    timeline.setStep(values.step);
    renderStep();
  }
});

syncForm();
state.writeUrl();
recompute();
