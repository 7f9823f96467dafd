// The race: every optimiser from the same start on the surface (POST /api/optimize), their
// paths on the map, the loss per step, the timeline, and the numbers of the current step.

import { getJSON, isAbort, postJSON } from "../../api.js";
import { coalesced } from "../../coalesce.js";
import { mountCodePanel } from "../../code_mount.js";
import { createColorbar } from "../../colormap.js";
import { byId, el } from "../../dom.js";
import { createRefusals, fieldMap } from "../../errors.js";
import { formatPrecise as fmt } from "../../format.js";
import { t } from "../../i18n.js";
import { createPlot } from "../../widgets/plot.js";
import { createSurface } from "../../widgets/surface.js";
import { createTimeline } from "../../widgets/timeline.js";
import { surfaceRef } from "./custom.js";
import { renderFormula } from "./formula.js";
import { renderNumbers } from "./numbers.js";
import { parseOpts } from "./presets.js";

// Okabe–Ito, in the order the race hands them out (yellow late: it fades on viridis' top end).
export const COLORS = ["#d55e00", "#0072b2", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000", "#f0e442"];
export const colorOf = (r) => COLORS[r % COLORS.length];
const round = (v) => Number(v.toPrecision(4));

// The card input of optimiser r's parameter: the API's "optimizers[r].key".
export function cardInput(field) {
  const match = field.match(/^optimizers\[(\d+)\]\.(\w+)/);
  const card = match && byId("race-optimizers").children[Number(match[1])];
  return card ? card.querySelector(`[data-param="${match[2]}"]`) : null;
}

const raceControl = fieldMap({
  surface: "race-surface",
  start: "race-sx",
  "start[1]": "race-sy",
  steps: "race-steps",
  noise: "race-noise",
  "noise.seed": "race-seed",
  schedule: "race-sched",
  optimizers: cardInput,
});

// f on a grid for drawing, fetched once per surface.
export async function fetchGrid(page, name) {
  if (!page.grids.has(name)) {
    page.grids.set(name, await getJSON(`/api/surfaces/${name}/grid?resolution=${page.catalogue.grid_resolution}`));
  }
  return page.grids.get(name);
}

export function fieldOf(grid, info) {
  return { xs: grid.xs, ys: grid.ys, values: grid.values, scale: info.log_scale ? "log" : "linear", floor: info.f_min ?? grid.min, hatch: true };
}

export const raceSpecs = (page) => parseOpts(page.state.get().opts, page.optimizers, page.catalogue.max_optimizers);

export function startPoint(page) {
  const { start } = page.state.get();
  return start.length === 2 ? start : page.surface.default_start;
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

function statusLine(run, r) {
  const line = el("p", run.diverged_at === null ? "" : "diverged");
  const swatch = el("span", "swatch");
  swatch.style.background = colorOf(r);
  const text =
    run.diverged_at === null
      ? t("{label}: f = {f} after {n} steps", { label: run.label, f: fmt(run.final_loss), n: run.points.length - 1 })
      : t("{label}: diverged at step {step} (last finite f = {f})", { label: run.label, step: run.diverged_at, f: fmt(run.final_loss) });
  line.append(swatch, document.createTextNode(text));
  return line;
}

export function createRace(page) {
  const map = createSurface(byId("race-map"), {
    label: t("Loss surface with the optimisers' paths; click to set the start point"),
    xLabel: "x",
    yLabel: "y",
    onPick: (x, y) => page.state.set({ start: [round(x), round(y)], step: 0 }),
  });
  const colorbar = createColorbar(byId("race-colorbar"), { kind: "sequential", min: 0, max: 1, label: "" });
  const lossPlot = createPlot(byId("race-loss"), { label: t("Loss per step for each optimiser"), xLabel: t("step"), yLabel: "f", yScale: "log", snap: true });
  // 100 steps a second at 1×: the default 500-step race plays in 5 s; 0.01× is one step a second.
  const timeline = createTimeline(byId("race-timeline"), {
    count: 1,
    step: 0,
    rate: 100,
    speeds: [0.01, 0.05, 0.25, 1, 2, 4],
    label: t("Race steps"),
    onStep: (i) => page.state.set({ step: i }),
  });
  const postRace = coalesced((payload) => postJSON("/api/optimize", payload));
  const code = mountCodePanel(byId("race-code"), "/api/optimize");
  let race = null; // the last race response
  const refusals = createRefusals(byId("race-error"), raceControl);

  async function loadSurface() {
    const info = page.surfaces.get(page.state.get().surface);
    page.surface = info;
    byId("race-surface").value = info.name;
    renderFormula(byId("race-formula"), info.formula);
    byId("race-surface-note").textContent = info.note;
    const grid = await fetchGrid(page, info.name);
    map.update({ domain: info.domain, field: fieldOf(grid, info), minima: info.minima });
    const [lo, hi] = map.colorRange();
    const floor = info.f_min === null ? t("the grid’s min") : "f_min";
    colorbar.update({ min: lo, max: hi, label: info.log_scale ? t("colour: log₁₀(f − {floor})", { floor }) : t("colour: f") });
  }

  function drawLoss() {
    if (!race) {
      lossPlot.update({ series: [] });
      return;
    }
    const floor = page.surface.f_min ?? 0;
    const log = page.surface.f_min !== null;
    lossPlot.update({
      yScale: log ? "log" : "linear",
      yLabel: log && floor !== 0 ? "f − f_min" : "f",
      series: race.runs.map((run, r) => ({
        name: run.label,
        x: run.losses.map((_, i) => i),
        y: run.losses.map((f) => (log ? f - floor : f)),
        color: colorOf(r),
      })),
    });
    byId("race-status").replaceChildren(...race.runs.map(statusLine));
  }

  function render() {
    const i = page.state.get().step;
    if (!race) {
      map.update({ paths: [], arrows: [] });
      byId("race-numbers").replaceChildren();
      return;
    }
    const sel = Math.min(page.state.get().sel, race.runs.length - 1);
    map.update({
      paths: race.runs.map((run, r) => ({
        points: run.points,
        upTo: i,
        color: colorOf(r),
        width: r === sel ? 3 : 2,
        end: run.diverged_at === null ? null : "diverged",
      })),
      arrows: arrowsFor(race.runs[sel], i, colorOf(sel)),
    });
    lossPlot.update({ markers: [{ x: i, color: "#5b6470", label: t("step {step}", { step: i }) }] });
    renderNumbers(page, race.runs[sel], i, colorOf(sel));
  }

  async function run() {
    const { steps, noise, seed, sched } = page.state.get();
    const specs = raceSpecs(page);
    const start = startPoint(page);
    byId("race-sx").value = start[0];
    byId("race-sy").value = start[1];
    map.update({ start });
    if (!specs.length) {
      race = null;
      refusals.show(null, t("No optimiser is racing: add one with “Add an optimiser” above."));
      render();
      return;
    }
    const payload = { surface: surfaceRef(page.surface), start, steps, optimizers: specs };
    if (noise > 0) payload.noise = { std: noise, seed };
    if (sched !== "constant") payload.schedule = { kind: sched };
    code.show(payload);
    try {
      race = await postRace(payload);
      refusals.clear();
    } catch (error) {
      if (isAbort(error)) return;
      race = null;
      refusals.refuse(error);
    }
    const count = race ? Math.max(...race.runs.map((r) => r.points.length)) : 1;
    timeline.setCount(count);
    const step = Math.min(page.state.get().step, count - 1);
    timeline.setStep(step);
    if (step !== page.state.get().step) page.state.set({ step });
    drawLoss();
    render();
  }

  // A refused learning rate still goes to the server, which says what is wrong, next to the
  // rate's field; the race keeps its last good rate meanwhile.
  function checkRate(spec, control) {
    if (!page.surface) return; // a link's own f(x, y) has not worked yet: nothing to ask about
    const payload = { surface: surfaceRef(page.surface), start: startPoint(page), steps: 1, optimizers: [spec] };
    postRace(payload).catch((error) => isAbort(error) || refusals.refuse(error, control));
  }

  return { loadSurface, run, render, checkRate, setStep: (i) => timeline.setStep(i) };
}
