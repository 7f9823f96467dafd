// /training: weight initialisation (every scheme through the same network, histograms per layer
// and the std per layer) and batch normalisation of a small editable batch with the arithmetic
// of one cell, the notes' mistake and the backward; then the initial-loss check. Values are
// seeded in the page (static/js/seeded.js), so the URL reproduces every number. Scheme labels
// and control limits come from the catalogue.

import { readCatalogue } from "../../catalogue.js";
import { byId } from "../../dom.js";
import { labelOf, outOfRange, showAt } from "../../errors.js";
import { t } from "../../i18n.js";
import { createState } from "../../state.js";
import { createBatchNorm } from "./batchnorm.js";
import { createInit } from "./init.js";

const catalogue = readCatalogue();
const { controls } = catalogue;
const INIT_KEYS = ["scheme", "act", "layers", "width", "batch", "seed"];
const BN_KEYS = ["n", "d", "bseed", "eps", "grad", "ed"];

const page = {
  catalogue,
  state: createState({
    ...controls,
    scheme: { type: "string", default: "small", options: Object.keys(catalogue.schemes) },
    act: { type: "string", default: "tanh", options: ["tanh", "relu"] },
    width: { type: "string", default: "500", options: catalogue.widths.map(String) },
    batch: { type: "string", default: "500", options: catalogue.batches.map(String) },
    il: { type: "int", default: 7, min: 1, max: controls.layers.max },
    eps: { type: "string", default: "0.00001", options: ["0.00001", "0.001", "0.1"] },
    grad: { type: "string", default: "seeded", options: ["seeded", "ones"] },
    ed: { type: "string", default: "" },
    ci: { type: "int", default: 0, min: 0, max: controls.n.max - 1 },
    cj: { type: "int", default: 0, min: 0, max: controls.d.max - 1 },
  }),
};
const init = createInit(page);
const batchnorm = createBatchNorm(page);

// ---- initial loss: ln(C) for C classes ----

function renderLoss() {
  const c = page.state.get().classes;
  byId("check-classes").value = String(c);
  byId("check-loss").textContent = t("expected initial loss ≈ ln({c}) = {loss}", { c, loss: Math.log(c).toFixed(3) });
}

// ---- controls <-> state ----

function syncControls() {
  const v = page.state.get();
  const ic = byId("init-controls").elements;
  for (const key of ["scheme", "act", "layers", "width", "batch", "seed"]) ic[key].value = String(v[key]);
  byId("init-layers-value").textContent = String(v.layers);
  const bc = byId("bn-controls").elements;
  for (const key of ["n", "d", "eps", "grad"]) bc[key].value = String(v[key]);
  bc.seed.value = String(v.bseed);
}

function onInitChange(event) {
  const target = event.target;
  if (["scheme", "act", "width", "batch"].includes(target.name)) page.state.set({ [target.name]: target.value });
  else if (target.name === "layers") page.state.set({ layers: Number(target.value) });
  else if (target.name === "seed") checked(target, "seed");
}

// A whole-number field for a catalogue control: refused values are explained next to it and kept
// as typed; an accepted one goes into the state.
function checked(input, key) {
  const refused = outOfRange(labelOf(input), controls[key], input.value, page.state.get()[key]);
  showAt(input, refused);
  if (!refused) page.state.set({ [key]: Number(input.value) });
}

function onBnChange(event) {
  const target = event.target;
  if (target.name === "eps" || target.name === "grad") page.state.set({ [target.name]: target.value });
  const keys = { n: "n", d: "d", seed: "bseed" };
  if (keys[target.name]) checked(target, keys[target.name]);
}

byId("init-controls").addEventListener("input", (event) => {
  if (event.target.name === "layers") byId("init-layers-value").textContent = event.target.value;
});
byId("init-controls").addEventListener("change", onInitChange);
byId("bn-controls").addEventListener("change", onBnChange);
for (const id of ["init-controls", "bn-controls"]) byId(id).addEventListener("submit", (event) => event.preventDefault());
byId("bn-reset").addEventListener("click", () => page.state.set({ ed: "" }));
byId("check-classes").addEventListener("change", (event) => checked(event.target, "classes"));

page.state.subscribe((v, changed) => {
  const has = (keys) => changed.some((k) => keys.includes(k));
  syncControls();
  if (has(INIT_KEYS)) init.load();
  else if (changed.includes("il")) init.renderLayer();
  if (has(BN_KEYS)) batchnorm.load();
  else if (has(["ci", "cj"])) batchnorm.render();
  if (changed.includes("classes")) renderLoss();
});

syncControls();
renderLoss();
page.state.writeUrl();
init.load();
batchnorm.load();
