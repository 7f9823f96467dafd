// /filters: an image through conv -> ReLU -> pooling, per filter, with the arithmetic of any
// output pixel from POST /api/image/probe. The configuration lives in the URL (state.js); the
// image does not: it is prepared once per file (upload.js) and that small copy is sent with each
// change. Requests are coalesced: at most one in flight, the latest configuration wins.

import { ApiError, postForm, siteUrl } from "../../api.js";
import { mountCodePanel } from "../../code_mount.js";
import { readCatalogue } from "../../catalogue.js";
import { createCoalescer } from "../../coalesce.js";
import { byId } from "../../dom.js";
import { renderControls, setUpControls } from "./controls.js";
import { clearErrors, placeError, showError } from "./errors.js";
import { buildSpec } from "./kernel.js";
import { clearMaps, renderMaps } from "./maps.js";
import { createPointer } from "./pointer.js";
import { regionPixels } from "./probe.js";
import { SAMPLES, TEXT } from "./text.js";
import { prepareImage } from "./upload.js";
import { createState } from "../../state.js";

const catalogue = readCatalogue();

const page = {
  catalogue,
  presetNames: catalogue.presets.map((p) => p.name),
  state: createState({
    ...catalogue.controls,
    sample: { type: "string", default: "shapes", options: ["", ...SAMPLES.map(([n]) => n)] },
    color: { type: "string", default: "gray", options: ["gray", "rgb", "full"] },
    presets: { type: "string", default: "sobel_x,sobel_y" },
    custom: { type: "bool", default: false },
    kernel: { type: "floats", default: [] },
    padding: { type: "string", default: "same", options: ["same", "valid"] },
    activation: { type: "string", default: "relu", options: ["relu", "none"] },
    pool: { type: "string", default: "max", options: ["none", "max", "avg"] },
    mode: { type: "string", default: "cross-correlation", options: ["cross-correlation", "convolution"] },
    contrast: { type: "string", default: "robust", options: ["robust", "full"] },
    view: { type: "string", default: "signed", options: ["signed", "magnitude"] },
  }),
  image: null, // { blob, name, note, id }: what every request sends (upload.js)
  imageCount: 0,
  result: null, // the last filter response drawn
  input: null, // its `input` decoded: { C, H, W, raw, canvas, key }
  lastSpec: null,
  inputView: null,
  views: [], // per map: { conv, activation, pool } -> featuremap widget
  zoom: null, // the full-resolution view: { f, name, view }
  kernelGrids: [],
  pinned: null, // { f, name, r, c }
  runTimer: null, // the next run, while a kernel is being typed
  localError: false, // a control holds a value the page cannot send (said next to it)
};
page.pointer = createPointer(page);
page.code = mountCodePanel(byId("fl-code"), "/api/image/filter");

// The Code panel's body: the image as the filters saw it (the response's exact `input`
// integers) and the spec, only for images a program can hold (app.codegen.filters).
function codeBody(input, spec) {
  const side = catalogue.code_side;
  if (Math.max(input.W, input.H) > side) throw new Error(TEXT.codeTooLarge(input.W, input.H, side));
  return { pixels: regionPixels(input.raw, input, { r0: 0, r1: input.H, c0: 0, c1: input.W }), scale: input.scale, spec };
}

const inputKey = (image, spec) => `${image.id}:${spec.color}`;

// One request: the spec as the state says at the moment it is sent; the input pixels only when
// the page does not hold them for this image and colour yet.
async function send({ image, spec }) {
  const key = inputKey(image, spec);
  const wanted = { ...spec, input: !(page.input && page.input.key === key) };
  const form = new FormData();
  form.append("file", image.blob, image.name);
  form.append("spec", JSON.stringify(wanted));
  const started = performance.now();
  const data = await postForm("/api/image/filter", form);
  return { data, key, spec, seconds: (performance.now() - started) / 1000 };
}

async function show({ data, key, spec, seconds }) {
  clearErrors();
  page.lastSpec = spec;
  await renderMaps(page, data, key);
  const input = page.input;
  page.code.show(() => codeBody(input, spec));
  byId("fl-status").textContent = TEXT.done(data.maps.length, data, seconds);
}

function refuse(error, target) {
  const { slot, text } = placeError(error, target.spec.filters.findIndex((f) => f.kernel));
  showError(slot, text);
  // The maps of an earlier request are not the answer to this one: none are shown.
  clearMaps(page);
  page.code.show(null);
  if (slot === "fl-error" && error instanceof ApiError && error.field === "file") page.image = null;
  byId("fl-status").textContent = TEXT.refused;
}

const runs = createCoalescer(send, {
  delay: 120,
  onResult: (answer) => show(answer).catch((error) => refuse(error, answer)),
  onError: refuse,
});

async function loadSample(name) {
  // A static file of this site, read once to upload it like a learner's own image.
  const response = await fetch(siteUrl(`/static/img/samples/${name}.png`));
  if (!response.ok) throw new ApiError(response.status, TEXT.sampleFailed(name), "file");
  page.image = { blob: await response.blob(), name: `${name}.png`, note: "", id: `sample:${name}` };
}

async function run() {
  window.clearTimeout(page.runTimer);
  if (page.localError) return; // the control's own message says what to change
  const s = page.state.get();
  try {
    if (s.sample && (!page.image || page.image.id !== `sample:${s.sample}`)) await loadSample(s.sample);
  } catch (error) {
    showError("fl-error", placeError(error, -1).text);
    return;
  }
  if (!page.image) {
    clearMaps(page);
    byId("fl-status").textContent = TEXT.pickImage;
    return;
  }
  const spec = buildSpec(s, page.presetNames, catalogue.preview_side);
  if (!spec.filters.length) {
    showError("fl-presets-error", TEXT.pickFilter);
    clearMaps(page);
    byId("fl-status").textContent = "";
    return;
  }
  byId("fl-status").textContent = TEXT.computing;
  runs.request({ image: page.image, spec });
}

function scheduleRun(delay) {
  window.clearTimeout(page.runTimer);
  page.runTimer = window.setTimeout(run, delay);
}

async function useFile(file) {
  byId("fl-status").textContent = TEXT.preparingImage;
  const prepared = await prepareImage(file, catalogue.working_size);
  page.imageCount += 1;
  page.image = { ...prepared, id: `file:${page.imageCount}` };
  if (page.state.get().sample) page.state.set({ sample: "" }); // the change runs the filters
  else run();
}

page.run = run;
setUpControls(page, useFile);
renderControls(page);
page.state.subscribe((values, changed) => {
  renderControls(page);
  // Typing in the kernel editor waits a little for the next number.
  scheduleRun(changed.length === 1 && changed[0] === "kernel" ? 250 : 0);
});
page.state.writeUrl();
run();
