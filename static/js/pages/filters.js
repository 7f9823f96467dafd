// /filters: an image through conv -> ReLU -> pooling, per filter, with the arithmetic of any
// output pixel. The configuration lives in the URL (state.js); the uploaded image does not.
//
// The arithmetic is computed here from `input` in the response: the exact integers of the image
// the server worked on (after orientation, downscaling and colour conversion), divided by the
// same scale (255, or 65535 for 16-bit images). The browser's own decoding of the file would not
// match (EXIF, CMYK, transparency, 16 bits, the downscaling filter), so it is never used.

import { ApiError, isAbort, latestOnly, postForm } from "../api.js";
import { createColorbar, diverging } from "../colormap.js";
import { createState } from "../state.js";
import { createFeatureMap } from "../widgets/featuremap.js";
import { createGrid, defaultFormat } from "../widgets/grid.js";

const PRESETS = [
  ["identity", "Identity"],
  ["box_blur_3", "Box blur 3"],
  ["box_blur_5", "Box blur 5"],
  ["gaussian_blur_3", "Gaussian 3"],
  ["gaussian_blur_5", "Gaussian 5"],
  ["sharpen", "Sharpen"],
  ["laplacian", "Laplacian"],
  ["outline", "Outline"],
  ["sobel_x", "Sobel x"],
  ["sobel_y", "Sobel y"],
  ["prewitt_x", "Prewitt x"],
  ["prewitt_y", "Prewitt y"],
  ["emboss", "Emboss"],
];
const PRESET_NAMES = PRESETS.map(([name]) => name);

const SAMPLES = [
  ["shapes", "Shapes", "edges and corners"],
  ["stripes", "Stripes", "edge orientation: Sobel x vs y"],
  ["checkerboard", "Checkerboard", "edges both ways, corners"],
  ["gradients", "Gradients", "smooth intensity, colour channels"],
  ["text", "Text", "fine detail: blur and sharpen"],
  ["landscape", "Landscape", "a photo-like scene with noise"],
];

const COLOR_EXPLAIN = {
  gray:
    "One channel: each pixel's luma 0.299 R + 0.587 G + 0.114 B, divided by 255. A K×K kernel gives one feature map.",
  rgb:
    "Three channels, each convolved on its own with the same K×K kernel: three maps, shown together as a colour picture, as an image editor does.",
  full:
    "Three channels and a kernel of depth 3 (one K×K slice per channel): the products are summed over all channels into one feature map, as a CNN layer does. A preset becomes three slices of one third each.",
};

const STAGE_TITLES = { conv: "convolution", activation: "activation", pool: "pooling" };

const state = createState({
  sample: { type: "string", default: "shapes", options: ["", ...SAMPLES.map(([n]) => n)] },
  color: { type: "string", default: "gray", options: ["gray", "rgb", "full"] },
  presets: { type: "string", default: "sobel_x,sobel_y" },
  custom: { type: "bool", default: false },
  ksize: { type: "int", default: 3, min: 1, max: 11 },
  kernel: { type: "floats", default: [] },
  padding: { type: "string", default: "same", options: ["same", "valid"] },
  stride: { type: "int", default: 1, min: 1, max: 16 },
  activation: { type: "string", default: "relu", options: ["relu", "none"] },
  pool: { type: "string", default: "max", options: ["none", "max", "avg"] },
  psize: { type: "int", default: 2, min: 1, max: 16 },
  pstride: { type: "int", default: 2, min: 1, max: 16 },
  mode: { type: "string", default: "cross-correlation", options: ["cross-correlation", "convolution"] },
});

const $ = (id) => document.getElementById(id);
const el = (tag, className, text) => {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
};

// ---------- numbers ----------

function fmt(v) {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
  return String(Number(v.toFixed(4)));
}

function selectedPresets() {
  return state
    .get()
    .presets.split(",")
    .filter((name) => PRESET_NAMES.includes(name));
}

function kernelDepth() {
  return state.get().color === "full" ? 3 : 1;
}

