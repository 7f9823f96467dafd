// /conv: the CS231n-style convolution stepper. State (configuration, seed, edits, step, pin) lives
// in the URL; values come from a seeded generator plus the learner's edits; every number shown
// for a step comes from POST /api/conv2d (the backward mode's from /api/conv2d/backward, see
// backward.js). Controls and their limits come from the catalogue.

import { isAbort, postJSON } from "../../api.js";
import { coalesced } from "../../coalesce.js";
import { readCatalogue } from "../../catalogue.js";
import { byId, el } from "../../dom.js";
import { createRefusals, fieldMap, labelOf, outOfRange } from "../../errors.js";
import { mountCodePanel } from "../../code_mount.js";
import { createState } from "../../state.js";
import { createTimeline } from "../../widgets/timeline.js";
import { BACKWARD_KEYS, backwardState, createBackward } from "./backward.js";
import { renderSize } from "./size.js";
import { markUnvisited, renderPin, renderStep } from "./stepper.js";
import { TEXT } from "./text.js";
import { feedsMap, makeValues } from "./values.js";
import { buildGrids, buildOutputGrids, setEditable } from "./volumes.js";

const { controls } = readCatalogue();
const SHAPE_KEYS = ["h", "w", "c", "f", "k"];
const CONFIG_KEYS = [...SHAPE_KEYS, "s", "p", "d", "mode", "seed", "edits"];
const form = byId("conv-controls");

// The page: its state store, the widgets, and the view of the last configuration computed.
const page = {
  state: createState({
    ...controls,
    mode: { type: "string", default: "cross-correlation", options: ["cross-correlation", "convolution"] },
    edits: { type: "string", default: "" },
    step: { type: "int", default: 0, min: 0 },
    pin: { type: "string", default: "" },
    edit: { type: "bool", default: false },
    ...backwardState(),
  }),
  timeline: null,
  view: null, // { v, values, grids, response, outputGrids, feeds, backward }
  backward: null, // the backward mode (backward.js)
};
const fetchConv = coalesced((payload) => postJSON("/api/conv2d", payload));

// A refusal is said next to the control the learner changed last (what they just did), or next
// to the control of the API's field when the page opened with it (a shared link).
const refusals = createRefusals(
  byId("conv-error"),
  fieldMap({
    input: (field) => (field.includes("[") ? null : form.elements.h),
    weights: (field) => (field.includes("[") ? null : form.elements.k),
    stride: () => form.elements.s,
    padding: () => form.elements.p,
    dilation: () => form.elements.d,
    mode: () => form.elements.mode,
  }),
  TEXT.cellName,
);
let touched = null;
page.code = mountCodePanel(byId("conv-code"), "/api/conv2d");

function showRefusal(v, error) {
  const cell = !touched && error.field && TEXT.cellName(error.field);
  refusals.refuse(error, touched, cell ? undefined : TEXT.refused);
  byId("conv-output").replaceChildren(el("p", "message note", TEXT.noOutput));
  byId("conv-output-dims").textContent = "";
  byId("conv-arith").replaceChildren();
  byId("conv-arith").textContent = TEXT.fixFirst;
  renderSize(v, null);
  byId("conv-fit-note").textContent = "";
  page.timeline.setCount(1);
}

async function recompute() {
  const v = { ...page.state.get() };
  const values = makeValues(v);
  const grids = buildGrids(page, v, values);
  page.view = { v, values, grids, response: null, outputGrids: [], feeds: new Map(), backward: null };
  page.backward.reset();
  const [before, formula, after] = TEXT.flip[v.mode];
  byId("conv-flip-note").replaceChildren(before, el("span", "math", formula), after);
  const payload = { input: values.x, weights: values.w, bias: values.b, stride: v.s, padding: v.p, dilation: v.d, mode: v.mode };
  // The backward view shows /api/conv2d/backward's programs (backward.js hands over its body).
  page.code.show(page.backward.active() ? null : { ...payload, trace: false });
  let response;
  try {
    response = await fetchConv(payload);
  } catch (error) {
    if (!isAbort(error)) showRefusal(v, error);
    return;
  }
  refusals.clear();
  touched = null;
  Object.assign(page.view, { response, outputGrids: buildOutputGrids(page, response), feeds: feedsMap(response.steps) });
  renderSize(v, response);
  markUnvisited(page.view);
  if (page.backward.active()) return page.backward.recompute();
  page.timeline.setCount(response.steps.length);
  const step = Math.min(page.state.get().step, response.steps.length - 1);
  page.timeline.setStep(step);
  if (step !== page.state.get().step) page.state.set({ step });
  renderStep(page);
}

// ---- controls ----

function syncForm() {
  const v = page.state.get();
  for (const key of [...SHAPE_KEYS, "s", "p", "d", "seed"]) form.elements[key].value = v[key];
  form.elements.mode.value = v.mode;
  form.elements.edit.checked = v.edit;
}

function onChange(event) {
  const target = event.target;
  touched = null;
  if (target.name === "edit" || target.name === "mode") {
    page.state.set({ [target.name]: target.name === "edit" ? target.checked : target.value });
    return;
  }
  const refused = outOfRange(labelOf(target), controls[target.name], target.value, page.state.get()[target.name]);
  if (refused) {
    refusals.show(target, refused);
    return;
  }
  touched = target;
  const value = Number(target.value);
  const patch = { [target.name]: value, pin: "" };
  // New shapes invalidate edits made at the old shape.
  if (SHAPE_KEYS.includes(target.name)) patch.edits = "";
  page.state.set(patch);
}

form.addEventListener("change", onChange);
form.addEventListener("submit", (event) => event.preventDefault());
byId("conv-randomize").addEventListener("click", () => {
  const seed = Math.floor(Math.random() * (Math.min(controls.seed.max, 999999) + 1));
  page.state.set({ seed, edits: "", step: 0, pin: "" });
});
byId("conv-reset").addEventListener("click", () => page.state.reset([...CONFIG_KEYS, "step", "pin", "edit"]));

page.timeline = createTimeline(byId("conv-timeline"), {
  count: 1,
  step: page.state.get().step,
  label: TEXT.timeline,
  onStep: (i) => page.state.set({ step: i }),
});

page.backward = createBackward(page);
page.state.subscribe((values, changed) => {
  syncForm();
  if (changed.some((key) => CONFIG_KEYS.includes(key) || BACKWARD_KEYS.includes(key))) {
    recompute();
    return;
  }
  if (changed.includes("edit") && page.view) setEditable(page.view.grids, values.edit);
  if (changed.includes("step")) {
    page.timeline.setStep(values.step);
    renderStep(page);
  } else if (changed.includes("pin") && page.view && page.view.response) {
    renderPin(page);
  }
});

syncForm();
page.state.writeUrl();
recompute();
