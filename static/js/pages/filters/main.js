// /filters: an image through conv -> ReLU -> pooling, per filter, with the arithmetic of any
// output pixel from POST /api/image/probe. The configuration lives in the URL (state.js); the
// uploaded image does not. Presets and control limits come from the catalogue.

import { ApiError, isAbort, latestOnly, postForm } from "../../api.js";
import { readCatalogue } from "../../catalogue.js";
import { byId } from "../../dom.js";
import { createState } from "../../state.js";
import { renderControls, setUpControls } from "./controls.js";
import { buildSpec } from "./kernel.js";
import { renderMaps } from "./maps.js";
import { createPointer } from "./pointer.js";
import { SAMPLES, TEXT } from "./text.js";

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
  }),
  image: null, // { blob, name }: the image every request uploads
  result: null, // the last filter response drawn
  input: null, // its `input` decoded: { C, H, W, raw, canvas }
  lastSpec: null,
  inputView: null,
  views: [], // per map: { conv, activation, pool } -> featuremap widget
  kernelGrids: [],
  pinned: null, // { f, name, r, c }
  runTimer: null, // the next run, while a kernel is being typed
};
page.pointer = createPointer(page);

const send = latestOnly((form, options) => postForm("/api/image/filter", form, options));

async function loadSample(name) {
  // A static file of this site, read once to upload it like a learner's own image.
  const response = await fetch(`/static/img/samples/${name}.png`);
  if (!response.ok) throw new ApiError(response.status, `sample ${name} not found`);
  page.image = { blob: await response.blob(), name: `${name}.png` };
}

function showError(error) {
  byId("fl-status").textContent = "";
  byId("fl-error").textContent =
    error instanceof ApiError ? `${error.message}${error.status ? ` (HTTP ${error.status})` : ""}` : String(error);
}

async function run() {
  window.clearTimeout(page.runTimer);
  const s = page.state.get();
  byId("fl-error").textContent = "";
  try {
    if (s.sample && (!page.image || page.image.name !== `${s.sample}.png`)) await loadSample(s.sample);
    if (!page.image) {
      byId("fl-status").textContent = TEXT.pickImage;
      return;
    }
    const spec = buildSpec(s, page.presetNames);
    page.lastSpec = spec;
    if (!spec.filters.length) {
      byId("fl-error").textContent = TEXT.pickFilter;
      return;
    }
    const form = new FormData();
    form.append("file", page.image.blob, page.image.name);
    form.append("spec", JSON.stringify(spec));
    byId("fl-status").textContent = TEXT.computing;
    const started = performance.now();
    const data = await send(form);
    const seconds = (performance.now() - started) / 1000;
    await renderMaps(page, data);
    byId("fl-status").textContent = TEXT.done(data.maps.length, data, seconds);
  } catch (error) {
    if (!isAbort(error)) showError(error);
  }
}

function scheduleRun(delay) {
  window.clearTimeout(page.runTimer);
  page.runTimer = window.setTimeout(run, delay);
}

function useFile(file) {
  page.image = { blob: file, name: file.name || "pasted image" };
  if (page.state.get().sample) page.state.set({ sample: "" }); // the change runs the filters
  else run();
}

setUpControls(page, useFile);
renderControls(page);
page.state.subscribe((values, changed) => {
  renderControls(page);
  // Typing in the kernel editor waits a little for the next number.
  scheduleRun(changed.length === 1 && changed[0] === "kernel" ? 250 : 0);
});
page.state.writeUrl();
run();