// The custom kernel from the URL, or the identity when its length does not fit K and the depth.
function customKernel() {
  const { ksize, kernel } = state.get();
  const K = ksize % 2 === 1 ? ksize : 3;
  const depth = kernelDepth();
  if (kernel.length === depth * K * K) return { K, depth, flat: kernel };
  // Switching colour modes keeps the kernel: K×K -> three slices of a third; 3×K×K -> their sum.
  if (depth === 3 && kernel.length === K * K) return { K, depth, flat: [0, 1, 2].flatMap(() => kernel.map((v) => v / 3)) };
  if (depth === 1 && kernel.length === 3 * K * K) {
    return { K, depth, flat: kernel.slice(0, K * K).map((v, i) => v + kernel[K * K + i] + kernel[2 * K * K + i]) };
  }
  const flat = new Array(depth * K * K).fill(0);
  const centre = (K * K - 1) / 2;
  for (let d = 0; d < depth; d++) flat[d * K * K + centre] = depth === 3 ? 1 / 3 : 1;
  return { K, depth, flat };
}

function nested({ K, depth, flat }) {
  const plane = (d) => Array.from({ length: K }, (_, r) => flat.slice(d * K * K + r * K, d * K * K + (r + 1) * K));
  return depth === 1 ? plane(0) : [plane(0), plane(1), plane(2)];
}

function buildSpec() {
  const s = state.get();
  const full = s.color === "full";
  const filters = selectedPresets().map((preset) => (full ? { preset, full_depth: true } : { preset }));
  if (s.custom) filters.push({ kernel: nested(customKernel()) });
  return {
    color: s.color === "gray" ? "gray" : "rgb",
    filters,
    padding: s.padding,
    stride: s.stride,
    activation: s.activation,
    pool: s.pool === "none" ? null : { mode: s.pool, size: s.psize, stride: s.pstride },
    mode: s.mode,
  };
}

// ---------- controls ----------

function renderControls() {
  const s = state.get();
  for (const input of document.querySelectorAll('#fl-color input[name="color"]')) input.checked = input.value === s.color;
  $("fl-color-explain").textContent = COLOR_EXPLAIN[s.color];
  const chosen = new Set(selectedPresets());
  for (const box of document.querySelectorAll("#fl-presets input")) box.checked = chosen.has(box.value);
  $("fl-custom").checked = s.custom;
  $("fl-ksize").value = String(customKernel().K);
  $("fl-padding").value = s.padding;
  $("fl-stride").value = String(s.stride);
  $("fl-activation").value = s.activation;
  $("fl-pool").value = s.pool;
  $("fl-psize").value = String(s.psize);
  $("fl-pstride").value = String(s.pstride);
  $("fl-psize").disabled = $("fl-pstride").disabled = s.pool === "none";
  $("fl-mode").value = s.mode;
  for (const button of document.querySelectorAll("#fl-samples button")) {
    button.setAttribute("aria-pressed", String(button.dataset.sample === s.sample));
  }
  renderKernelEditor();
}

let kernelGrids = [];
function renderKernelEditor() {
  const box = $("fl-kernel");
  const { K, depth, flat } = customKernel();
  const key = `${K}:${depth}`;
  if (box.dataset.key !== key) {
    box.dataset.key = key;
    box.replaceChildren();
    kernelGrids = [];
    for (let d = 0; d < depth; d++) {
      const wrap = el("div", "fl-kernel-slice");
      if (depth > 1) wrap.append(el("div", "fl-slice-label", ["R", "G", "B"][d] + " slice"));
      const holder = el("div");
      wrap.append(holder);
      box.append(wrap);
      const grid = createGrid(holder, {
        rows: K,
        cols: K,
        label: `custom kernel${depth > 1 ? ` slice ${d}` : ""}`,
        format: defaultFormat,
        onEdit: (r, c, value) => {
          const next = [...customKernel().flat];
          next[d * K * K + r * K + c] = value;
          state.set({ kernel: next, custom: true, ksize: K });
        },
      });
      grid.setEditable(true);
      kernelGrids.push(grid);
    }
  }
  kernelGrids.forEach((grid, d) => grid.update(nested({ K, depth: 1, flat: flat.slice(d * K * K, (d + 1) * K * K) })));
}

