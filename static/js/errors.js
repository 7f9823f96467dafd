// Refused values explained in words (in the page's language: i18n.js), next to the control that holds them.
//
// explain(error, { name, value }) -> a sentence: what is wrong and what would work, without a
//   status code or a field path. error: an ApiError from api.js ({ message, status, field }), a
//   network failure, or { message } written by the page. name: the control's label ("Start x"),
//   value: what the learner typed.
// showAt(control, text) / clearAt(control): the sentence right after the control (its label when
//   the control sits in one, its table when it is a table's cell), with aria-invalid and
//   aria-describedby on the control. An empty text clears.
// labelOf(control) -> the control's name as the learner reads it.

import { lang, t } from "./i18n.js";

// Pydantic's phrases (app/main.py passes them on after the field's path) in a learner's words:
// each a whole sentence about {subject} (the control's name), so a translation can order it.
const PHRASES = [
  [/^Input should be less than or equal to (\S+)$/, (m, p) => t("{subject} must be at most {limit}", { ...p, limit: m[1] })],
  [/^Input should be greater than or equal to (\S+)$/, (m, p) => t("{subject} must be at least {limit}", { ...p, limit: m[1] })],
  [/^Input should be greater than (\S+)$/, (m, p) => t("{subject} must be more than {limit}", { ...p, limit: m[1] })],
  [/^Input should be less than (\S+)$/, (m, p) => t("{subject} must be less than {limit}", { ...p, limit: m[1] })],
  [/^Input should be a valid integer/, (m, p) => t("{subject} must be a whole number", p)],
  [/^Input should be a valid (number|float)/, (m, p) => t("{subject} must be a number", p)],
  [/^Input should be a valid boolean/, (m, p) => t("{subject} must be on or off", p)],
  [/^Input should be (.+)$/, (m, p) => t("{subject} must be {what}", { ...p, what: m[1] })],
  [/^Field required$/, (m, p) => t("{subject} is missing: give a value", p)],
  [/^List should have at most (\d+) items?.*$/, (m, p) => t("{subject} may list at most {limit} values", { ...p, limit: m[1] })],
  [/^List should have at least (\d+) items?.*$/, (m, p) => t("{subject} needs at least {limit} values", { ...p, limit: m[1] })],
  [/^String should have at most (\d+) characters?$/, (m, p) => t("{subject} may be at most {limit} characters long", { ...p, limit: m[1] })],
  [/^String should have at least (\d+) characters?$/, (m, p) => t("{subject} needs at least {limit} characters", { ...p, limit: m[1] })],
];
// The server's own sentences (app/core/errors.py, already in the request's language) about the
// field: "must be ..." is said of the control, any other sentence is shown as it is.
const PREDICATE = /^(must|may|is|needs|should|cannot|can't)\b/;

// The first of "field: message; field: message ... and N more", without its path.
function firstMessage(detail) {
  const first = String(detail || "").split("; ")[0].replace(/^\.\.\. and \d+ more$/, "");
  return first.replace(/^(body|query|path)?[\w.]*(\[\d+\])*(\.[\w]+(\[\d+\])*)*: /, "").trim();
}

// A sentence's first word capitalised, unless it is a symbol ("x row 1", "γ of feature 1", "α").
const capital = (text) => (/^[a-z][a-z]+\b/.test(text) ? text.charAt(0).toUpperCase() + text.slice(1) : text);
// A full stop in the sentence's script: "." after English, "。" after Chinese.
const stop = (text) => {
  if (/[.!?。！？]$/.test(text)) return text;
  return lang === "zh" ? `${text}。` : `${text}.`;
};

function said(message, subject, value) {
  const gave = value !== undefined && value !== null && String(value) !== "";
  const params = { subject: capital(subject) };
  for (const [pattern, write] of PHRASES) {
    const match = message.match(pattern);
    if (match) {
      const sentence = write(match, params);
      return gave ? t("{sentence} (you gave {value})", { sentence, value }) : sentence;
    }
  }
  const valueError = message.match(/^Value error, (.+)$/);
  const text = valueError ? valueError[1] : message;
  if (!PREDICATE.test(text)) return capital(text);
  const sentence = t("{subject} {predicate}", { ...params, predicate: text });
  return gave ? t("{sentence} (you gave {value})", { sentence, value }) : sentence;
}

export function explain(error, { name, value } = {}) {
  if (!error) return "";
  if (error.name === "TypeError" && !error.status) {
    return t("Could not reach the server: check the connection, then change the value again.");
  }
  if (error.status === 503) return t("The server is busy with other learners' requests: try again in a moment.");
  if (error.status >= 500) {
    return t("The server could not compute this (its fault, not yours): try other values, or reload the page.");
  }
  const message = firstMessage(error.message);
  if (!message) return t("This value was refused; try another one.");
  return stop(said(message, name || t("This value"), value));
}

export function labelOf(control) {
  if (!control) return "";
  const aria = control.getAttribute("aria-label");
  if (aria) return aria;
  const label = control.labels && control.labels[0];
  if (!label) return control.name || "";
  const copy = label.cloneNode(true);
  copy.querySelectorAll("input, select, textarea, output, .field-error, [lang=zh]").forEach((node) => node.remove());
  return copy.textContent.replace(/\s+/g, " ").trim();
}

let counter = 0;

function holderOf(control) {
  // A cell of a table gets its sentence under the table: inside the cell it would widen a column.
  const anchor = control.closest("table") || control.closest("label") || control;
  const id = control.dataset.errorId;
  let holder = id ? document.getElementById(id) : null;
  if (!holder) {
    holder = document.createElement("span");
    holder.className = "field-error";
    holder.id = `field-error-${++counter}`;
    holder.setAttribute("role", "alert");
    control.dataset.errorId = holder.id;
    anchor.insertAdjacentElement("afterend", holder);
  }
  return holder;
}

export function showAt(control, text) {
  if (!control) return;
  if (!text) {
    clearAt(control);
    return;
  }
  const holder = holderOf(control);
  holder.textContent = text;
  control.setAttribute("aria-invalid", "true");
  const described = (control.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
  if (!described.includes(holder.id)) control.setAttribute("aria-describedby", [...described, holder.id].join(" "));
}

export function clearAt(control) {
  if (!control || !control.dataset.errorId) return;
  const holder = document.getElementById(control.dataset.errorId);
  if (holder) holder.textContent = "";
  control.removeAttribute("aria-invalid");
}

// Clears every sentence inside `root` (a form or section): after an answer that worked.
export function clearAll(root) {
  root.querySelectorAll("[aria-invalid=true]").forEach((control) => clearAt(control));
}

// One refusal at a time for a section: next to its control when there is one, else in the
// section's message box; showing one clears the last, so a sentence never shows twice.
//
// createRefusals(box, controlFor, nameFor) -> { refuse(error, control, wrap), show(control, text), clear() }
// refuse: the API's error explained next to `control`, or next to controlFor(error.field)
// (the page's map from the API's field names to its controls), else in `box`.
// nameFor(field): a name for a field no control holds (a cell typed into a grid).
export function createRefusals(box, controlFor = () => null, nameFor = () => undefined) {
  let current = null;
  return {
    refuse(error, control, wrap = (text) => text) {
      const field = error && error.field;
      const target = control || (field ? controlFor(field) : null);
      const value = target && "value" in target ? target.value : undefined;
      const name = target ? labelOf(target) : field ? nameFor(field) : undefined;
      this.show(target, wrap(explain(error, { name, value })));
    },
    show(control, text) {
      this.clear();
      if (control && control.isConnected) {
        showAt(control, text);
        current = control;
      } else if (box) {
        box.textContent = text;
      }
    },
    clear() {
      if (current) clearAt(current);
      current = null;
      if (box) box.textContent = "";
    },
  };
}

// fieldMap({ "start[0]": "race-sx", start: "race-sx", steps: () => el }) -> controlFor(field):
// the control for the API's field, or for its longest listed prefix ("noise.std" -> "noise").
export function fieldMap(entries) {
  const keys = Object.keys(entries).sort((a, b) => b.length - a.length);
  return (field) => {
    const key = keys.find((k) => field === k || field.startsWith(`${k}[`) || field.startsWith(`${k}.`));
    if (key === undefined) return null;
    const target = entries[key];
    return typeof target === "function" ? target(field) : document.getElementById(target);
  };
}

// A catalogue control's limits ({ type: "int" | "float", min, max }) checked before sending:
// the sentence when `raw` is refused, else null. The catalogue is the server's, so the page and
// the API agree on every limit.
// kept: the value still in use, said so the learner knows what the page shows meanwhile.
export function outOfRange(name, spec, raw, kept, { optimizer = false } = {}) {
  const value = Number(raw);
  const whole = spec.type === "int";
  const params = { name: capital(name), min: spec.min, max: spec.max, value: raw };
  const range = whole ? t("a whole number from {min} to {max}", params) : t("a number from {min} to {max}", params);
  let text = null;
  if (String(raw).trim() === "") text = t("{name} is empty: give {range}.", { ...params, range });
  else if (!Number.isFinite(value) || (whole && !Number.isInteger(value)) || value < spec.min || value > spec.max) {
    text = t("{name} must be {range} (you gave {value}).", { ...params, range });
  }
  if (text === null || kept === undefined) return text;
  const still = optimizer ? t("It still uses {kept}.", { kept }) : t("The lesson still uses {kept}.", { kept });
  return t("{sentence} {still}", { sentence: text, still });
}
