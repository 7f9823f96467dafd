// /activations: curves and derivatives from POST /api/activations, overlaid and read by hover;
// the saturated zones of the function in focus shaded; two experiments (vanishing gradients,
// dead ReLU) from their endpoints, seeded so the URL reproduces the same draws. Labels, default
// α and every control's limits come from the catalogue.

import { readCatalogue } from "../../catalogue.js";
import { createState } from "../../state.js";
import { wireControls, buildFunctionList, syncControls } from "./controls.js";
import { createCurves } from "./curves.js";
import { createDead } from "./dead.js";
import { RELU_PIECES } from "./helpers.js";
import { createVanishing } from "./vanishing.js";

const catalogue = readCatalogue();
const NAMES = Object.keys(catalogue.functions);
const DISTRIBUTIONS = ["normal", "uniform"];
const CURVE_KEYS = ["fns", "focus", "range", "thr", "deriv", "la", "pa", "ea", "pieces"];
const CURVE_FETCH_KEYS = ["fns", "range", "la", "pa", "ea", "pieces"];
const VANISH_KEYS = ["vd", "vdist", "vloc", "vscale", "vn", "vseed", "vstat"];
const DEAD_KEYS = ["dw", "db", "ddist", "dloc", "dscale", "dn", "dseed"];

const page = {
  catalogue,
  state: createState({
    ...catalogue.controls,
    fns: { type: "string", default: "sigmoid,tanh,relu" },
    focus: { type: "string", default: "sigmoid", options: NAMES },
    thr: { type: "string", default: "0.01", options: ["0.1", "0.05", "0.01", "0.001"] },
    deriv: { type: "bool", default: true },
    pieces: { type: "string", default: RELU_PIECES },
    vk: { type: "int", default: 0, min: 0, max: catalogue.controls.vd.max },
    vdist: { type: "string", default: "normal", options: DISTRIBUTIONS },
    vstat: { type: "string", default: "mean", options: ["mean", "median"] },
    ddist: { type: "string", default: "normal", options: DISTRIBUTIONS },
  }),
};
const curves = createCurves(page);
const vanishing = createVanishing(page);
const dead = createDead(page);

page.state.subscribe((values, changed) => {
  const has = (keys) => changed.some((key) => keys.includes(key));
  syncControls(page);
  if (has(CURVE_KEYS)) {
    if (has(CURVE_FETCH_KEYS)) curves.load();
    else curves.draw();
  } else if (changed.includes("x")) {
    curves.readout(values.x);
  }
  if (has(VANISH_KEYS)) {
    if (changed.every((key) => key === "vstat" || !VANISH_KEYS.includes(key))) vanishing.draw();
    else vanishing.load();
  } else if (changed.includes("vk")) {
    vanishing.render();
  }
  if (has(DEAD_KEYS)) dead.load();
});

buildFunctionList(page);
wireControls(page, dead);
syncControls(page);
page.state.writeUrl();
curves.load();
vanishing.load();
dead.load();