function setUpControls() {
  const presets = $("fl-presets");
  for (const [name, label] of PRESETS) {
    const item = el("label", "fl-chip");
    const box = el("input");
    box.type = "checkbox";
    box.value = name;
    item.append(box, document.createTextNode(` ${label}`));
    presets.append(item);
    box.addEventListener("change", () => {
      const chosen = new Set(selectedPresets());
      if (box.checked) chosen.add(name);
      else chosen.delete(name);
      state.set({ presets: PRESET_NAMES.filter((n) => chosen.has(n)).join(",") });
    });
  }
  for (const input of document.querySelectorAll('#fl-color input[name="color"]')) {
    input.addEventListener("change", () => input.checked && state.set({ color: input.value }));
  }
  $("fl-custom").addEventListener("change", (e) => state.set({ custom: e.target.checked }));
  $("fl-ksize").addEventListener("change", (e) => state.set({ ksize: Number(e.target.value), kernel: [] }));
  $("fl-kreset").addEventListener("click", () => state.set({ kernel: [] }));
  const number = (id, key, lo, hi) =>
    $(id).addEventListener("change", (e) => {
      const n = Number(e.target.value);
      if (Number.isInteger(n) && n >= lo && n <= hi) state.set({ [key]: n });
      else e.target.value = String(state.get()[key]);
    });
  number("fl-stride", "stride", 1, 16);
  number("fl-psize", "psize", 1, 16);
  number("fl-pstride", "pstride", 1, 16);
  for (const [id, key] of [
    ["fl-padding", "padding"],
    ["fl-activation", "activation"],
    ["fl-pool", "pool"],
    ["fl-mode", "mode"],
  ]) {
    $(id).addEventListener("change", (e) => state.set({ [key]: e.target.value }));
  }

  const samples = $("fl-samples");
  for (const [name, label, shows] of SAMPLES) {
    const button = el("button", "fl-sample");
    button.type = "button";
    button.dataset.sample = name;
    button.title = `${label}: ${shows}`;
    const img = el("img");
    img.src = `/static/img/samples/${name}.png`;
    img.alt = "";
    button.append(img, el("span", "", label));
    button.addEventListener("click", () => state.set({ sample: name }));
    samples.append(button);
  }

  const drop = $("fl-drop");
  $("fl-file").addEventListener("change", (e) => e.target.files[0] && useFile(e.target.files[0]));
  drop.addEventListener("dragover", (e) => {
    e.preventDefault();
    drop.classList.add("fl-dragging");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("fl-dragging"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("fl-dragging");
    const file = e.dataTransfer && e.dataTransfer.files[0];
    if (file) useFile(file);
  });
  document.addEventListener("paste", (e) => {
    const file = e.clipboardData && [...e.clipboardData.files].find((f) => f.type.startsWith("image/"));
    if (file) useFile(file);
  });
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && pinned) {
      pinned = null;
      clearArithmetic();
    }
  });
}

// ---------- the image and the request ----------

let image = null; // { blob, name }

function useFile(file) {
  image = { blob: file, name: file.name || "pasted image" };
  if (state.get().sample) state.set({ sample: "" }); // the change runs the filters
  else run();
}

async function loadSample(name) {
  // A static file of this site, read once to upload it like a learner's own image.
  const response = await fetch(`/static/img/samples/${name}.png`);
  if (!response.ok) throw new ApiError(response.status, `sample ${name} not found`);
  image = { blob: await response.blob(), name: `${name}.png` };
}

const send = latestOnly((form, options) => postForm("/api/image/filter", form, options));
let result = null;
let lastSpec = null;
let runTimer = null;

function scheduleRun(delay = 120) {
  window.clearTimeout(runTimer);
  runTimer = window.setTimeout(run, delay);
}

