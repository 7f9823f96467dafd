// /pooling: max and average pooling stepped window by window, forward and backward. State
// (configuration, seed, edits, step) lives in the URL; values come from a seeded generator plus
// the learner's edits; every forward number comes from POST /api/pool2d, and the final dL/dx is
// checked against POST /api/pool2d/backward. Controls and their limits come from the catalogue.

import { isAbort, postJSON } from "../../api.js";
import { coalesced } from "../../coalesce.js";
import { mountCodePanel } from "../../code_mount.js";
import { readCatalogue } from "../../catalogue.js";
import { byId, el } from "../../dom.js";
import { t } from "../../i18n.js";
import { createRefusals, fieldMap, labelOf, outOfRange } from "../../errors.js";
import { createState } from "../../state.js";
import { createTimeline } from "../../widgets/timeline.js";
import { buildInput, buildOutputs } from "./grids.js";
import { renderSize } from "./size.js";
import { markUnvisited, renderStep } from "./stepper.js";
import { makeGradient, makeInput } from "./values.js";

const { controls } = readCatalogue();
const CONFIG_KEYS = ["mode", "h", "w", "c", "k", "s", "p", "seed", "global", "edits"];
const form = byId("pool-controls");

const page = {
  state: createState({
    mode: { type: "string", default: "max", options: ["max", "avg"] },
    ...controls,
    global: { type: "bool", default: false },
    edits: { type: "string", default: "" },
    step: { type: "int", default: 0, min: 0 },
    edit: { type: "bool", default: false },
  }),
  timeline: null,
  view: null, // { v, x, response, backward, grad, grids: { input, output, upstream, dx }, ph, pw }
};
const fetchPool = coalesced((payload) => postJSON("/api/pool2d", payload));
const fetchBackward = coalesced((payload) => postJSON("/api/pool2d/backward", payload));

// A typed cell the API refused, from its field: "input[0][1][2]" -> "The input value at ...".
function cellName(field) {
  const at = (field.match(/\d+/g) || []).map(Number);
  if (at.length !== 3) return undefined;
  if (field.startsWith("input")) return t("The input value at channel {c}, row {row}, column {col}", { c: at[0], row: at[1], col: at[2] });
  if (field.startsWith("grad_output")) return t("The upstream gradient at channel {c}, row {row}, column {col}", { c: at[0], row: at[1], col: at[2] });
  return undefined;
}

// A refusal is said next to the control the learner changed last, else next to the API field's
// control (a shared link), else under the controls.
const refusals = createRefusals(
  byId("pool-error"),
  fieldMap({
    size: () => form.elements.k,
    stride: () => form.elements.s,
    padding: () => form.elements.p,
    mode: () => form.elements.mode,
    global_pool: () => form.elements.global,
  }),
  cellName,
);
let touched = null;
const code = mountCodePanel(byId("pool-code"), "/api/pool2d");

function payloadOf(v, x) {
  const payload = { input: x, mode: v.mode, size: v.k, padding: v.p };
  if (v.s > 0) payload.stride = v.s;
  if (v.global) payload.global_pool = true;
  return payload;
}

function showError(error) {
  const cell = !touched && error.field && cellName(error.field);
  refusals.refuse(error, touched, cell ? undefined : (sentence) => t("This combination does not work. {sentence}", { sentence }));
  for (const id of ["pool-output", "pool-upstream", "pool-grad"]) byId(id).replaceChildren();
  for (const id of ["pool-output-dims", "pool-upstream-dims", "pool-grad-dims", "pool-grad-check"]) byId(id).textContent = "";
  byId("pool-output").append(el("p", "message note", t("No output: change the window size, padding or stride above.")));
  byId("pool-arith").replaceChildren();
  byId("pool-arith").textContent = t("Fix the configuration above to step through the pooling.");
  page.timeline.setCount(1);
}

async function loadBackward(v, x, grad) {
  const mine = page.view;
  try {
    const backward = await fetchBackward({ ...payloadOf(v, x), trace: false, grad_output: grad });
    if (page.view === mine) {
      page.view.backward = backward;
      renderStep(page);
    }
  } catch (error) {
    if (!isAbort(error)) refusals.refuse(error, null, (sentence) => t("The backward pass was refused. {sentence}", { sentence }));
  }
}

