// Your own f(x, y) on /optimizers: the field, the domain and the examples (in the URL as fx and
// dom, the start as the race's start), POST /api/surfaces/custom as the learner types (coalesced:
// one request in flight, the latest text wins), the gradient the core derived, as formulas, and
// the points where f is not finite, shaded and said. A surface that works is registered as
// page.surfaces / page.grids "custom", so the race, the learning-rate lesson and the search run
// on it like on a built-in one (they send surfaceRef(info) where they send a name). A mistake is
// explained under the field, with the column the API names; the last f that worked stays drawn.

import { postJSON } from "../../api.js";
import { createCoalescer } from "../../coalesce.js";
import { byId, el } from "../../dom.js";
import { explain } from "../../errors.js";
import { renderFormula } from "./formula.js";
import { english } from "./presets.js";

export const CUSTOM = "custom";

// What a request names as its surface: a built-in's name, or the typed {expression, domain}.
export const surfaceRef = (info) => info.request || info.name;

// The state's keys for the typed surface: the text and the domain [x0, x1, y0, y1].
export function customKeys(custom) {
  const first = custom.examples[0];
  return {
    fx: { type: "string", default: first.expression },
    dom: { type: "floats", default: first.domain.flat() },
  };
}

export const domainOf = (dom) => [
  [dom[0], dom[1]],
  [dom[2], dom[3]],
];

// The column the API's sentence names ("... at column 14 ..."), or null.
export function columnOf(detail) {
  const match = /\bat column (\d+)\b/.exec(detail || "");
  return match ? Number(match[1]) : null;
}

// The typed text with a caret under a column (1-based).
export const caretLine = (text, col) => `${text}\n${" ".repeat(Math.max(0, col - 1))}^`;

export function nonfiniteSentence(count, total, t = english) {
  if (!count) return "";
  const n = (v) => v.toLocaleString("en");
  return count === total
    ? t("f is not finite at any of the {total} grid points: nothing to draw or race on in this domain.", { total: n(total) })
    : t("f is not finite at {count} of {total} grid points, shaded.", { count: n(count), total: n(total) });
}

function inside([x, y], [[x0, x1], [y0, y1]]) {
  return x >= x0 && x <= x1 && y >= y0 && y <= y1;
}

const DOMAIN_INPUTS = ["custom-x0", "custom-x1", "custom-y0", "custom-y1"];