async function run() {
  window.clearTimeout(runTimer);
  const s = state.get();
  $("fl-error").textContent = "";
  try {
    if (s.sample && (!image || image.name !== `${s.sample}.png`)) await loadSample(s.sample);
    if (!image) {
      $("fl-status").textContent = "Pick a sample, or drop, paste or pick an image of your own.";
      return;
    }
    const spec = buildSpec();
    lastSpec = spec;
    if (!spec.filters.length) {
      $("fl-error").textContent = "Choose at least one preset or add your own kernel.";
      return;
    }
    const form = new FormData();
    form.append("file", image.blob, image.name);
    form.append("spec", JSON.stringify(spec));
    $("fl-status").textContent = "Computing…";
    const started = performance.now();
    const data = await send(form);
    const seconds = (performance.now() - started) / 1000;
    await render(data);
    $("fl-status").textContent = `${data.maps.length} filter${data.maps.length === 1 ? "" : "s"} on ${data.width}×${data.height} in ${seconds.toFixed(2)} s`;
  } catch (error) {
    if (isAbort(error)) return;
    $("fl-status").textContent = "";
    $("fl-error").textContent =
      error instanceof ApiError ? `${error.message}${error.status ? ` (HTTP ${error.status})` : ""}` : String(error);
  }
}

// ---------- decoding ----------

