// /conv-transpose: transposed convolution, stepped as a scatter of stamps or as the equivalent
// direct convolution of the zero-stuffed input. State (settings, seed, edits, view, step) lives
// in the URL; every number shown for a step comes from POST /api/conv_transpose2d. Controls,
// presets and fills come from the catalogue (app/pages.py).

import { isAbort, postJSON } from "../../api.js";
import { coalesced } from "../../coalesce.js";
import { readCatalogue } from "../../catalogue.js";
import { mountCodePanel } from "../../code_mount.js";
import { byId, el } from "../../dom.js";
import { createState } from "../../state.js";
import { createTimeline } from "../../widgets/timeline.js";
import { SHAPE_KEYS, bindControls, clearErrors, showRefusal, syncForm } from "./controls.js";
import { buildDirect, directCount, renderDirect } from "./direct.js";
import { buildOperands, setEditable } from "./operands.js";
import { buildScatter, renderScatter, scatterCount } from "./scatter.js";
import { renderSize } from "./size.js";
import { TEXT } from "./text.js";
import { makeValues, stampsByCell } from "./values.js";

const catalogue = readCatalogue();
const defaults = catalogue.presets.find((p) => p.name === catalogue.default_preset).settings;
const CONFIG_KEYS = [...SHAPE_KEYS, "s", "p", "op", "d", "seed", "fill", "edits"];
const VIEWS = { scatter: [buildScatter, renderScatter, scatterCount], direct: [buildDirect, renderDirect, directCount] };

const page = {
  catalogue,
  state: createState({
    ...catalogue.controls,
    fill: { type: "string", default: defaults.fill, options: Object.keys(catalogue.fills) },
    view: { type: "string", default: "scatter", options: Object.keys(VIEWS) },
    step: { type: "int", default: 0, min: 0 },
    edits: { type: "string", default: "" },
    edit: { type: "bool", default: false },
  }),
  timeline: null,
  view: null, // { v, values, operands, response, stamps, grids }
  render: () => renderView(),
  // A tapped cell's arithmetic stays until the step changes (a touch "leaves" as it lifts).
  pinned: null,
  pin(show) {
    page.pinned = show;
    show();
  },
  restore: () => (page.pinned ? page.pinned() : renderView()),
};
const fetchTranspose = coalesced((payload) => postJSON("/api/conv_transpose2d", payload));
const code = mountCodePanel(byId("ct-code"), "/api/conv_transpose2d");

function renderView() {
  page.pinned = null;
  const view = page.view;
  if (!view || !view.response || !view.grids) return;
  VIEWS[page.state.get().view][1](page);
}

// Shows the current view's grids for the last answer, sized to its steps.
function buildView() {
  const { view: name, step } = page.state.get();
  const [build, , count] = VIEWS[name];
  byId("ct-scatter").hidden = name !== "scatter";
  byId("ct-scale").hidden = false;
  byId("ct-direct").hidden = name !== "direct";
  byId("ct-view-note").textContent = name === "direct" ? TEXT.viewNote.direct(page.view.response.direct) : TEXT.viewNote.scatter;
  build(page);
  const n = count(page.view.response);
  page.timeline.setCount(n);
  const clamped = Math.min(step, n - 1);
  page.timeline.setStep(clamped);
  if (clamped !== step) page.state.set({ step: clamped });
  byId("ct-output-dims").textContent = TEXT.outputDims(page.view.response.output_shape);
  renderView();
}

function showNoOutput(v, field) {
  renderSize(v, null, field === "output_padding");
  for (const id of ["ct-canvas", "ct-stuffed", "ct-flipped"]) byId(id).replaceChildren();
  byId("ct-output").replaceChildren(el("p", "message note", TEXT.noOutput));
  byId("ct-scale").hidden = true;
  for (const id of ["ct-output-dims", "ct-canvas-dims", "ct-stuffed-dims", "ct-flipped-dims"]) byId(id).textContent = "";
  byId("ct-arith").textContent = TEXT.fixFirst;
  page.timeline.setCount(1);
}

async function recompute() {
  const v = { ...page.state.get() };
  const values = makeValues(v, catalogue.fills[v.fill]);
  const operands = buildOperands(page, v, values);
  page.view = { v, values, operands, response: null, stamps: new Map(), grids: null };
  const payload = {
    input: values.x,
    weights: values.w,
    bias: values.b,
    stride: v.s,
    padding: v.p,
    output_padding: v.op,
    dilation: v.d,
  };
  code.show({ ...payload, trace: false });
  let response;
  try {
    response = await fetchTranspose(payload);
  } catch (error) {
    if (isAbort(error)) return;
    clearErrors();
    showNoOutput(v, showRefusal(page, v, error));
    return;
  }
  clearErrors();
  Object.assign(page.view, { response, stamps: stampsByCell(response.steps) });
  renderSize(v, response);
  buildView();
}

page.timeline = createTimeline(byId("ct-timeline"), {
  count: 1,
  step: page.state.get().step,
  label: TEXT.timeline,
  onStep: (i) => page.state.set({ step: i }),
});

page.state.subscribe((values, changed) => {
  syncForm(page);
  if (changed.some((key) => CONFIG_KEYS.includes(key))) {
    recompute();
    return;
  }
  if (changed.includes("edit") && page.view) setEditable(page.view.operands, values.edit);
  if (changed.includes("view") && page.view && page.view.response) {
    buildView();
    return;
  }
  if (changed.includes("step")) {
    page.timeline.setStep(values.step);
    renderView();
  }
});

bindControls(page);
syncForm(page);
page.state.writeUrl();
recompute();
