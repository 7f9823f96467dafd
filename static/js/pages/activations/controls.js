// The forms of the lesson <-> the state store: the function list, the curve controls and the
// two experiments' settings. Limits come from the catalogue (the inputs' min/max are the same).

import { byId, el } from "../../dom.js";
import { labelOf, outOfRange, showAt } from "../../errors.js";
import { formatPieces, parsePieces, selected } from "./helpers.js";
import { COLORS, LECTURE, MAXOUT_PRESETS } from "./text.js";

const VAN_FIELDS = { depth: "vd", dist: "vdist", loc: "vloc", scale: "vscale", samples: "vn", seed: "vseed", stat: "vstat" };
const DEAD_FIELDS = { w: "dw", b: "db", dist: "ddist", loc: "dloc", scale: "dscale", samples: "dn", seed: "dseed", lr: "lr" };
const FORM_VALUES = {
  "van-controls": Object.entries(VAN_FIELDS),
  "dead-controls": Object.entries(DEAD_FIELDS),
};

export function buildFunctionList(page) {
  const items = Object.entries(page.catalogue.functions).map(([name, info]) => {
    const label = el("label", "inline act-fn");
    const box = el("input");
    Object.assign(box, { type: "checkbox", name: "fn", value: name });
    const dot = el("span", "act-dot");
    dot.style.backgroundColor = COLORS[name];
    const text = el("span", "", info.label);
    text.translate = false; // a name: the same in both languages
    label.append(box, dot, text);
    if (!LECTURE.includes(name)) label.classList.add("act-modern");
    return label;
  });
  byId("act-function-list").replaceChildren(...items);
}

export function syncControls(page) {
  const v = page.state.get();
  const functions = page.catalogue.functions;
  const names = selected(v.fns, v.focus, Object.keys(functions));
  const form = byId("act-controls");
  for (const box of form.querySelectorAll('input[name="fn"]')) box.checked = names.includes(box.value);
  const focus = byId("act-focus");
  focus.replaceChildren(
    ...names.map((name) => {
      const option = el("option", "", functions[name].label);
      option.value = name;
      return option;
    }),
  );
  focus.value = names.includes(v.focus) ? v.focus : names[0];
  form.elements.range.value = v.range;
  form.elements.thr.value = v.thr;
  form.elements.deriv.checked = v.deriv;
  for (const [id, fields] of Object.entries(FORM_VALUES)) {
    for (const [name, key] of fields) byId(id).elements[name].value = v[key];
  }
  byId("van-depth-value").textContent = String(v.vd);
  byId("dead-w-value").textContent = String(v.dw);
  byId("dead-b-value").textContent = String(v.db);
}

// A number input's value if it is within its control's limits, otherwise null and a sentence next
// to the input (which keeps what was typed).
function readNumber(page, input, key) {
  const refused = outOfRange(labelOf(input), page.catalogue.controls[key], input.value, page.state.get()[key]);
  showAt(input, refused);
  return refused ? null : Number(input.value);
}

function onCurveControl(page, event) {
  const target = event.target;
  const state = page.state;
  const v = state.get();
  const all = Object.keys(page.catalogue.functions);
  if (target.name === "fn") {
    let names = selected(v.fns, v.focus, all).filter((n) => n !== target.value);
    if (target.checked) names = all.filter((n) => names.includes(n) || n === target.value);
    if (!names.length) names = [target.value];
    const patch = { fns: names.join(",") };
    if (target.checked) patch.focus = target.value;
    else if (!names.includes(v.focus)) patch.focus = names[0];
    state.set(patch);
  } else if (target.name === "range") {
    const value = readNumber(page, target, "range");
    if (value !== null) state.set({ range: value });
  } else if (target.name === "focus" || target.name === "thr") {
    state.set({ [target.name]: target.value });
  } else if (target.name === "deriv") {
    state.set({ deriv: target.checked });
  }
}

// An experiment's form: selects set their key, numbers are checked first.
function experimentHandler(page, fields, extra = () => ({})) {
  return (event) => {
    const target = event.target;
    const key = fields[target.name];
    if (!key) return;
    if (target.tagName === "SELECT") {
      page.state.set({ [key]: target.value });
      return;
    }
    const value = readNumber(page, target, key);
    if (value !== null) page.state.set({ [key]: value, ...extra(key) });
  };
}

export function wireControls(page, dead) {
  const form = byId("act-controls");
  form.addEventListener("change", (event) => onCurveControl(page, event));
  for (const id of ["act-controls", "van-controls", "dead-controls"]) {
    byId(id).addEventListener("submit", (event) => event.preventDefault());
  }
  byId("act-alpha-range").addEventListener("input", (event) => {
    const key = { leaky_relu: "la", prelu: "pa", elu: "ea" }[page.state.get().focus];
    if (key) page.state.set({ [key]: Number(event.target.value) });
  });
  byId("act-piece-add").addEventListener("click", () => {
    const pieces = parsePieces(page.state.get().pieces);
    if (pieces.length < page.catalogue.max_pieces) page.state.set({ pieces: formatPieces([...pieces, [0.5, -1]]) });
  });
  for (const button of document.querySelectorAll("[data-preset]")) {
    button.addEventListener("click", () => page.state.set({ pieces: MAXOUT_PRESETS[button.dataset.preset] }));
  }
  const onVanish = experimentHandler(page, VAN_FIELDS, (key) => (key === "vd" ? { vk: 0 } : {}));
  const onDead = experimentHandler(page, DEAD_FIELDS);
  for (const [id, handler] of [["van-controls", onVanish], ["dead-controls", onDead]]) {
    byId(id).addEventListener("change", handler);
    byId(id).addEventListener("input", (event) => event.target.type === "range" && handler(event));
  }
  byId("dead-step").addEventListener("click", () => dead.step());
}
