// One state object per page, mirrored in the URL query so a shared link reopens the same view.
//
// schema: { key: { type: "int" | "float" | "string" | "bool" | "ints" | "floats", default,
//                  min, max, options } }
// Values read from the URL are checked against the schema; anything invalid falls back to the
// default, so a hand-edited or truncated link still opens a working page. A lesson's controls
// come from its catalogue (catalogue.js) in this same form.

const URL_BURST = 8; // URL writes a second before they wait

export function parseValue(spec, raw) {
  if (raw === null || raw === undefined) return spec.default;
  const clamp = (n) => {
    if (spec.min !== undefined && n < spec.min) return spec.default;
    if (spec.max !== undefined && n > spec.max) return spec.default;
    return n;
  };
  switch (spec.type) {
    case "int": {
      const n = Number(raw);
      return Number.isInteger(n) ? clamp(n) : spec.default;
    }
    case "float": {
      const n = Number(raw);
      return raw !== "" && Number.isFinite(n) ? clamp(n) : spec.default;
    }
    case "bool":
      return raw === "1" || raw === "true";
    case "ints":
    case "floats": {
      if (raw === "") return [];
      const items = raw.split(",").map(Number);
      const ok = items.every((n) => Number.isFinite(n) && (spec.type === "floats" || Number.isInteger(n)));
      return ok ? items : spec.default;
    }
    default:
      if (spec.options && !spec.options.includes(raw)) return spec.default;
      return raw;
  }
}

export function formatValue(spec, value) {
  if (spec.type === "bool") return value ? "1" : "0";
  if (Array.isArray(value)) return value.join(",");
  return String(value);
}

export function createState(schema) {
  const listeners = new Set();
  const params = new URLSearchParams(window.location.search);
  let values = {};
  for (const [key, spec] of Object.entries(schema)) {
    values[key] = parseValue(spec, params.get(key));
  }

  function writeUrl() {
    if (pending !== null) window.clearTimeout(pending);
    pending = null;
    writes.push(Date.now());
    const query = new URLSearchParams(window.location.search);
    for (const [key, spec] of Object.entries(schema)) {
      query.set(key, formatValue(spec, values[key]));
    }
    const url = `${window.location.pathname}?${query.toString()}${window.location.hash}`;
    window.history.replaceState(null, "", url);
  }

  // A timeline playing 100 steps a second changes the state 100 times a second, and Chrome
  // ignores replaceState beyond about 200 calls in 10 s. A change a person makes is written at
  // once; past URL_BURST writes in a second the URL follows at most that often, and the last
  // change is always written.
  let pending = null;
  const writes = [];
  function scheduleUrl() {
    const now = Date.now();
    while (writes.length && writes[0] <= now - 1000) writes.shift();
    if (writes.length < URL_BURST) writeUrl();
    else if (pending === null) pending = window.setTimeout(writeUrl, writes[0] + 1000 - now);
  }

  return {
    get: () => values,
    // Changes keys, writes the URL and tells subscribers which keys changed.
    set(patch) {
      const changed = Object.keys(patch).filter(
        (key) => key in schema && formatValue(schema[key], patch[key]) !== formatValue(schema[key], values[key]),
      );
      if (!changed.length) return;
      values = { ...values, ...patch };
      scheduleUrl();
      for (const listener of listeners) listener(values, changed);
    },
    reset(keys) {
      const patch = {};
      for (const key of keys || Object.keys(schema)) patch[key] = schema[key].default;
      this.set(patch);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    writeUrl,
  };
}
