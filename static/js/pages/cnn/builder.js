// Section 1, build the network: the data set, presets, one row per layer (its type and options,
// move and remove), adding a layer, and what POST /api/cnn/network says of each layer: its
// output shape with the size formula, its parameter count, and why a layer does not fit.

import { isAbort, postJSON } from "../../api.js";
import { coalesced } from "../../coalesce.js";
import { byId, el, fillSelect } from "../../dom.js";
import { explain, labelOf, outOfRange, showAt } from "../../errors.js";
import { lang } from "../../i18n.js";
import { insertLayer, moveLayer, newLayer, removeLayer, setOption } from "./netcode.js";
import { both, TEXT, typeName } from "./text.js";

const T = TEXT.build;

function typeLabel(types, name) {
  return both(types[name].label, types[name].label_zh);
}
const optionName = (key) => T.optionNames[key] || key;

function formulaLines(layer) {
  const lines = [];
  const { sizes } = layer;
  if (sizes) {
    const [h, w] = [sizes.height, sizes.width];
    if (h.formula === w.formula) lines.push(T.square(h));
    else lines.push(T.axis(h), T.axis(w));
    for (const r of h.formula === w.formula ? [h] : [h, w]) {
      if (!r.exact) lines.push(T.overhang(r));
      if (r.unvisited.length) lines.push(T.unvisited(r));
      if (!r.exact && T.fits(r)) lines.push(T.fits(r));
    }
  }
  if (layer.shape_formula) lines.push(layer.shape_formula);
  if (layer.params_formula) lines.push(T.paramsFormula(layer.params_formula));
  return lines;
}

