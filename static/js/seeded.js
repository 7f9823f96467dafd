// Seeded values and learner edits, shared by the stepper pages: a seed plus a list of edited
// cells reproduces every value, so both fit in the URL.

// mulberry32: a small, fast, seedable PRNG returning floats in [0, 1).
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// "x.0.1.2=3;w.0.1.2.2=-1" <-> Map { "x.0.1.2" => 3, ... }; malformed parts are skipped.
export function parseEdits(text) {
  const edits = new Map();
  for (const part of text.split(";")) {
    const [key, value] = part.split("=");
    if (key && value !== undefined && value !== "" && Number.isFinite(Number(value))) {
      edits.set(key, Number(value));
    }
  }
  return edits;
}

export function formatEdits(edits) {
  return [...edits].map(([key, value]) => `${key}=${value}`).join(";");
}

// A small caption above a grid.
export function caption(text) {
  const div = document.createElement("div");
  div.className = "slice-caption";
  div.textContent = text;
  return div;
}
