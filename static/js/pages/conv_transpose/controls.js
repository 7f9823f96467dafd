// The settings form: presets, number fields with their limits (the catalogue's), the fill, and
// each error as a sentence next to the control that is wrong.

import { byId, fillSelect } from "../../dom.js";
import { TEXT } from "./text.js";
import { matchingPreset } from "./values.js";

const NUMBER_KEYS = ["h", "w", "c", "f", "k", "s", "p", "op", "d", "seed"];
export const SHAPE_KEYS = ["h", "w", "c", "f", "k"];
const form = byId("ct-controls");

export function syncForm(page) {
  const v = page.state.get();
  for (const key of NUMBER_KEYS) {
    const input = form.elements[key];
    // a field whose typed value the page refused keeps it, for the learner to fix
    if (input.dataset.typed !== "1") input.value = v[key];
  }
  form.elements.fill.value = v.fill;
  form.elements.edit.checked = v.edit;
  const preset = matchingPreset(page.catalogue.presets, v);
  byId("ct-preset").value = preset ? preset.name : "";
  byId("ct-preset-note").textContent = preset ? preset.description : "";
  for (const radio of document.querySelectorAll('input[name="view"]')) radio.checked = radio.value === v.view;
}

// typed: the page refused what was typed (not in the state), so the field keeps it.
export function setFieldError(key, text, typed = false) {
  const input = form.elements[key];
  byId(`ct-error-${key}`).textContent = text;
  input.dataset.typed = typed ? "1" : "";
  if (text) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
}

export function clearErrors() {
  for (const key of NUMBER_KEYS) setFieldError(key, "");
  byId("ct-error").textContent = "";
}

// The API's refusal as a sentence next to the control it names (never its own words).
export function showRefusal(page, v, error) {
  const field = String(error.field || "").split(".")[0];
  const sentence = TEXT.refusal[field];
  const key = TEXT.refusalKey[field];
  if (sentence && key) setFieldError(key, sentence(v, page.catalogue.max_output_side));
  else byId("ct-error").textContent = TEXT.refusedOther;
  return field;
}

function onChange(page, event) {
  const target = event.target;
  const { controls } = page.catalogue;
  if (target.name === "preset") {
    const preset = page.catalogue.presets.find((p) => p.name === target.value);
    if (!preset) return;
    clearErrors();
    page.state.set({ ...preset.settings, edits: "", step: 0 });
    return;
  }
  if (target.name === "view") {
    page.state.set({ view: target.value, step: 0 });
    return;
  }
  if (target.name === "edit") {
    page.state.set({ edit: target.checked });
    return;
  }
  if (target.name === "fill") {
    page.state.set({ fill: target.value, edits: "", step: 0 });
    return;
  }
  if (!NUMBER_KEYS.includes(target.name)) return;
  const key = target.name;
  const value = Number(target.value);
  const { min, max } = controls[key];
  if (target.value.trim() === "" || !Number.isInteger(value) || value < min || value > max) {
    setFieldError(key, TEXT.notWhole(key, min, max), true);
    return;
  }
  setFieldError(key, "");
  const patch = { [key]: value, step: 0 };
  if (SHAPE_KEYS.includes(key)) patch.edits = ""; // edits made at the old shape no longer fit
  page.state.set(patch);
}

export function bindControls(page) {
  fillSelect(byId("ct-preset"), [
    ...page.catalogue.presets.map((p) => [p.name, p.label]),
    ["", TEXT.presetCustom],
  ]);
  form.addEventListener("change", (event) => onChange(page, event));
  byId("ct-views").addEventListener("change", (event) => onChange(page, event));
  form.addEventListener("submit", (event) => event.preventDefault());
  byId("ct-randomize").addEventListener("click", () => {
    const seed = Math.floor(Math.random() * (Math.min(page.catalogue.controls.seed.max, 999999) + 1));
    page.state.set({ seed, fill: "seeded", edits: "", step: 0 });
  });
}
