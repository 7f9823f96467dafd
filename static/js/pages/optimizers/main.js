// /optimizers: race optimisers on a toy surface (paths, loss per step, the numbers of a step),
// one optimiser at three learning rates, and grid vs random hyper-parameter search. Every number
// comes from the API; the presets (default race, learning-rate lesson, search ranges, numbers
// panel rows) from GET /api/optimizers; the limits from the page's catalogue. The state
// (surface, start, optimisers and their parameters, step, and the lessons' settings) lives in
// the URL.

import { getJSON } from "../../api.js";
import { readCatalogue } from "../../catalogue.js";
import { byId, fillSelect } from "../../dom.js";
import { explain, labelOf, outOfRange, showAt } from "../../errors.js";
import { lang, t } from "../../i18n.js";
import { createState } from "../../state.js";
import { renderCards } from "./cards.js";
import { CUSTOM, createCustom, customKeys } from "./custom.js";
import { createLrLesson } from "./lr_lesson.js";
import { defaultRace, formatOpts, paramName } from "./presets.js";
import { createRace, raceSpecs, startPoint } from "./race.js";
import { createSearch } from "./search.js";

const RACE_KEYS = ["surface", "start", "steps", "opts", "sel", "step", "sched", "noise", "seed"];

// The page: the catalogues, the state store (made once the optimisers are known) and the sections.
const page = {
  catalogue: readCatalogue(),
  surfaces: new Map(),
  optimizers: new Map(),
  grids: new Map(), // surface name -> its grid, fetched once
  surface: null, // the race's surface
  editingCard: false, // a card's own input changed the state: keep its DOM (a slider mid-drag)
  state: null,
};

function makeState(optimizerList) {
  const { controls, max_optimizers: max } = page.catalogue;
  const searchable = optimizerList.filter((o) => o.search_ranges).map((o) => o.name);
  const searchDefault = searchable.includes("adam") ? "adam" : searchable[0];
  const first = optimizerList[0];
  return createState({
    ...controls,
    ...customKeys(page.catalogue.custom),
    surface: { type: "string", default: "rosenbrock" },
    start: { type: "floats", default: [] },
    opts: { type: "string", default: defaultRace(optimizerList) },
    sel: { type: "int", default: 0, min: 0, max: max - 1 },
    step: { type: "int", default: 0, min: 0 },
    sched: { type: "string", default: "constant", options: ["constant", "step", "cosine"] },
    lr_opt: { type: "string", default: first.name, options: optimizerList.map((o) => o.name) },
    lr_surface: { type: "string", default: first.lesson.surface },
    lrs: { type: "floats", default: first.lesson.rates },
    s_opt: { type: "string", default: searchDefault, options: searchable },
    s_lr: { type: "floats", default: page.optimizers.get(searchDefault).search_ranges.lr },
  });
}

function fillMenus() {
  const surfaces = [...page.surfaces.values()].map((s) => [s.name, s.label]);
  const optimizers = [...page.optimizers.values()];
  fillSelect(byId("race-surface"), surfaces);
  fillSelect(byId("lr-surface"), surfaces);
  fillSelect(byId("race-add-kind"), optimizers.map((o) => [o.name, o.label]));
  fillSelect(byId("lr-opt"), optimizers.map((o) => [o.name, o.label]));
  fillSelect(byId("search-opt"), optimizers.filter((o) => o.search_ranges).map((o) => [o.name, `${o.label} (α × ${paramName(o, o.search_second, lang)})`]));
}

function syncRaceInputs(values) {
  byId("race-steps").value = String(values.steps);
  byId("race-sched").value = values.sched;
  byId("race-noise").value = String(values.noise);
  byId("race-seed").value = String(values.seed);
}

// A number field for a catalogue control: a refused value is explained next to it (and kept, not
// clamped or reverted); an accepted one clears the sentence and goes into the state.
function checked(state, id, key) {
  const input = byId(id);
  input.addEventListener("change", () => {
    const refused = outOfRange(labelOf(input), page.catalogue.controls[key], input.value, state.get()[key]);
    showAt(input, refused);
    if (!refused) state.set({ [key]: Number(input.value) });
  });
}

function wireRace(state) {
  byId("race-controls").addEventListener("submit", (event) => event.preventDefault());
  byId("race-surface").addEventListener("change", (event) => state.set({ surface: event.target.value, start: [], step: 0 }));
  const setStart = (event) => {
    const [sx, sy] = [byId("race-sx").value, byId("race-sy").value];
    const [x, y] = [Number(sx), Number(sy)];
    if (sx !== "" && sy !== "" && Number.isFinite(x) && Number.isFinite(y)) state.set({ start: [x, y], step: 0 });
    else showAt(event.target, t("{name} must be a number, such as {example}.", { name: labelOf(event.target), example: startPoint(page)[event.target === byId("race-sx") ? 0 : 1] }));
  };
  byId("race-sx").addEventListener("change", setStart);
  byId("race-sy").addEventListener("change", setStart);
  byId("race-default-start").addEventListener("click", () => state.set({ start: [], step: 0 }));
  byId("race-steps").addEventListener("change", (event) => state.set({ steps: Number(event.target.value) }));
  byId("race-sched").addEventListener("change", (event) => state.set({ sched: event.target.value }));
  checked(state, "race-noise", "noise");
  checked(state, "race-seed", "seed");
  byId("race-add").addEventListener("click", () => {
    const specs = raceSpecs(page);
    if (specs.length >= page.catalogue.max_optimizers) return;
    const name = byId("race-add-kind").value;
    specs.push({ name, lr: page.optimizers.get(name).params.lr.default });
    state.set({ opts: formatOpts(specs), sel: specs.length - 1 });
  });
  byId("race-reset").addEventListener("click", () => state.reset(RACE_KEYS));
  byId("race-selected").addEventListener("change", (event) => state.set({ sel: Number(event.target.value) }));
}

