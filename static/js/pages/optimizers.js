// /optimizers: race optimisers on a toy surface (paths, loss per step, the numbers of a step),
// one optimiser at three learning rates, and grid vs random hyper-parameter search. Every number
// comes from the API; the state (surface, start, optimisers and their parameters, step, and the
// lessons' settings) lives in the URL.

import { getJSON, isAbort, latestOnly, postJSON } from "../api.js";
import { createColorbar } from "../colormap.js";
import { createState } from "../state.js";
import { createPlot, formatNumber } from "../widgets/plot.js";
import { createSurface } from "../widgets/surface.js";
import { createTimeline } from "../widgets/timeline.js";

// Okabe–Ito, in the order the race hands them out (yellow late: it fades on viridis' top end).
const COLORS = ["#d55e00", "#0072b2", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000", "#f0e442"];
const MAX_OPTIMIZERS = 8;
const DEFAULT_RACE = "sgd:lr=0.001;momentum:lr=0.001,rho=0.9;rmsprop:lr=0.01;adam:lr=0.05";
const GRID_RESOLUTION = 128;
// Learning rates for the lesson, 100 steps from the default start: too low, good, too high.
// Adaptive methods normalise the step, so on the bowl no rate is "too high"; Rosenbrock shows it.
const LR_PRESETS = {
  sgd: [0.02, 0.9, 1.05],
  momentum: [0.002, 0.1, 2],
  nesterov: [0.002, 0.1, 2],
  adagrad: [0.003, 2, 60],
  rmsprop: [0.0003, 0.2, 10],
  adam: [0.001, 0.6, 30],
  adamw: [0.001, 0.6, 30],
};
const LR_SURFACE = { adagrad: "rosenbrock", rmsprop: "rosenbrock", adam: "rosenbrock", adamw: "rosenbrock" };
const SEARCH_PRESETS = {
  momentum: { lr: [1e-5, 1e-2], second: [0, 0.99] },
  nesterov: { lr: [1e-5, 1e-2], second: [0, 0.99] },
  rmsprop: { lr: [1e-4, 1], second: [0.5, 0.999] },
  adam: { lr: [1e-4, 1], second: [0, 0.99] },
  adamw: { lr: [1e-4, 1], second: [0, 0.99] },
};

const state = createState({
  surface: { type: "string", default: "rosenbrock" },
  start: { type: "floats", default: [] },
  steps: { type: "int", default: 500, min: 1, max: 2000 },
  opts: { type: "string", default: DEFAULT_RACE },
  sel: { type: "int", default: 0, min: 0, max: MAX_OPTIMIZERS - 1 },
  step: { type: "int", default: 0, min: 0 },
  sched: { type: "string", default: "constant", options: ["constant", "step", "cosine"] },
  noise: { type: "float", default: 0, min: 0, max: 1000 },
  seed: { type: "int", default: 0, min: 0, max: 999999 },
  lr_opt: { type: "string", default: "sgd", options: Object.keys(LR_PRESETS) },
  lr_surface: { type: "string", default: "bowl" },
  lrs: { type: "floats", default: LR_PRESETS.sgd },
  lr_steps: { type: "int", default: 100, min: 1, max: 2000 },
  s_opt: { type: "string", default: "adam", options: Object.keys(SEARCH_PRESETS) },
  s_budget: { type: "int", default: 64, min: 4, max: 100 },
  s_steps: { type: "int", default: 300, min: 1, max: 2000 },
  s_lr: { type: "floats", default: SEARCH_PRESETS.adam.lr },
  s_seed: { type: "int", default: 0, min: 0, max: 999999 },
});

const $ = (id) => document.getElementById(id);
let surfaces = new Map();
let optimizers = new Map();
const grids = new Map();
let race = null; // the last race response
let editingCard = false; // a card's own input changed the state: keep its DOM (a slider mid-drag)
let surfaceInfo = null;

// ---- formatting

function fmt(v) {
  if (v === null || v === undefined) return "—";
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return "0";
  const abs = Math.abs(v);
  if (abs >= 1e5 || abs < 1e-4) return v.toExponential(4);
  return String(Number(v.toPrecision(6)));
}

const pair = (p) => `(${fmt(p[0])}, ${fmt(p[1])})`;

// "adam:lr=0.05,beta1=0.9;sgd:lr=0.001" <-> [{ name, lr, beta1 }, ...]
function parseOpts(text) {
  const list = [];
  for (const part of text.split(";")) {
    const [name, rest = ""] = part.split(":");
    if (!optimizers.has(name) || list.length >= MAX_OPTIMIZERS) continue;
    const spec = { name };
    for (const item of rest.split(",")) {
      const [key, value] = item.split("=");
      if (key && optimizers.get(name).params[key] && value !== "" && Number.isFinite(Number(value))) {
        spec[key] = Number(value);
      }
    }
    if (!(spec.lr > 0)) spec.lr = optimizers.get(name).params.lr.default;
    list.push(spec);
  }
  return list;
}

function formatOpts(list) {
  return list
    .map(({ name, ...params }) => `${name}:${Object.entries(params).map(([k, v]) => `${k}=${v}`).join(",")}`)
    .join(";");
}

function raceSpecs() {
  return parseOpts(state.get().opts);
}

function startPoint() {
  const { start } = state.get();
  return start.length === 2 ? start : surfaceInfo.default_start;
}

function showError(id, error) {
  const el = $(id);
  el.textContent = error ? `${error.status ? `${error.status}: ` : ""}${error.message}` : "";
}

// ---- the race

const raceMap = createSurface($("race-map"), {
  label: "Loss surface with the optimisers' paths; click to set the start point",
  xLabel: "x",
  yLabel: "y",
  onPick: (x, y) => state.set({ start: [round(x), round(y)], step: 0 }),
});
const raceColorbar = createColorbar($("race-colorbar"), { kind: "sequential", min: 0, max: 1, label: "" });
const lossPlot = createPlot($("race-loss"), {
  label: "Loss per step for each optimiser",
  xLabel: "step",
  yLabel: "f",
  yScale: "log",
  snap: true,
});
const timeline = createTimeline($("race-timeline"), {
  count: 1,
  step: 0,
  label: "Race steps",
  onStep: (i) => state.set({ step: i }),
});

function round(v) {
  return Number(v.toPrecision(4));
}

function fieldOf(grid, info) {
  return { xs: grid.xs, ys: grid.ys, values: grid.values, scale: info.log_scale ? "log" : "linear", floor: info.f_min ?? grid.min };
}

function colorbarFor(surface, info) {
  const [lo, hi] = surface.colorRange();
  raceColorbar.update({
    min: lo,
    max: hi,
    label: info.log_scale ? "colour: log₁₀(f − f_min)" : "colour: f",
  });
}

const fetchGrid = async (name) => {
  if (!grids.has(name)) grids.set(name, await getJSON(`/api/surfaces/${name}/grid?resolution=${GRID_RESOLUTION}`));
  return grids.get(name);
};

const postRace = latestOnly((payload, options) => postJSON("/api/optimize", payload, options));

async function loadSurface() {
  const name = state.get().surface;
  surfaceInfo = surfaces.get(name);
  $("race-surface").value = name;
  $("race-formula").textContent = surfaceInfo.formula_text;
  $("race-surface-note").textContent = surfaceInfo.note;
  const grid = await fetchGrid(name);
  raceMap.update({ domain: surfaceInfo.domain, field: fieldOf(grid, surfaceInfo), minima: surfaceInfo.minima });
  colorbarFor(raceMap, surfaceInfo);
}

async function runRace() {
  const { steps, noise, seed, sched } = state.get();
  const specs = raceSpecs();
  const start = startPoint();
  $("race-sx").value = start[0];
  $("race-sy").value = start[1];
  raceMap.update({ start });
  if (!specs.length) {
    race = null;
    showError("race-error", { message: "add an optimiser to race" });
    render();
    return;
  }
  const payload = { surface: surfaceInfo.name, start, steps, optimizers: specs };
  if (noise > 0) payload.noise = { std: noise, seed };
  if (sched !== "constant") payload.schedule = { kind: sched };
  try {
    race = await postRace(payload);
    showError("race-error", null);
  } catch (error) {
    if (isAbort(error)) return;
    race = null;
    showError("race-error", error);
  }
  const count = race ? Math.max(...race.runs.map((r) => r.points.length)) : 1;
  timeline.setCount(count);
  const step = Math.min(state.get().step, count - 1);
  timeline.setStep(step);
  if (step !== state.get().step) state.set({ step });
  drawLoss();
  render();
}

function lossScale() {
  return surfaceInfo.f_min === null ? "linear" : "log";
}

function drawLoss() {
  if (!race) {
    lossPlot.update({ series: [] });
    return;
  }
  const floor = surfaceInfo.f_min ?? 0;
  const log = lossScale() === "log";
  lossPlot.update({
    yScale: lossScale(),
    yLabel: log && floor !== 0 ? "f − f_min" : "f",
    series: race.runs.map((run, r) => ({
      name: run.label,
      x: run.losses.map((_, i) => i),
      y: run.losses.map((f) => (log ? f - floor : f)),
      color: COLORS[r % COLORS.length],
    })),
  });
  $("race-status").replaceChildren(
    ...race.runs.map((run, r) => {
      const line = document.createElement("p");
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = COLORS[r % COLORS.length];
      const text =
        run.diverged_at === null
          ? `${run.label}: f = ${fmt(run.final_loss)} after ${run.points.length - 1} steps`
          : `${run.label}: diverged at step ${run.diverged_at} (last finite f = ${fmt(run.final_loss)})`;
      line.append(swatch, document.createTextNode(text));
      if (run.diverged_at !== null) line.className = "diverged";
      return line;
    }),
  );
}

function render() {
  const i = state.get().step;
  if (!race) {
    raceMap.update({ paths: [], arrows: [] });
    $("race-numbers").replaceChildren();
    return;
  }
  const sel = Math.min(state.get().sel, race.runs.length - 1);
  raceMap.update({
    paths: race.runs.map((run, r) => ({
      points: run.points,
      upTo: i,
      color: COLORS[r % COLORS.length],
      width: r === sel ? 3 : 2,
      end: run.diverged_at === null ? null : "diverged",
    })),
    arrows: arrowsFor(race.runs[sel], i, COLORS[sel % COLORS.length]),
  });
  lossPlot.update({ markers: [{ x: i, color: "#5b6470", label: `step ${i}` }] });
  renderNumbers(race.runs[sel], i, sel);
}

function arrowsFor(run, i, color) {
  const inside = run.internals;
  if (!inside || i >= run.points.length - 1) return [];
  const at = inside.lookahead ? inside.lookahead[i] : run.points[i];
  const g = inside.grad[i];
  return [
    { from: at, to: [at[0] - g[0], at[1] - g[1]], pixels: 46, color: "#111", dash: [5, 3] },
    { from: run.points[i], to: run.points[i + 1], color },
  ];
}

function renderNumbers(run, i, sel) {
  const info = optimizers.get(run.name);
  $("race-equations").textContent = info.equations.join("     ");
  const box = $("race-numbers");
  const n = run.points.length;
  const t = Math.min(i, n - 1);
  const head = document.createElement("p");
  head.className = "optim-step-head";
  const rows = [
    ["x_t", "the current point", run.points[t]],
    ["f(x_t)", "the loss there", run.losses[t]],
  ];
  if (t >= n - 1) {
    head.textContent =
      run.diverged_at !== null
        ? `${run.label} diverged at step ${run.diverged_at}: that step's point, loss or state was not finite or ran away (|x| > 1e6 or |f| > 1e12). The last finite point is x_${t}.`
        : `${run.label}: x_${t} is the last point (${n - 1} steps).`;
  } else {
    const inside = run.internals;
    head.textContent = `${run.label}, step ${t + 1} (t = ${t + 1}): from x_${t} to x_${t + 1}`;
    const p = run.params;
    const add = (name, meaning, value) => rows.push([name, meaning, value]);
    if (inside.lookahead) add("x + ρ·v", "look-ahead point, where g is taken", inside.lookahead[t]);
    add("g = ∇f", "gradient", inside.grad[t]);
    if (state.get().sched !== "constant") add("α_t", `learning rate this step (${state.get().sched} schedule from α = ${p.lr})`, inside.lr[t]);
    if (run.name === "momentum") add("v ← ρ·v + g", `velocity (ρ = ${p.rho})`, inside.velocity[t]);
    if (run.name === "nesterov") add("v ← ρ·v − α·g", `velocity (ρ = ${p.rho})`, inside.velocity[t]);
    if (inside.sum_sq) add("G ← G + g²", "sum of squared gradients", inside.sum_sq[t]);
    if (inside.mean_sq) add("G ← d·G + (1 − d)·g²", `running mean of g² (d = ${p.decay})`, inside.mean_sq[t]);
    if (inside.m) {
      add("m ← β1·m + (1 − β1)·g", `first moment (β1 = ${p.beta1})`, inside.m[t]);
      add("v ← β2·v + (1 − β2)·g²", `second moment (β2 = ${p.beta2})`, inside.v[t]);
      add("1 − β1ᵗ", "bias correction of m", inside.bias_correction1[t]);
      add("1 − β2ᵗ", "bias correction of v", inside.bias_correction2[t]);
      add("m̂ = m / (1 − β1ᵗ)", "bias-corrected mean", inside.m_hat[t]);
      add("v̂ = v / (1 − β2ᵗ)", "bias-corrected second moment", inside.v_hat[t]);
      add("√v̂ + ε", `denominator (ε = ${p.eps})`, inside.denominator[t]);
      add("α / (√v̂ + ε)", "effective step size", inside.effective_lr[t]);
    } else if (inside.denominator) {
      add("√G + ε", `denominator (ε = ${p.eps})`, inside.denominator[t]);
      add("α / (√G + ε)", "effective step size", inside.effective_lr[t]);
    } else if (state.get().sched === "constant") {
      add("α", "step size (the same every step)", p.lr);
    }
    add("Δx = x_{t+1} − x_t", "the update", inside.update[t]);
    add("x_{t+1}", "the next point", run.points[t + 1]);
    add("f(x_{t+1})", "the loss there", run.losses[t + 1]);
  }
  const table = document.createElement("table");
  table.className = "optim-table";
  const header = table.createTHead().insertRow();
  for (const text of ["quantity", "meaning", "x", "y"]) {
    const th = document.createElement("th");
    th.textContent = text;
    header.append(th);
  }
  const body = table.createTBody();
  for (const [name, meaning, value] of rows) {
    const row = body.insertRow();
    row.dataset.quantity = name;
    const cells = [name, meaning];
    if (Array.isArray(value)) cells.push(fmt(value[0]), fmt(value[1]));
    else cells.push(fmt(value), "");
    cells.forEach((text, k) => {
      const cell = row.insertCell();
      cell.textContent = text;
      if (k === 0) cell.className = "formula";
      if (k >= 2) cell.className = "num";
      if (!Array.isArray(value) && k === 2) cell.colSpan = 2;
    });
    if (!Array.isArray(value)) row.deleteCell(3);
  }
  const swatch = document.createElement("span");
  swatch.className = "swatch";
  swatch.style.background = COLORS[sel % COLORS.length];
  head.prepend(swatch);
  box.replaceChildren(head, table);
}

// ---- the optimiser cards

function renderCards() {
  const specs = raceSpecs();
  const list = $("race-optimizers");
  list.replaceChildren(
    ...specs.map((spec, r) => {
      const info = optimizers.get(spec.name);
      const item = document.createElement("li");
      item.className = "optim-card";
      item.dataset.optimizer = spec.name;
      const title = document.createElement("div");
      title.className = "optim-card-title";
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = COLORS[r % COLORS.length];
      const name = document.createElement("strong");
      name.textContent = info.label;
      const zh = document.createElement("span");
      zh.lang = "zh";
      zh.textContent = info.label_zh !== info.label ? ` ${info.label_zh}` : "";
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "optim-remove";
      remove.textContent = "×";
      remove.title = `Remove ${info.label}`;
      remove.setAttribute("aria-label", `Remove ${info.label}`);
      remove.addEventListener("click", () => {
        const next = raceSpecs().filter((_, k) => k !== r);
        state.set({ opts: formatOpts(next), sel: Math.min(state.get().sel, Math.max(0, next.length - 1)) });
      });
      title.append(swatch, name, zh, remove);
      item.append(title);

      const lrLabel = document.createElement("label");
      lrLabel.className = "optim-lr";
      const lrText = document.createElement("span");
      lrText.textContent = "learning rate α";
      const slider = document.createElement("input");
      slider.type = "range";
      slider.min = "-6";
      slider.max = "1";
      slider.step = "0.05";
      slider.value = String(Math.log10(spec.lr));
      slider.setAttribute("aria-label", `${info.label} learning rate (log scale)`);
      const number = document.createElement("input");
      number.type = "number";
      number.step = "any";
      number.value = String(spec.lr);
      number.setAttribute("aria-label", `${info.label} learning rate`);
      slider.addEventListener("input", () => {
        const lr = Number((10 ** Number(slider.value)).toPrecision(3));
        number.value = String(lr);
        setParam(r, "lr", lr);
      });
      number.addEventListener("change", () => setParam(r, "lr", Number(number.value)));
      lrLabel.append(lrText, slider, number);
      item.append(lrLabel);

      const others = document.createElement("div");
      others.className = "controls";
      for (const [key, param] of Object.entries(info.params)) {
        if (key === "lr") continue;
        const label = document.createElement("label");
        label.textContent = key;
        label.title = param.description;
        const input = document.createElement("input");
        input.type = "number";
        input.step = "any";
        input.min = String(param.min);
        input.max = String(param.max);
        input.value = String(spec[key] ?? param.default);
        input.setAttribute("aria-label", `${info.label} ${key}`);
        input.addEventListener("change", () => setParam(r, key, Number(input.value)));
        label.append(input);
        others.append(label);
      }
      if (others.childElementCount) item.append(others);
      return item;
    }),
  );
  const select = $("race-selected");
  select.replaceChildren(
    ...specs.map((spec, r) => {
      const option = document.createElement("option");
      option.value = String(r);
      option.textContent = `${r + 1}. ${optimizers.get(spec.name).label}`;
      return option;
    }),
  );
  select.value = String(Math.min(state.get().sel, Math.max(0, specs.length - 1)));
  $("race-add").disabled = specs.length >= MAX_OPTIMIZERS;
}

function setParam(r, key, value) {
  const specs = raceSpecs();
  if (!specs[r]) return;
  // An invalid number still goes to the server, which says what is wrong (shown inline).
  specs[r][key] = Number.isFinite(value) ? value : 0;
  if (key === "lr" && !(value > 0)) {
    postRace({ surface: surfaceInfo.name, start: startPoint(), steps: 1, optimizers: [{ ...specs[r], lr: value }] }).catch(
      (error) => showError("race-error", isAbort(error) ? null : error),
    );
    return;
  }
  editingCard = true;
  state.set({ opts: formatOpts(specs) });
  editingCard = false;
}

// ---- the learning-rate lesson

const lrColors = ["#56b4e9", "#009e73", "#d55e00"];
const lrNames = ["too low", "good", "too high"];
const lrMaps = lrNames.map((name, k) => {
  const section = document.createElement("section");
  section.className = "optim-small";
  const heading = document.createElement("h3");
  heading.id = `lr-caption-${k}`;
  const map = document.createElement("div");
  map.className = "optim-map";
  section.append(heading, map);
  $("lr-maps").append(section);
  return { heading, widget: createSurface(map, { label: `Path with the ${name} learning rate`, aspect: [0.6, 0.8] }) };
});
const lrPlot = createPlot($("lr-loss"), { label: "Loss per step at three learning rates", xLabel: "step", yScale: "log", snap: true });
const postLessons = latestOnly((payload, options) => postJSON("/api/optimize", payload, options));

async function runLesson() {
  const { lr_opt: name, lr_surface: surfaceName, lrs, lr_steps: steps } = state.get();
  const info = surfaces.get(surfaceName) || surfaces.get("bowl");
  $("lr-opt").value = name;
  $("lr-surface").value = info.name;
  lrs.slice(0, 3).forEach((v, k) => ($(`lr-${k}`).value = String(v)));
  $("lr-steps").value = String(steps);
  let data;
  try {
    const grid = await fetchGrid(info.name);
    data = await postLessons({
      surface: info.name,
      start: info.default_start,
      steps,
      internals: false,
      optimizers: lrs.slice(0, 3).map((lr) => ({ name, lr })),
    });
    showError("lr-error", null);
    lrMaps.forEach(({ heading, widget }, k) => {
      const run = data.runs[k];
      const outcome = run.diverged_at === null ? `f = ${fmt(run.final_loss)}` : `diverged at step ${run.diverged_at}`;
      heading.textContent = `${lrNames[k]}: α = ${lrs[k]} → ${outcome}`;
      widget.update({
        domain: info.domain,
        field: fieldOf(grid, info),
        minima: info.minima,
        start: info.default_start,
        paths: [{ points: run.points, color: lrColors[k], end: run.diverged_at === null ? null : "diverged" }],
      });
    });
  } catch (error) {
    if (isAbort(error)) return;
    showError("lr-error", error);
    return;
  }
  const floor = info.f_min ?? 0;
  lrPlot.update({
    yScale: info.f_min === null ? "linear" : "log",
    yLabel: info.f_min === null || floor === 0 ? "f" : "f − f_min",
    series: data.runs.map((run, k) => ({
      name: `${lrNames[k]} (α = ${lrs[k]})`,
      x: run.losses.map((_, i) => i),
      y: run.losses.map((f) => (info.f_min === null ? f : f - floor)),
      color: lrColors[k],
    })),
  });
}

// ---- the search

const searchMap = createSurface($("search-map"), {
  label: "Final loss over learning rate and the second parameter, with the grid and random samples",
  xLabel: "learning rate α (log scale)",
  yLabel: "second parameter",
  formatX: (v) => formatNumber(10 ** v),
  aspect: [0.7, 0.7],
});
const searchColorbar = createColorbar($("search-colorbar"), { kind: "sequential", min: 0, max: 1, label: "" });
const searchPlot = createPlot($("search-strip"), {
  label: "Final loss against the learning rate alone, per method",
  xLabel: "learning rate α (log₁₀)",
  yLabel: "final loss",
  yScale: "log",
});
const postSearch = latestOnly((payload, options) => postJSON("/api/optimize/search", payload, options));

async function runSearch() {
  const { s_opt: name, s_budget: budget, s_steps: steps, s_lr: range, s_seed: seed } = state.get();
  $("search-opt").value = name;
  $("search-budget").value = String(budget);
  $("search-steps").value = String(steps);
  $("search-lo").value = String(range[0]);
  $("search-hi").value = String(range[1]);
  $("search-seed").value = String(seed);
  const preset = SEARCH_PRESETS[name];
  let data;
  try {
    data = await postSearch({
      surface: surfaceInfo.name,
      start: startPoint(),
      optimizer: name,
      budget,
      steps,
      seed,
      lr_range: range,
      second_range: preset.second,
      map_resolution: 24,
    });
    showError("search-error", null);
  } catch (error) {
    if (isAbort(error)) return;
    showError("search-error", error);
    return;
  }
  const floor = surfaceInfo.f_min;
  const log = floor !== null;
  const xs = data.map.lrs.map(Math.log10);
  const second = data.second;
  searchMap.update({
    domain: [
      [Math.log10(range[0]), Math.log10(range[1])],
      [preset.second[0], preset.second[1]],
    ],
    field: { xs, ys: data.map.seconds, values: data.map.final_loss, scale: log ? "log" : "linear", floor: floor ?? undefined },
    contours: 0,
    markers: [
      ...data.grid.map((s) => ({ x: Math.log10(s.lr), y: s.second, shape: "square", color: "#e69f00", size: 4 })),
      ...data.random.map((s) => ({ x: Math.log10(s.lr), y: s.second, shape: "circle", color: "#56b4e9", size: 3.5 })),
      ...[
        [data.best_grid, data.grid, "#e69f00"],
        [data.best_random, data.random, "#56b4e9"],
      ]
        .filter(([best]) => best !== null)
        .map(([best, list, color]) => ({ x: Math.log10(list[best].lr), y: list[best].second, shape: "ring", color: "#111", size: 9, title: color })),
    ],
  });
  const [lo, hi] = searchMap.colorRange();
  searchColorbar.update({ min: lo, max: hi, label: log ? "colour: log₁₀(final f − f_min); grey: diverged" : "colour: final f; grey: diverged" });
  const lossOf = (s) => (s.final_loss === null ? NaN : log ? s.final_loss - floor : s.final_loss);
  const sorted = (list) => [...list].sort((a, b) => a.lr - b.lr);
  searchPlot.update({
    yScale: log ? "log" : "linear",
    yLabel: log ? "final f − f_min" : "final f",
    series: [
      { name: "grid", x: sorted(data.grid).map((s) => Math.log10(s.lr)), y: sorted(data.grid).map(lossOf), color: "#e69f00", dots: true, line: false },
      { name: "random", x: sorted(data.random).map((s) => Math.log10(s.lr)), y: sorted(data.random).map(lossOf), color: "#56b4e9", dots: true, line: false },
    ],
  });
  renderSearchSummary(data, second, lossOf);
}

function renderSearchSummary(data, second, lossOf) {
  const table = document.createElement("table");
  table.className = "optim-table";
  const head = table.createTHead().insertRow();
  for (const text of ["", "grid", "random"]) {
    const th = document.createElement("th");
    th.textContent = text;
    head.append(th);
  }
  const best = (list, index) => (index === null ? null : list[index]);
  const g = best(data.grid, data.best_grid);
  const r = best(data.random, data.best_random);
  const diverged = (list) => list.filter((s) => s.final_loss === null).length;
  const rows = [
    ["runs", data.grid.length, data.random.length],
    ["distinct learning rates tried", data.distinct_lr.grid, data.distinct_lr.random],
    [`distinct ${second} values tried`, new Set(data.grid.map((s) => s.second)).size, new Set(data.random.map((s) => s.second)).size],
    ["best α", g && fmt(g.lr), r && fmt(r.lr)],
    [`best ${second}`, g && fmt(g.second), r && fmt(r.second)],
    ["best final loss", g && fmt(g.final_loss), r && fmt(r.final_loss)],
    ["diverged runs", diverged(data.grid), diverged(data.random)],
  ];
  const body = table.createTBody();
  for (const cells of rows) {
    const row = body.insertRow();
    row.dataset.row = cells[0];
    cells.forEach((text, k) => {
      const cell = row.insertCell();
      cell.textContent = text === null ? "—" : String(text);
      if (k) cell.className = "num";
    });
  }
  const verdict = document.createElement("p");
  if (g && r) {
    const winner = lossOf(r) < lossOf(g) ? "Random search" : lossOf(r) > lossOf(g) ? "Grid search" : "Neither";
    verdict.textContent = `${winner} found the lower final loss with the same ${data.grid.length} runs. The grid spends its budget on only ${data.distinct_lr.grid} learning rates, each repeated for ${data.distinct_lr.grid} values of ${second}; random search tries ${data.distinct_lr.random} learning rates. Change the seed to see how often each wins.`;
  }
  $("search-summary").replaceChildren(table, verdict);
}

// ---- wiring

function fillSelect(select, entries) {
  select.replaceChildren(
    ...entries.map(([value, text]) => {
      const option = document.createElement("option");
      option.value = value;
      option.textContent = text;
      return option;
    }),
  );
}

function wire() {
  const form = $("race-controls");
  form.addEventListener("submit", (event) => event.preventDefault());
  $("race-surface").addEventListener("change", (event) => state.set({ surface: event.target.value, start: [], step: 0 }));
  const setStart = () => {
    const x = Number($("race-sx").value);
    const y = Number($("race-sy").value);
    if ($("race-sx").value !== "" && $("race-sy").value !== "" && Number.isFinite(x) && Number.isFinite(y)) state.set({ start: [x, y], step: 0 });
  };
  $("race-sx").addEventListener("change", setStart);
  $("race-sy").addEventListener("change", setStart);
  $("race-default-start").addEventListener("click", () => state.set({ start: [], step: 0 }));
  $("race-steps").addEventListener("change", (event) => state.set({ steps: Number(event.target.value) }));
  $("race-sched").addEventListener("change", (event) => state.set({ sched: event.target.value }));
  $("race-noise").addEventListener("change", (event) => state.set({ noise: Math.max(0, Number(event.target.value) || 0) }));
  $("race-seed").addEventListener("change", (event) => state.set({ seed: Math.max(0, Math.floor(Number(event.target.value) || 0)) }));
  $("race-add").addEventListener("click", () => {
    const specs = raceSpecs();
    if (specs.length >= MAX_OPTIMIZERS) return;
    const name = $("race-add-kind").value;
    specs.push({ name, lr: optimizers.get(name).params.lr.default });
    state.set({ opts: formatOpts(specs), sel: specs.length - 1 });
  });
  $("race-reset").addEventListener("click", () => state.reset(["surface", "start", "steps", "opts", "sel", "step", "sched", "noise", "seed"]));
  $("race-selected").addEventListener("change", (event) => state.set({ sel: Number(event.target.value) }));

  $("lr-controls").addEventListener("submit", (event) => event.preventDefault());
  $("lr-opt").addEventListener("change", (event) => {
    const name = event.target.value;
    state.set({ lr_opt: name, lrs: LR_PRESETS[name], lr_surface: LR_SURFACE[name] || "bowl", lr_steps: 100 });
  });
  $("lr-surface").addEventListener("change", (event) => state.set({ lr_surface: event.target.value }));
  for (let k = 0; k < 3; k++) {
    $(`lr-${k}`).addEventListener("change", (event) => {
      const lrs = [...state.get().lrs];
      lrs[k] = Number(event.target.value);
      state.set({ lrs });
    });
  }
  $("lr-steps").addEventListener("change", (event) => state.set({ lr_steps: Math.min(2000, Math.max(1, Math.floor(Number(event.target.value)) || 1)) }));

  $("search-controls").addEventListener("submit", (event) => event.preventDefault());
  $("search-opt").addEventListener("change", (event) => state.set({ s_opt: event.target.value, s_lr: SEARCH_PRESETS[event.target.value].lr }));
  $("search-budget").addEventListener("change", (event) => state.set({ s_budget: Number(event.target.value) }));
  $("search-steps").addEventListener("change", (event) => state.set({ s_steps: Math.min(2000, Math.max(1, Math.floor(Number(event.target.value)) || 1)) }));
  const setRange = () => state.set({ s_lr: [Number($("search-lo").value), Number($("search-hi").value)] });
  $("search-lo").addEventListener("change", setRange);
  $("search-hi").addEventListener("change", setRange);
  $("search-seed").addEventListener("change", (event) => state.set({ s_seed: Math.max(0, Math.floor(Number(event.target.value) || 0)) }));

  state.subscribe(async (values, changed) => {
    const has = (...keys) => keys.some((key) => changed.includes(key));
    if (has("surface")) {
      if (!surfaces.has(values.surface)) return;
      await loadSurface();
    }
    if ((has("opts") && !editingCard) || has("sel")) renderCards();
    if (has("surface", "start", "steps", "opts", "noise", "seed", "sched")) {
      $("race-steps").value = String(values.steps);
      $("race-sched").value = values.sched;
      $("race-noise").value = String(values.noise);
      $("race-seed").value = String(values.seed);
      await runRace();
    } else if (has("step", "sel")) {
      timeline.setStep(values.step);
      render();
    }
    if (has("lr_opt", "lr_surface", "lrs", "lr_steps")) runLesson();
    if (has("surface", "start", "s_opt", "s_budget", "s_steps", "s_lr", "s_seed")) runSearch();
  });
}

async function init() {
  try {
    const [surfaceList, optimizerList] = await Promise.all([getJSON("/api/surfaces"), getJSON("/api/optimizers")]);
    surfaces = new Map(surfaceList.map((s) => [s.name, s]));
    optimizers = new Map(optimizerList.map((o) => [o.name, o]));
  } catch (error) {
    showError("race-error", error);
    return;
  }
  fillSelect($("race-surface"), [...surfaces.values()].map((s) => [s.name, s.label]));
  fillSelect($("lr-surface"), [...surfaces.values()].map((s) => [s.name, s.label]));
  fillSelect($("race-add-kind"), [...optimizers.values()].map((o) => [o.name, o.label]));
  fillSelect($("lr-opt"), Object.keys(LR_PRESETS).map((name) => [name, optimizers.get(name).label]));
  fillSelect($("search-opt"), Object.keys(SEARCH_PRESETS).map((name) => [name, `${optimizers.get(name).label} (α × ${optimizers.get(name).search_second})`]));
  if (!surfaces.has(state.get().surface)) state.set({ surface: "rosenbrock" });
  const values = state.get();
  $("race-steps").value = String(values.steps);
  $("race-sched").value = values.sched;
  $("race-noise").value = String(values.noise);
  $("race-seed").value = String(values.seed);
  wire();
  await loadSurface();
  renderCards();
  await runRace();
  timeline.setStep(state.get().step);
  render();
  state.writeUrl();
  runLesson();
  runSearch();
}

init();