async function recompute() {
  const v = { ...page.state.get() };
  const x = makeInput(v);
  const built = buildInput(page, v, x, null);
  page.view = { v, x, response: null, backward: null, grad: null, grids: { input: built.grids }, ph: built.ph, pw: built.pw };
  code.show({ ...payloadOf(v, x), trace: false });
  let response;
  try {
    response = await fetchPool(payloadOf(v, x));
  } catch (error) {
    if (isAbort(error)) return;
    renderSize(v, null);
    showError(error);
    return;
  }
  refusals.clear();
  touched = null;
  const input = buildInput(page, v, x, response);
  const grad = makeGradient(v, response.output_shape);
  page.view = { v, x, response, backward: null, grad, grids: { input: input.grids }, ph: input.ph, pw: input.pw };
  Object.assign(page.view.grids, buildOutputs(page, v, response, grad));
  renderSize(v, response);
  markUnvisited(page.view);
  page.timeline.setCount(response.steps.length);
  const step = Math.min(page.state.get().step, response.steps.length - 1);
  page.timeline.setStep(step);
  if (step !== page.state.get().step) page.state.set({ step });
  renderStep(page);
  loadBackward(v, x, grad);
}

// ---- controls ----

function syncForm() {
  const v = page.state.get();
  for (const key of ["h", "w", "c", "k", "p", "seed"]) form.elements[key].value = v[key];
  form.elements.s.value = v.s > 0 ? v.s : "";
  form.elements.mode.value = v.mode;
  form.elements.global.checked = v.global;
  form.elements.edit.checked = v.edit;
  for (const key of ["k", "s", "p"]) form.elements[key].disabled = v.global;
}

function onChange(event) {
  const target = event.target;
  touched = null;
  if (target.name === "edit") return page.state.set({ edit: target.checked });
  if (target.name === "global") return page.state.set({ global: target.checked, step: 0 });
  if (target.name === "mode") return page.state.set({ mode: target.value });
  const empty = target.name === "s" && target.value.trim() === ""; // stride: empty = the window size
  const kept = page.state.get()[target.name];
  const refused = empty ? null : outOfRange(labelOf(target), controls[target.name], target.value, target.name === "s" && !kept ? t("the window size") : kept);
  if (refused) {
    refusals.show(target, refused);
    return undefined;
  }
  touched = target;
  const value = empty ? 0 : Number(target.value);
  const patch = { [target.name]: value };
  if (["h", "w", "c"].includes(target.name)) patch.edits = "";
  return page.state.set(patch);
}

form.addEventListener("change", onChange);
form.addEventListener("submit", (event) => event.preventDefault());
byId("pool-gap").addEventListener("click", () => page.state.set({ mode: "avg", global: true, step: 0 }));
byId("pool-randomize").addEventListener("click", () => {
  const seed = Math.floor(Math.random() * (Math.min(controls.seed.max, 999999) + 1));
  page.state.set({ seed, edits: "", step: 0 });
});
byId("pool-reset").addEventListener("click", () => page.state.reset([...CONFIG_KEYS, "step", "edit"]));

page.timeline = createTimeline(byId("pool-timeline"), {
  count: 1,
  step: page.state.get().step,
  label: t("Pooling steps"),
  onStep: (i) => page.state.set({ step: i }),
});

page.state.subscribe((values, changed) => {
  syncForm();
  if (changed.some((key) => CONFIG_KEYS.includes(key))) {
    recompute();
    return;
  }
  if (changed.includes("edit") && page.view) {
    page.view.grids.input.forEach((grid) => grid.setEditable(values.edit));
    (page.view.grids.upstream || []).forEach((grid) => grid.setEditable(values.edit));
  }
  if (changed.includes("step")) {
    page.timeline.setStep(values.step);
    renderStep(page);
  }
});

syncForm();
page.state.writeUrl();
recompute();
