// Refusals as sentences next to the control they concern: the API's `field` says where
// (file, spec.stride, spec.pool.size, spec.filters[2].kernel, ...); the words are the API's
// message without its field path, after the name of the control. Never a status code; each
// message once, in one place; cleared when the next request succeeds. Pure helpers are tested by
// node (tests/js).

import { ApiError } from "../../api.js";
import { byId } from "../../dom.js";
import { t } from "../../i18n.js";
import { TEXT } from "./text.js";

export const SLOTS = ["fl-error", "fl-presets-error", "fl-kernel-error", "fl-layer-error"];

const CONTROL_NAMES = {
  "spec.stride": t("Stride"),
  "spec.padding": t("Padding"),
  "spec.pool.size": t("Pool size"),
  "spec.pool.stride": t("Pool stride"),
  "spec.pool": t("Pooling"),
  "spec.activation": t("Activation"),
  "spec.mode": t("Kernel sliding"),
};

// "spec.pool.size: the 16×16 window ... at most 10" -> "the 16×16 window ... at most 10."
export function sentence(detail) {
  const text = String(detail).replace(/^(file|body|spec(\.[\w]+|\[\d+\])*): /, "").trim();
  const first = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?)。！？）]$/.test(first) ? first : `${first}.`;
}

// -> { slot, text }: where the error goes and what it says. customIndex: the index of the
// learner's own kernel in the request's filters (-1 when none).
export function placeError(error, customIndex) {
  if (!(error instanceof ApiError)) return { slot: "fl-error", text: TEXT.network };
  const field = error.field || "";
  if (field === "file" || field === "body" || !error.status || error.status === 413) {
    return { slot: "fl-error", text: t("The image: {reason}", { reason: sentence(error.message) }) };
  }
  const kernel = field.match(/^spec\.filters\[(\d+)\]/);
  if (kernel) {
    const own = Number(kernel[1]) === customIndex;
    const reason = sentence(error.message);
    return own
      ? { slot: "fl-kernel-error", text: t("Your kernel: {reason}", { reason }) }
      : { slot: "fl-presets-error", text: t("This filter: {reason}", { reason }) };
  }
  const name = CONTROL_NAMES[field];
  if (name) return { slot: "fl-layer-error", text: t("{name}: {reason}", { name, reason: sentence(error.message) }) };
  return { slot: "fl-layer-error", text: sentence(error.message) };
}

// A number a control cannot take, in words: what is wrong and what would work. Pure (tests/js).
export function numberProblem(label, text, { min, max }) {
  const n = Number(text);
  if (text.trim() !== "" && Number.isInteger(n) && n >= min && n <= max) return null;
  if (text.trim() === "") {
    return t("{label} must be a whole number from {min} to {max}; it is empty. The maps below are for the last value that worked.", { label, min, max });
  }
  return t("{label} must be a whole number from {min} to {max}; {typed} is not one. The maps below are for the last value that worked.", {
    label,
    min,
    max,
    typed: text.trim(),
  });
}

export function clearErrors() {
  for (const id of SLOTS) byId(id).textContent = "";
}

export function showError(slot, text) {
  clearErrors();
  byId(slot).textContent = text;
}