function wireLessons(state) {
  const { controls } = page.catalogue;
  byId("lr-controls").addEventListener("submit", (event) => event.preventDefault());
  byId("lr-opt").addEventListener("change", (event) => {
    const { lesson } = page.optimizers.get(event.target.value);
    state.set({ lr_opt: event.target.value, lrs: lesson.rates, lr_surface: lesson.surface, lr_steps: controls.lr_steps.default });
  });
  byId("lr-surface").addEventListener("change", (event) => state.set({ lr_surface: event.target.value }));
  for (let k = 0; k < 3; k++) {
    byId(`lr-${k}`).addEventListener("change", (event) => {
      const lrs = [...state.get().lrs];
      lrs[k] = Number(event.target.value);
      state.set({ lrs });
    });
  }
  checked(state, "lr-steps", "lr_steps");
  byId("search-controls").addEventListener("submit", (event) => event.preventDefault());
  byId("search-opt").addEventListener("change", (event) => {
    state.set({ s_opt: event.target.value, s_lr: page.optimizers.get(event.target.value).search_ranges.lr });
  });
  byId("search-budget").addEventListener("change", (event) => state.set({ s_budget: Number(event.target.value) }));
  checked(state, "search-steps", "s_steps");
  const setRange = () => state.set({ s_lr: [Number(byId("search-lo").value), Number(byId("search-hi").value)] });
  byId("search-lo").addEventListener("change", setRange);
  byId("search-hi").addEventListener("change", setRange);
  checked(state, "search-seed", "s_seed");
}

function subscribe(race, lesson, search) {
  page.state.subscribe(async (values, changed) => {
    const has = (...keys) => keys.some((key) => changed.includes(key));
    if (has("surface")) {
      if (!page.surfaces.has(values.surface)) return;
      await race.loadSurface();
    }
    if ((has("opts") && !page.editingCard) || has("sel")) renderCards(page, race);
    const drawn = page.surface !== null; // false: the link's own f(x, y) has not worked yet
    if (drawn && has("surface", "start", "steps", "opts", "noise", "seed", "sched")) {
      syncRaceInputs(values);
      await race.run();
    } else if (drawn && has("step", "sel")) {
      race.setStep(values.step);
      race.render();
    }
    if (has("lr_opt", "lr_surface", "lrs", "lr_steps")) lesson.run();
    if (drawn && has("surface", "start", "s_opt", "s_budget", "s_steps", "s_lr", "s_seed")) search.run();
  });
}

// Your own f(x, y) changed (custom.js registered it): redraw what runs on it.
async function customChanged(race, lesson, search) {
  const { surface, lr_surface: lrSurface } = page.state.get();
  if (lrSurface === CUSTOM) lesson.run();
  if (surface !== CUSTOM) return;
  await race.loadSurface();
  await race.run();
  search.run();
}

async function init() {
  let optimizerList;
  try {
    const [surfaceList, list] = await Promise.all([getJSON("/api/surfaces"), getJSON("/api/optimizers")]);
    page.surfaces = new Map(surfaceList.map((s) => [s.name, s]));
    page.optimizers = new Map(list.map((o) => [o.name, o]));
    optimizerList = list;
  } catch (error) {
    byId("race-error").textContent = explain(error);
    return;
  }
  page.state = makeState(optimizerList);
  const race = createRace(page);
  const lesson = createLrLesson(page);
  const search = createSearch(page);
  fillMenus();
  const custom = createCustom(page, { onSurface: () => customChanged(race, lesson, search), t });
  const ready = await custom.start(); // false: the link's f(x, y) does not work (said at its field)
  const { surface } = page.state.get();
  if (surface !== CUSTOM && !page.surfaces.has(surface)) page.state.set({ surface: "rosenbrock" });
  syncRaceInputs(page.state.get());
  wireRace(page.state);
  wireLessons(page.state);
  subscribe(race, lesson, search);
  renderCards(page, race);
  if (ready) {
    await race.loadSurface();
    await race.run();
    race.setStep(page.state.get().step);
    race.render();
  } else {
    byId("race-error").textContent = t("Nothing to race on until f(x, y) above works.");
  }
  page.state.writeUrl();
  lesson.run();
  if (ready) search.run();
}

init();
