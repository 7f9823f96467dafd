// The lab's controls <-> the state store: colour, presets (from the catalogue), the learner's
// kernel, the layer, the samples, and the image picked, dropped or pasted.

import { siteUrl } from "../../api.js";
import { byId, el } from "../../dom.js";
import { createGrid, defaultFormat } from "../../widgets/grid.js";
import { customKernel, nested, selectedPresets } from "./kernel.js";
import { clearErrors, numberProblem } from "./errors.js";
import { closeZoom } from "./maps.js";
import { t } from "../../i18n.js";
import { COLOR_EXPLAIN, DISPLAY_EXPLAIN, SAMPLES } from "./text.js";

const NUMBERS = [["fl-stride", "stride"], ["fl-psize", "psize"], ["fl-pstride", "pstride"]];
const SELECTS = [["fl-padding", "padding"], ["fl-activation", "activation"], ["fl-pool", "pool"], ["fl-mode", "mode"]];
const LABELS = { stride: t("Stride"), psize: t("Pool size"), pstride: t("Pool stride") };
const RADIOS = ["color", "contrast", "view"];


function kernelSlice(page, K, depth, d) {
  const wrap = el("div", "fl-kernel-slice");
  if (depth > 1) wrap.append(el("div", "fl-slice-label", t("{channel} slice", { channel: ["R", "G", "B"][d] })));
  const holder = el("div");
  wrap.append(holder);
  const grid = createGrid(holder, {
    rows: K,
    cols: K,
    label: depth > 1 ? t("custom kernel slice {d}", { d }) : t("custom kernel"),
    format: defaultFormat,
    onEdit: (r, c, value) => {
      const next = [...customKernel(page.state.get()).flat];
      next[d * K * K + r * K + c] = value;
      page.state.set({ kernel: next, custom: true, ksize: K });
    },
  });
  grid.setEditable(true);
  return { wrap, grid };
}

// The kernel editor's grids, rebuilt only when K or the depth changes.
function renderKernelEditor(page) {
  const box = byId("fl-kernel");
  const { K, depth, flat } = customKernel(page.state.get());
  const key = `${K}:${depth}`;
  if (box.dataset.key !== key) {
    box.dataset.key = key;
    const slices = Array.from({ length: depth }, (_, d) => kernelSlice(page, K, depth, d));
    box.replaceChildren(...slices.map((s) => s.wrap));
    page.kernelGrids = slices.map((s) => s.grid);
  }
  page.kernelGrids.forEach((grid, d) => grid.update(nested({ K, depth: 1, flat: flat.slice(d * K * K, (d + 1) * K * K) })));
}

export function renderControls(page) {
  const s = page.state.get();
  for (const name of RADIOS) {
    for (const input of document.querySelectorAll(`input[name="${name}"]`)) input.checked = input.value === s[name];
  }
  byId("fl-color-explain").textContent = COLOR_EXPLAIN[s.color];
  const [lo, hi] = page.catalogue.robust_percentiles;
  byId("fl-display-explain").textContent = t("{range} {view}", { range: DISPLAY_EXPLAIN[s.contrast](lo, hi), view: DISPLAY_EXPLAIN[s.view] });
  const chosen = new Set(selectedPresets(s.presets, page.presetNames));
  for (const box of document.querySelectorAll("#fl-presets input")) box.checked = chosen.has(box.value);
  byId("fl-custom").checked = s.custom;
  byId("fl-ksize").value = String(customKernel(s).K);
  for (const [id, key] of SELECTS) byId(id).value = String(s[key]);
  // A number input being corrected keeps what the learner typed.
  for (const [id, key] of NUMBERS) if (!byId(id).getAttribute("aria-invalid")) byId(id).value = String(s[key]);
  byId("fl-psize").disabled = byId("fl-pstride").disabled = s.pool === "none";
  for (const button of document.querySelectorAll("#fl-samples button")) {
    button.setAttribute("aria-pressed", String(button.dataset.sample === s.sample));
  }
  renderKernelEditor(page);
}

function presetChips(page) {
  const chips = page.catalogue.presets.map(({ name, label, extracts }) => {
    const item = el("label", "fl-chip");
    item.title = extracts;
    const box = el("input");
    box.type = "checkbox";
    box.value = name;
    item.append(box, document.createTextNode(` ${label}`));
    box.addEventListener("change", () => {
      const chosen = new Set(selectedPresets(page.state.get().presets, page.presetNames));
      if (box.checked) chosen.add(name);
      else chosen.delete(name);
      page.state.set({ presets: page.presetNames.filter((n) => chosen.has(n)).join(",") });
    });
    return item;
  });
  byId("fl-presets").replaceChildren(...chips);
}

function sampleButtons(page) {
  const buttons = SAMPLES.map(([name, label, shows]) => {
    const button = el("button", "fl-sample");
    button.type = "button";
    button.dataset.sample = name;
    button.title = t("{sample}: {shows}", { sample: label, shows });
    const img = el("img");
    img.src = siteUrl(`/static/img/samples/${name}.png`);
    img.alt = "";
    button.append(img, el("span", "", label));
    button.addEventListener("click", () => page.state.set({ sample: name }));
    return button;
  });
  byId("fl-samples").replaceChildren(...buttons);
}

// A file picked, dropped or pasted goes to useFile(file).
function imageInputs(useFile) {
  const drop = byId("fl-drop");
  byId("fl-file").addEventListener("change", (e) => {
    if (e.target.files[0]) useFile(e.target.files[0]);
    e.target.value = ""; // picking the same file again is a new upload
  });
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
}

export function setUpControls(page, useFile) {
  const { state } = page;
  presetChips(page);
  for (const name of RADIOS) {
    for (const input of document.querySelectorAll(`input[name="${name}"]`)) {
      input.addEventListener("change", () => input.checked && state.set({ [name]: input.value }));
    }
  }
  byId("fl-custom").addEventListener("change", (e) => state.set({ custom: e.target.checked }));
  byId("fl-ksize").addEventListener("change", (e) => state.set({ ksize: Number(e.target.value), kernel: [] }));
  byId("fl-kreset").addEventListener("click", () => state.set({ kernel: [] }));
  for (const [id, key] of NUMBERS) {
    const input = byId(id);
    input.addEventListener("change", () => {
      const problem = numberProblem(LABELS[key], input.value, page.catalogue.controls[key]);
      page.localError = problem !== null;
      if (problem) {
        input.setAttribute("aria-invalid", "true");
        clearErrors();
        byId("fl-layer-error").textContent = problem;
        return;
      }
      input.removeAttribute("aria-invalid");
      byId("fl-layer-error").textContent = "";
      if (Number(input.value) === state.get()[key]) page.run();
      else state.set({ [key]: Number(input.value) });
    });
  }
  for (const [id, key] of SELECTS) byId(id).addEventListener("change", (e) => state.set({ [key]: e.target.value }));
  sampleButtons(page);
  imageInputs(useFile);
  byId("fl-zoom-close").addEventListener("click", () => closeZoom(page));
}