function base64Bytes(text) {
  const binary = window.atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function decodeInput(data) {
  const { channels: C, bits, scale } = data.input;
  const bytes = base64Bytes(data.input.data);
  const raw = bits === 16 ? new Uint16Array(bytes.buffer, 0, bytes.length / 2) : bytes;
  const W = data.width;
  const H = data.height;
  // value(c, r, col) = raw / scale; outside the image (zero padding) = 0
  const value = (c, r, col) => (r < 0 || col < 0 || r >= H || col >= W ? 0 : raw[(r * W + col) * C + c] / scale);
  const canvas = document.createElement("canvas");
  canvas.width = W;
  canvas.height = H;
  const ctx = canvas.getContext("2d");
  const picture = ctx.createImageData(W, H);
  const shift = bits === 16 ? 8 : 0;
  for (let i = 0; i < W * H; i++) {
    for (let k = 0; k < 3; k++) picture.data[i * 4 + k] = raw[i * C + (C === 3 ? k : 0)] >> shift;
    picture.data[i * 4 + 3] = 255;
  }
  ctx.putImageData(picture, 0, 0);
  return { C, H, W, value, canvas };
}

async function decodeStage(stage) {
  const bytes = base64Bytes(stage.image.slice(stage.image.indexOf(",") + 1));
  const bitmap = await createImageBitmap(new Blob([bytes], { type: "image/png" }), {
    colorSpaceConversion: "none",
    premultiplyAlpha: "none",
  });
  const canvas = document.createElement("canvas");
  canvas.width = bitmap.width;
  canvas.height = bitmap.height;
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  const picture = ctx.getImageData(0, 0, canvas.width, canvas.height);
  const d = picture.data;
  const lo = stage.min;
  const step = (stage.max - stage.min) / 255;
  if (stage.shape.length === 2) {
    // code q -> value lo + q·step -> diverging colour at value / max|value|
    const limit = Math.max(Math.abs(stage.min), Math.abs(stage.max));
    const lut = Array.from({ length: 256 }, (_, q) => diverging(limit > 0 ? (lo + q * step) / limit : 0));
    for (let i = 0; i < d.length; i += 4) {
      const [r, g, b] = lut[d[i]];
      d[i] = r;
      d[i + 1] = g;
      d[i + 2] = b;
    }
  } else {
    // per-channel values drawn like an editor draws them: 0 black, 1 full; outside is clipped
    const lut = Array.from({ length: 256 }, (_, q) => Math.round(Math.min(1, Math.max(0, lo + q * step)) * 255));
    for (let i = 0; i < d.length; i += 4) {
      d[i] = lut[d[i]];
      d[i + 1] = lut[d[i + 1]];
      d[i + 2] = lut[d[i + 2]];
    }
  }
  ctx.putImageData(picture, 0, 0);
  return canvas;
}

// ---------- rendering ----------

let input = null;
let inputView = null;
let views = []; // per map: { conv, activation, pool } -> featuremap widget
let pinned = null;

async function render(data) {
  result = data;
  input = decodeInput(data);
  const notes = [...data.notes];
  notes.unshift(
    `Image used: ${data.width}×${data.height}, ${data.channels === 1 ? "grayscale" : "RGB"}, values ÷ ${data.input.scale}.`,
  );
  $("fl-notes").textContent = notes.join(" · ");
  $("fl-input-size").textContent = `${data.width}×${data.height}`;
  if (!inputView) inputView = createFeatureMap($("fl-input"), { label: "input image" });
  inputView.draw(input.canvas);
  inputView.mark([]);

  const stageCanvases = await Promise.all(
    data.maps.map((m) => Promise.all(Object.keys(m.stages).map((name) => decodeStage(m.stages[name])))),
  );
  if (data !== result) return; // a newer answer arrived meanwhile
  for (const map of views) for (const view of Object.values(map)) view.destroy();
  views = [];
  const box = $("fl-maps");
  box.replaceChildren();
  data.maps.forEach((m, f) => {
    const card = el("article", "panel fl-card");
    const title = el("h3", "", m.label);
    const kernelSize = m.kernel.length && Array.isArray(m.kernel[0][0]) ? `${m.kernel.length}×${m.kernel[0].length}×${m.kernel[0].length}` : `${m.kernel.length}×${m.kernel.length}`;
    title.append(el("span", "fl-kind", ` ${kernelSize}, ${m.kind}`));
    card.append(title);
    const row = el("div", "fl-stages");
    const mapViews = {};
    Object.keys(m.stages).forEach((name, s) => {
      const stage = m.stages[name];
      const figure = el("figure", "fl-figure");
      const caption = el("figcaption");
      let stageTitle = STAGE_TITLES[name];
      if (name === "activation") stageTitle = data.activation === "relu" ? "ReLU max(0, x)" : "no activation";
      if (name === "pool") stageTitle = `${data.pool.mode === "max" ? "max" : "average"} pool ${data.pool.size}×${data.pool.size}, stride ${data.pool.stride || data.pool.size}`;
      caption.append(el("strong", "", stageTitle), el("span", "fl-shape", ` ${stage.shape.join("×")}`));
      if (stage.image_factor > 1) {
        caption.append(el("span", "fl-preview", ` · drawn 1:${stage.image_factor} (block means)`));
      }
      const holder = el("div", "fl-map");
      const facts = el("div", "fl-facts");
      facts.append(el("span", "fl-min", `min ${fmt(stage.min)}`), el("span", "fl-max", `max ${fmt(stage.max)}`));
      figure.append(caption, holder, facts);
      if (stage.shape.length === 2) {
        const bar = el("div");
        figure.append(bar);
        const limit = Math.max(Math.abs(stage.min), Math.abs(stage.max));
        createColorbar(bar, { kind: "diverging", min: -limit, max: limit, label: "value (white = 0)" });
      } else {
        const total = stage.shape.reduce((a, b) => a * b, 1);
        const pct = (n) => `${((100 * n) / total).toFixed(1)}%`;
        figure.append(
          el(
            "p",
            "fl-clip",
            stage.below_zero || stage.above_one
              ? `Drawn as colour, 0 to 1: ${pct(stage.below_zero)} of values below 0 shown as 0, ${pct(stage.above_one)} above 1 shown as 1.`
              : "Drawn as colour: every value lies in [0, 1].",
          ),
        );
      }
      const download = el("button", "btn secondary fl-download", "Download PNG");
      download.type = "button";
      const canvas = stageCanvases[f][s];
      const filename = `${m.name}-${f + 1}-${name}.png`;
      download.addEventListener("click", () =>
        stage.image_factor > 1 ? downloadFull(f, name, filename) : downloadCanvas(canvas, filename),
      );
      figure.append(download);
      row.append(figure);
      mapViews[name] = createFeatureMap(holder, {
        label: `${m.label}, ${stageTitle}`,
        onPoint: (r, c) => !pinned && hover(f, name, r, c),
        onPick: (r, c) => {
          pinned = { f, name, r, c };
          showArithmetic(f, name, r, c);
        },
        onLeave: () => {
          hover(null);
          if (!pinned) clearArithmetic();
        },
      });
      const [rows, cols] = stage.shape.slice(-2);
      mapViews[name].draw(canvas, { rows, cols });
    });
    card.append(row);
    box.append(card);
    views.push(mapViews);
  });
  if (pinned && pinned.f < data.maps.length && data.maps[pinned.f].stages[pinned.name]) {
    const [h, w] = data.maps[pinned.f].stages[pinned.name].shape.slice(-2);
    if (pinned.r < h && pinned.c < w) showArithmetic(pinned.f, pinned.name, pinned.r, pinned.c);
    else clearArithmetic();
  } else {
    pinned = null;
    clearArithmetic();
  }
}

// A preview's download asks for that one filter again at full resolution.
async function downloadFull(f, name, filename) {
  try {
    const spec = { ...lastSpec, filters: [lastSpec.filters[f]], full_images: true };
    const form = new FormData();
    form.append("file", image.blob, image.name);
    form.append("spec", JSON.stringify(spec));
    $("fl-status").textContent = "Preparing the full-size PNG…";
    const full = await postForm("/api/image/filter", form);
    downloadCanvas(await decodeStage(full.maps[0].stages[name]), filename);
    $("fl-status").textContent = "";
  } catch (error) {
    $("fl-error").textContent = error instanceof ApiError ? error.message : String(error);
  }
}

// Pointer moves redraw the arithmetic at most once per frame (11×11 kernels make big grids).
let hoverFrame = null;
let hoverAt = null;
function hover(...at) {
  hoverAt = at[0] === null ? null : at;
  if (hoverAt === null || hoverFrame !== null) return;
  hoverFrame = window.requestAnimationFrame(() => {
    hoverFrame = null;
    if (hoverAt && !pinned) showArithmetic(...hoverAt);
  });
}

function downloadCanvas(canvas, filename) {
  canvas.toBlob((blob) => {
    const url = URL.createObjectURL(blob);
    const link = el("a");
    link.href = url;
    link.download = filename;
    document.body.append(link);
    link.click();
    link.remove();
    window.setTimeout(() => URL.revokeObjectURL(url), 1000);
  }, "image/png");
}

// ---------- arithmetic ----------

// The kernel as slid over the image: flipped in convolution mode. Returns [D][K][K].
function slidKernel(m) {
  const k = Array.isArray(m.kernel[0][0]) ? m.kernel : [m.kernel];
  if (result.conv_mode !== "convolution") return k;
  return k.map((plane) => plane.map((row) => [...row].reverse()).reverse());
}

// One conv output value at (i, j), with the window, products and sums. channel: for per-channel
// maps the channel the kernel runs on; otherwise null (the kernel's depth covers every channel).
function convAt(m, i, j, channel) {
  const kernel = slidKernel(m);
  const K = kernel[0].length;
  const s = result.stride;
  const p = result.padding === "same" ? (K - 1) / 2 : 0;
  const top = i * s - p;
  const left = j * s - p;
  const channels = channel === null ? kernel.map((_, c) => c) : [channel];
  const blocks = channels.map((c, d) => {
    const plane = kernel[channel === null ? d : 0];
    const windowValues = [];
    const products = [];
    let sum = 0;
    for (let a = 0; a < K; a++) {
      const wr = [];
      const pr = [];
      for (let b = 0; b < K; b++) {
        const x = input.value(c, top + a, left + b);
        wr.push(x);
        pr.push(x * plane[a][b]);
        sum += x * plane[a][b];
      }
      windowValues.push(wr);
      products.push(pr);
    }
    return { channel: c, window: windowValues, kernel: plane, products, sum };
  });
  const value = blocks.reduce((acc, b) => acc + b.sum, 0);
  return { top, left, K, blocks, value };
}

const activate = (v) => (result.activation === "relu" ? Math.max(0, v) : v);

function clearArithmetic() {
  $("fl-arith-body").replaceChildren();
  $("fl-arith-empty").hidden = false;
  if (inputView) inputView.mark([]);
  for (const map of views) for (const view of Object.values(map)) view.mark([]);
}

function grid(values, label, isPad) {
  const holder = el("div", "fl-agrid");
  holder.append(el("div", "fl-agrid-label", label));
  const box = el("div");
  holder.append(box);
  const g = createGrid(box, {
    rows: values.length,
    cols: values[0].length,
    label,
    format: (v) => fmt(v),
    isPadding: isPad,
  });
  g.update(values);
  return holder;
}

const CHANNEL_NAMES = ["R", "G", "B"];

function convBlockElements(m, conv, title) {
  const part = el("div", "fl-apart");
  part.append(el("h4", "", title));
  const { top, left, K } = conv;
  const pad = (a, b) => top + a < 0 || left + b < 0 || top + a >= input.H || left + b >= input.W;
  for (const block of conv.blocks) {
    const name = input.C === 1 ? "" : ` ${CHANNEL_NAMES[block.channel]}`;
    const grids = el("div", "fl-agrids");
    grids.append(
      grid(block.window, `window${name} (x = value ÷ ${result.input.scale})`, pad),
      el("span", "fl-op", "⊙"),
      grid(block.kernel, `kernel${conv.blocks.length > 1 ? ` slice${name}` : ""}${result.conv_mode === "convolution" ? " (flipped)" : ""}`),
      el("span", "fl-op", "="),
      grid(block.products, "products x·w", pad),
    );
    part.append(grids);
    const terms = [];
    block.products.forEach((row) => row.forEach((v) => terms.push(v)));
    const line = el("div", "arith");
    const shown = terms.length <= 9 ? terms.map(fmt).join(" + ").replaceAll("+ -", "− ") : `sum of ${terms.length} products`;
    line.append(document.createTextNode(`Σ${name}: ${shown} = `), el("span", "total", fmt(block.sum)));
    part.append(line);
  }
  if (conv.blocks.length > 1) {
    const line = el("div", "arith");
    line.append(
      document.createTextNode(`summed over the channels: ${conv.blocks.map((b) => fmt(b.sum)).join(" + ")} = `),
      el("span", "total", fmt(conv.value)),
    );
    part.append(line);
  }
  part.append(
    el(
      "p",
      "fl-explain",
      `Window rows ${top}…${top + K - 1}, columns ${left}…${left + K - 1} of the input` +
        (result.padding === "same" ? " (grey cells are zero padding)." : "."),
    ),
  );
  return part;
}

function showArithmetic(f, stageName, r, c) {
  if (!result || !input) return;
  const m = result.maps[f];
  const body = $("fl-arith-body");
  $("fl-arith-empty").hidden = true;
  const perChannel = m.kind === "per-channel";
  const channels = perChannel ? [0, 1, 2] : [null];
  const out = [];
  const heading = el("p", "fl-where");
  heading.append(
    el("strong", "", `${m.label}`),
    document.createTextNode(` · ${STAGE_TITLES[stageName]} · output row ${r}, column ${c}`),
  );
  out.push(heading);

  // The conv cell whose window we show (per channel: each channel pools on its own), and marks.
  const convCells = channels.map(() => [r, c]);
  let poolWindow = null;
  if (stageName === "pool") {
    const { size, stride } = result.pool;
    const ps = stride || size;
    poolWindow = { r0: r * ps, c0: c * ps, r1: r * ps + size - 1, c1: c * ps + size - 1 };
    const part = el("div", "fl-apart");
    part.append(el("h4", "", `${result.pool.mode === "max" ? "Max" : "Average"} pooling of a ${size}×${size} window of the activation map`));
    channels.forEach((channel, k) => {
      const values = [];
      let best = null;
      for (let a = 0; a < size; a++) {
        const row = [];
        for (let b = 0; b < size; b++) {
          const v = activate(convAt(m, poolWindow.r0 + a, poolWindow.c0 + b, channel).value);
          row.push(v);
          if (best === null || v > best.v) best = { v, a, b };
        }
        values.push(row);
      }
      const flat = values.flat();
      const pooled = result.pool.mode === "max" ? best.v : flat.reduce((x, y) => x + y, 0) / flat.length;
      const name = channel === null ? "" : ` ${CHANNEL_NAMES[channel]}`;
      part.append(grid(values, `activations${name}`));
      const line = el("div", "arith");
      const how =
        result.pool.mode === "max"
          ? `max(${flat.map(fmt).join(", ")})`
          : `(${flat.map(fmt).join(" + ")}) / ${flat.length}`;
      line.append(document.createTextNode(`${how} = `), el("span", "total", fmt(pooled)));
      part.append(line);
      convCells[k] = result.pool.mode === "max" ? [poolWindow.r0 + best.a, poolWindow.c0 + best.b] : [poolWindow.r0, poolWindow.c0];
    });
    out.push(part);
  }

  const convs = channels.map((channel, k) => convAt(m, convCells[k][0], convCells[k][1], channel));
  const which = result.pool && stageName === "pool" ? (result.pool.mode === "max" ? " (the window's maximum)" : " (the window's first cell)") : "";
  convs.forEach((conv, k) => {
    const [cr, cc] = convCells[k];
    const channel = perChannel ? `, channel ${CHANNEL_NAMES[k]}` : "";
    out.push(convBlockElements(m, conv, `Convolution at row ${cr}, column ${cc}${which}${channel}`));
  });
  if (result.activation === "relu") {
    const line = el("div", "arith");
    const text = convs.map((conv) => `max(0, ${fmt(conv.value)}) = ${fmt(activate(conv.value))}`).join(" · ");
    line.append(document.createTextNode(`ReLU: `), el("span", "total", text));
    out.push(line);
  }
  body.replaceChildren(...out);

  // Marks: the window(s) on the input, the pixel on its stage, the pooled window on the maps.
  const K = convs[0].K;
  const [cr, cc] = convCells[0];
  const p = result.padding === "same" ? (K - 1) / 2 : 0;
  const s = result.stride;
  const inputMarks = [];
  if (poolWindow) {
    inputMarks.push({ r0: poolWindow.r0 * s - p, c0: poolWindow.c0 * s - p, r1: poolWindow.r1 * s - p + K - 1, c1: poolWindow.c1 * s - p + K - 1, kind: "field" });
  }
  inputMarks.push({ r0: cr * s - p, c0: cc * s - p, r1: cr * s - p + K - 1, c1: cc * s - p + K - 1, kind: "window" });
  inputView.mark(inputMarks);
  views.forEach((mapViews, g) => {
    for (const [name, view] of Object.entries(mapViews)) {
      if (g !== f) {
        view.mark([]);
        continue;
      }
      const marks = [];
      if (name === stageName) marks.push({ r0: r, c0: c, r1: r, c1: c, kind: pinned ? "pin" : "pixel" });
      else if (poolWindow && name !== "pool") marks.push({ ...poolWindow, kind: "window" });
      else if (name !== "pool") marks.push({ r0: cr, c0: cc, r1: cr, c1: cc, kind: "window" });
      view.mark(marks);
    }
  });
}

// ---------- wiring ----------

setUpControls();
renderControls();
state.subscribe((values, changed) => {
  renderControls();
  if (changed.length === 1 && changed[0] === "kernel") scheduleRun(250);
  else scheduleRun(0);
});
state.writeUrl();
run();