export function createBuilder(page) {
  const { layer_types: types, max_layers: maxLayers } = page.catalogue;
  const list = byId("cnn-layers");
  const describeNet = coalesced((body) => postJSON("/api/cnn/network", body));

  function optionInput(i, spec, key, option) {
    const label = el("label", "cnn-option");
    label.title = option.description;
    const input = el("input");
    Object.assign(input, {
      type: "number",
      min: String(option.min),
      max: String(option.max),
      step: option.integer ? "1" : "any",
      value: spec[key] === undefined ? "" : String(spec[key]),
    });
    input.dataset.focus = `${i}.${key}`;
    input.setAttribute("aria-label", T.option(i, optionName(key)));
    if (option.default === null && key === "stride") input.placeholder = T.strideDefault;
    else if (spec[key] === undefined && option.default !== null) input.placeholder = String(option.default);
    input.addEventListener("change", () => {
      const raw = input.value.trim();
      const value = Number(raw);
      const optional = option.default !== null || key === "stride";
      if (raw === "" && optional) {
        showAt(input, null);
        return page.setLayers(setOption(page.layers(), i, key, undefined));
      }
      // A refused value stays as typed, with a sentence next to it; the network keeps the old one.
      const kept = spec[key] === undefined ? (option.default ?? T.itsDefault) : spec[key];
      const refused = outOfRange(labelOf(input), { type: option.integer ? "int" : "float", min: option.min, max: option.max }, raw);
      showAt(input, refused && `${refused} ${T.stillUses(kept)}`);
      if (!refused) page.setLayers(setOption(page.layers(), i, key, value));
    });
    label.append(el("span", "", optionName(key)), input);
    return label;
  }

  function button(text, title, focus, onClick, disabled) {
    const b = el("button", "cnn-icon", text);
    b.type = "button";
    b.title = title;
    b.setAttribute("aria-label", title);
    b.dataset.focus = focus;
    b.disabled = Boolean(disabled);
    b.addEventListener("click", onClick);
    return b;
  }

  function row(i, spec, count) {
    const item = el("li", "cnn-layer");
    item.dataset.index = String(i);
    item.dataset.type = spec.type;
    const head = el("div", "cnn-layer-head");
    const index = el("span", "cnn-layer-index", String(i));
    index.setAttribute("aria-hidden", "true");
    const type = el("select", "cnn-layer-type");
    fillSelect(type, Object.keys(types).map((name) => [name, typeLabel(types, name)]));
    type.value = spec.type;
    type.dataset.focus = `${i}.type`;
    type.setAttribute("aria-label", T.typeOf(i));
    type.addEventListener("change", () => {
      const kept = Object.fromEntries(Object.entries(spec).filter(([key]) => key in types[type.value].options));
      page.setLayers(page.layers().map((s, k) => (k === i ? { ...newLayer(type.value, types, kept), ...kept, type: type.value } : s)));
    });
    head.append(index, type);
    for (const [key, option] of Object.entries(types[spec.type].options)) head.append(optionInput(i, spec, key, option));
    const tools = el("span", "cnn-layer-tools");
    const layers = () => page.layers();
    tools.append(
      button("↑", T.up(i), `${i}.up`, () => page.setLayers(moveLayer(layers(), i, -1)), i === 0),
      button("↓", T.down(i), `${i}.down`, () => page.setLayers(moveLayer(layers(), i, 1)), i === count - 1),
      button("×", T.remove(i), `${i}.remove`, () => page.setLayers(removeLayer(layers(), i)), count === 1),
    );
    head.append(tools);
    item.append(head, el("div", "cnn-layer-info"), el("div", "cnn-layer-error"));
    return item;
  }

  function fillAdd(layers) {
    fillSelect(byId("cnn-add-type"), Object.keys(types).map((name) => [name, typeLabel(types, name)]));
    const at = layers.map((layer, i) => [String(i), T.at(i, typeName(types, layer.type))]);
    fillSelect(byId("cnn-add-at"), [...at, [String(layers.length), T.atEnd]]);
    const flatten = layers.findIndex((layer) => layer.type === "flatten");
    byId("cnn-add-at").value = String(flatten >= 0 ? flatten : layers.length);
    byId("cnn-add-button").disabled = layers.length >= maxLayers;
  }

  // The rows from the state (the description follows when the server answers), drawn after the
  // event that changed it has finished: a Tab out of an edited option has moved the focus by then,
  // and the new rows give the focus back to the same control.
  let pending = null;
  function render() {
    if (pending === null) pending = setTimeout(renderNow, 0);
  }

  function renderNow() {
    if (pending !== null) clearTimeout(pending);
    pending = null;
    const focused = document.activeElement && document.activeElement.dataset ? document.activeElement.dataset.focus : null;
    const layers = page.layers();
    list.replaceChildren(...layers.map((spec, i) => row(i, spec, layers.length)));
    fillAdd(layers);
    const data = page.dataset();
    byId("cnn-input").textContent = T.input(data.shape);
    byId("cnn-data").value = data.name;
    byId("cnn-data-note").textContent = T.dataNote(data);
    if (focused) {
      const again = list.querySelector(`[data-focus="${focused}"]`);
      if (again && !again.disabled) again.focus();
    }
  }

  function show(out) {
    if (pending !== null) renderNow();
    const rows = [...list.children];
    rows.forEach((item, i) => {
      const info = item.querySelector(".cnn-layer-info");
      const error = item.querySelector(".cnn-layer-error");
      const layer = out.layers[i];
      item.classList.toggle("bad", Boolean(out.error && out.error.layer === i));
      item.classList.toggle("unreached", !layer && !(out.error && out.error.layer === i));
      error.textContent = out.error && out.error.layer === i ? out.error.message : "";
      if (!layer) {
        info.replaceChildren(el("span", "cnn-muted", out.error && out.error.layer === i ? "" : T.notReached));
        return;
      }
      const line = el("div", "cnn-layer-shape");
      line.append(el("strong", "cnn-shape", T.out(layer)), el("span", "cnn-params", layer.params ? T.params(layer.params) : T.noParams), el("span", "cnn-desc", layer.description));
      const formulas = el("div", "cnn-formulas formula");
      formulas.append(...formulaLines(layer).map((text) => el("div", "", text)));
      info.replaceChildren(line, formulas);
    });
    const general = out.error && out.error.layer === null ? out.error.message : "";
    byId("cnn-net-error").textContent = general;
    let summary = T.notFit;
    if (out.fits) summary = out.trainable ? T.summary(out) : T.notTrainable(out.train_error);
    byId("cnn-net-summary").textContent = summary;
    byId("cnn-build").classList.toggle("cnn-unfit", !out.trainable);
  }

  async function describe() {
    const v = page.state.get();
    const body = { layers: page.layers(), dataset: v.data, optimizer: page.optimizer().name, batch_size: v.batch };
    byId("cnn-net-summary").textContent = T.pending;
    let out;
    try {
      out = await describeNet(body);
    } catch (error) {
      if (isAbort(error)) return null;
      byId("cnn-net-error").textContent = explain(error);
      byId("cnn-net-summary").textContent = T.notFit;
      page.network = null;
      return null;
    }
    page.network = out;
    show(out);
    return out;
  }

  function wire() {
    const { datasets, presets } = page.catalogue;
    fillSelect(byId("cnn-data"), datasets.map((d) => [d.name, lang === "zh" ? d.label_zh : `${d.label} ${d.label_zh}`]));
    byId("cnn-data").addEventListener("change", (event) => page.setDataset(event.target.value));
    const buttons = Object.entries(presets).map(([name, preset]) => {
      const b = el("button", "btn secondary", lang === "zh" ? preset.label_zh : `${preset.label} `);
      if (lang !== "zh") {
        const zh = el("span", "", preset.label_zh);
        zh.lang = "zh";
        b.append(zh);
      }
      b.type = "button";
      b.title = preset.description;
      b.dataset.preset = name;
      b.addEventListener("click", () => page.setLayers(preset.layers[page.state.get().data]));
      return b;
    });
    byId("cnn-presets").replaceChildren(...buttons);
    byId("cnn-add").addEventListener("submit", (event) => {
      event.preventDefault();
      const layers = page.layers();
      if (layers.length >= maxLayers) return;
      const at = Number(byId("cnn-add-at").value);
      const type = byId("cnn-add-type").value;
      page.setLayers(insertLayer(layers, at, newLayer(type, types, { filters: 8, size: type === "conv" ? 3 : 2, out: 32 })));
    });
  }

  wire();
  return { render: renderNow, schedule: render, describe };
}