// The page passes its t (i18n.js) in the options: node's tests load this module without a DOM.
export function createCustom(page, { onSurface, t = english }) {
  const catalogue = page.catalogue.custom;
  const field = byId("custom-expr");
  const loaded = { key: null }; // the (fx, dom) of the registered surface
  for (const id of ["race-surface", "lr-surface"]) {
    const option = el("option", "", catalogue.label);
    option.value = CUSTOM;
    byId(id).append(option);
  }

  const keyOf = ({ fx, dom }) => JSON.stringify([fx, dom]);
  const wanted = () => {
    const v = page.state.get();
    return v.surface === CUSTOM || v.lr_surface === CUSTOM;
  };

  function showExpressionError(text, col, typed) {
    byId("custom-expr-error").textContent = text;
    const caret = byId("custom-caret");
    caret.hidden = !text || col === null;
    caret.textContent = text && col !== null ? caretLine(typed, col) : "";
    if (text) field.setAttribute("aria-invalid", "true");
    else field.removeAttribute("aria-invalid");
  }

  function showDomainError(text) {
    byId("custom-domain-error").textContent = text;
    for (const id of DOMAIN_INPUTS) {
      if (text) byId(id).setAttribute("aria-invalid", "true");
      else byId(id).removeAttribute("aria-invalid");
    }
  }

  function stillShown() {
    const info = page.surfaces.get(CUSTOM);
    if (!info) return "";
    return " " + t("The map and the race still use the last f that worked: {f}.", { f: info.expression });
  }

  function refuse(error, target) {
    if (error.field && error.field.endsWith("domain")) {
      showDomainError(explain(error, { name: t("The domain") }) + stillShown());
      showExpressionError("", null, "");
      return;
    }
    const col = error.field && error.field.endsWith("expression") ? columnOf(error.message) : null;
    showExpressionError(explain(error, { name: "f(x, y)", value: target.fx }) + stillShown(), col, target.fx);
    showDomainError("");
  }

  function register(data, target) {
    const info = {
      name: CUSTOM,
      label: catalogue.label,
      formula: data.formula,
      domain: data.domain,
      minima: [],
      default_start: data.default_start,
      f_min: null, // unknown: the loss plot is linear and the log colour scale starts at the grid's minimum
      log_scale: data.log_scale,
      note: t("read as {f}", { f: data.expression }),
      expression: data.expression, // normalised
      nonfinite_count: data.nonfinite_count,
      request: { expression: target.fx, domain: domainOf(target.dom) },
    };
    page.surfaces.set(CUSTOM, info);
    page.grids.set(CUSTOM, { xs: data.xs, ys: data.ys, values: data.values, min: data.min, max: data.max });
    loaded.key = keyOf(target);
    renderFormula(byId("custom-dx"), String.raw`\displaystyle \frac{\partial f}{\partial x} = ${data.gradient.x}`);
    renderFormula(byId("custom-dy"), String.raw`\displaystyle \frac{\partial f}{\partial y} = ${data.gradient.y}`);
    byId("custom-nonfinite").textContent = nonfiniteSentence(data.nonfinite_count, data.xs.length * data.ys.length, t);
    showExpressionError("", null, "");
    showDomainError("");
    showKey();
  }

  function showKey() {
    const info = page.surfaces.get(CUSTOM);
    byId("race-key-nonfinite").hidden = !(page.state.get().surface === CUSTOM && info && info.nonfinite_count > 0);
  }

  const send = (target) =>
    postJSON("/api/surfaces/custom", {
      expression: target.fx,
      domain: domainOf(target.dom),
      resolution: page.catalogue.grid_resolution,
    });
  // Typing: a request 250 ms after the last key, one in flight, the latest text wins.
  const typed = createCoalescer(send, {
    delay: 250,
    onResult: (data, target) => {
      register(data, target);
      onSurface();
    },
    onError: refuse,
  });

  const current = () => ({ fx: page.state.get().fx, dom: page.state.get().dom });

  function syncInputs({ surface, fx, dom }) {
    byId("custom-controls").hidden = surface !== CUSTOM;
    if (field.value !== fx) field.value = fx;
    DOMAIN_INPUTS.forEach((id, k) => {
      if (Number(byId(id).value) !== dom[k] || byId(id).value === "") byId(id).value = String(dom[k]);
    });
    const example = catalogue.examples.find((e) => e.expression === fx && e.domain.flat().join() === dom.join());
    byId("custom-example").value = example ? example.name : "";
    showKey();
  }

  function setDomain() {
    const values = DOMAIN_INPUTS.map((id) => byId(id).value);
    const blank = values.findIndex((v) => v.trim() === "" || !Number.isFinite(Number(v)));
    if (blank >= 0) {
      const label = byId(DOMAIN_INPUTS[blank]).labels[0].textContent.trim();
      showDomainError(t("{name} must be a number, such as {example}.", { name: label, example: page.state.get().dom[blank] }));
      return;
    }
    const dom = values.map(Number);
    const { start } = page.state.get();
    const keep = start.length !== 2 || inside(start, domainOf(dom));
    page.state.set({ dom, ...(keep ? {} : { start: [], step: 0 }) });
  }

  field.addEventListener("input", () => page.state.set({ fx: field.value }));
  DOMAIN_INPUTS.forEach((id) => byId(id).addEventListener("change", setDomain));
  byId("custom-example").addEventListener("change", (event) => {
    const example = catalogue.examples.find((e) => e.name === event.target.value);
    if (example) page.state.set({ fx: example.expression, dom: example.domain.flat(), start: example.start || [], step: 0 });
  });
  byId("custom-controls").addEventListener("submit", (event) => event.preventDefault());

  page.state.subscribe((values, changed) => {
    if (changed.some((key) => ["surface", "fx", "dom"].includes(key))) syncInputs(values);
    if (!changed.some((key) => ["surface", "lr_surface", "fx", "dom"].includes(key)) || !wanted()) return;
    if (keyOf(current()) !== loaded.key) {
      typed.request(current());
    } else {
      typed.cancel(); // back to the f that is drawn: nothing to ask, nothing wrong
      showExpressionError("", null, "");
      showDomainError("");
    }
  });

  syncInputs(page.state.get());
  return {
    // The first load, at once; false when the page wants f and no f works yet.
    async start() {
      if (!wanted()) return true;
      const target = current();
      try {
        register(await send(target), target);
      } catch (error) {
        refuse(error, target);
      }
      return page.surfaces.has(CUSTOM);
    },
  };
}
