// The network in the URL, and small edits to a list of layer specs. Pure: node's test runner
// checks these (tests/js/cnn.test.mjs).
//
// Layers are joined by "*", each written as its type and then its options in the catalogue's
// order, joined by "_", with trailing defaults left out (characters a URL keeps as they are):
//   conv_8_3_1_1*relu*maxpool_2*conv_16_3_1_1*relu*maxpool_2*flatten*linear_8
// A spec is { type, option: value, ... } with only the options given (the API fills in
// PyTorch's defaults: a pooling stride left out is the window size).

const LAYER_SEP = "*";
const OPTION_SEP = "_";

// types: the catalogue's layer_types { name: { options: { key: { default, min, max, integer } } } }
export function formatNet(layers, types) {
  return layers
    .map((spec) => {
      const keys = Object.keys(types[spec.type].options);
      const values = keys.map((key) => spec[key]);
      let last = values.length;
      while (last > 0 && (values[last - 1] === undefined || values[last - 1] === types[spec.type].options[keys[last - 1]].default)) last--;
      const written = values.slice(0, last).map((v) => (v === undefined ? "" : String(v)));
      return [spec.type, ...written].join(OPTION_SEP);
    })
    .join(LAYER_SEP);
}

// The type a token starts with: the longest known name followed by "_" or the end ("leaky_relu"
// before "relu" would matter only if one name began another; the longest match is safe).
function typeOf(token, types) {
  let best = null;
  for (const name of Object.keys(types)) {
    const fits = token === name || token.startsWith(name + OPTION_SEP);
    if (fits && (best === null || name.length > best.length)) best = name;
  }
  return best;
}

function parseOption(text, option) {
  if (text === "") return undefined;
  const n = Number(text);
  if (!Number.isFinite(n) || (option.integer && !Number.isInteger(n))) return null;
  if (n < option.min || n > option.max) return null;
  return n;
}

// The layer list of a URL value, or null when anything in it is not a layer the catalogue knows
// (the page then opens its default network).
export function parseNet(text, types, maxLayers) {
  if (typeof text !== "string" || text === "") return null;
  const tokens = text.split(LAYER_SEP);
  if (tokens.length > maxLayers) return null;
  const layers = [];
  for (const token of tokens) {
    const type = typeOf(token, types);
    if (type === null) return null;
    const rest = token.slice(type.length + 1);
    const parts = rest === "" ? [] : rest.split(OPTION_SEP);
    const options = Object.entries(types[type].options);
    if (parts.length > options.length) return null;
    const spec = { type };
    for (let i = 0; i < options.length; i++) {
      const [key, option] = options[i];
      const value = i < parts.length ? parseOption(parts[i], option) : undefined;
      if (value === null) return null;
      if (value !== undefined) spec[key] = value;
      else if (option.default === null && key !== "stride") return null; // a required option
    }
    layers.push(spec);
  }
  return layers;
}

// A new layer of this type with its defaults (required options from the catalogue's suggestion).
export function newLayer(type, types, suggested = {}) {
  const spec = { type };
  for (const [key, option] of Object.entries(types[type].options)) {
    if (option.default === null && key !== "stride") spec[key] = suggested[key] ?? option.min;
  }
  return spec;
}

// The layers with the last linear layer giving `classes` scores (a data set with another number
// of classes); the list itself is not changed.
export function withClasses(layers, classes) {
  const last = layers[layers.length - 1];
  if (!last || last.type !== "linear" || last.out === classes) return layers;
  return [...layers.slice(0, -1), { ...last, out: classes }];
}

export function setOption(layers, index, key, value) {
  return layers.map((spec, i) => {
    if (i !== index) return spec;
    const next = { ...spec };
    if (value === undefined) delete next[key];
    else next[key] = value;
    return next;
  });
}

export function insertLayer(layers, index, spec) {
  return [...layers.slice(0, index), spec, ...layers.slice(index)];
}

export function removeLayer(layers, index) {
  return layers.filter((_, i) => i !== index);
}

export function moveLayer(layers, index, by) {
  const to = index + by;
  if (to < 0 || to >= layers.length) return layers;
  const next = [...layers];
  [next[index], next[to]] = [next[to], next[index]];
  return next;
}
