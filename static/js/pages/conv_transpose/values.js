// The lesson's numbers: whole numbers drawn from the seed within the fill's ranges (from the
// catalogue), plus the learner's edits ("x.c.i.j", "w.c.f.m.n", "b.f" keys). Pure: node's test
// runner checks these (tests/js).

import { mulberry32, parseEdits } from "../../seeded.js";

// v: the state's h, w, c, f, k, seed, edits; fill: { input, weights, bias } as [low, high]
// -> { x: C×H×W, w: C×F×K×K (PyTorch's transposed layout), b: [F] }
export function makeValues(v, fill) {
  const random = mulberry32(v.seed);
  const draw = ([low, high]) => low + Math.floor(random() * (high - low + 1));
  const edits = parseEdits(v.edits);
  const pick = (key, range) => {
    const drawn = draw(range); // drawn even when edited, so an edit changes only its own cell
    return edits.has(key) ? edits.get(key) : drawn;
  };
  const x = [];
  for (let c = 0; c < v.c; c++) {
    x.push([]);
    for (let i = 0; i < v.h; i++) {
      x[c].push([]);
      for (let j = 0; j < v.w; j++) x[c][i].push(pick(`x.${c}.${i}.${j}`, fill.input));
    }
  }
  const w = [];
  for (let c = 0; c < v.c; c++) {
    w.push([]);
    for (let f = 0; f < v.f; f++) {
      w[c].push([]);
      for (let m = 0; m < v.k; m++) {
        w[c][f].push([]);
        for (let n = 0; n < v.k; n++) w[c][f][m].push(pick(`w.${c}.${f}.${m}.${n}`, fill.weights));
      }
    }
  }
  const b = [];
  for (let f = 0; f < v.f; f++) b.push(pick(`b.${f}`, fill.bias));
  return { x, w, b };
}

// The preset whose every setting equals the state's (and no edits), or null: a custom view.
export function matchingPreset(presets, v) {
  if (v.edits) return null;
  return presets.find((preset) => Object.entries(preset.settings).every(([key, value]) => v[key] === value)) || null;
}

// Output cell (f, r, c) -> the direct view's step that computes it (filter, then row, then column).
export function directStepIndex([, Ho, Wo], f, r, c) {
  return f * Ho * Wo + r * Wo + c;
}

// The canvas of filter f after scatter step `upto`: each cell the running sum the API gave
// after the last stamp on it, null where no stamp has landed yet.
export function canvasAfter(steps, f, rows, cols, upto) {
  const canvas = Array.from({ length: rows }, () => new Array(cols).fill(null));
  for (let s = 0; s <= upto && s < steps.length; s++) {
    steps[s].canvas_cells.forEach(([r, c], t) => {
      canvas[r][c] = steps[s].after[f][t];
    });
  }
  return canvas;
}

// "r,c" of a canvas cell -> the stamps on it, [{ step, tap }], in the order they land.
export function stampsByCell(steps) {
  const map = new Map();
  steps.forEach((step, index) => {
    step.canvas_cells.forEach(([r, c], tap) => {
      const key = `${r},${c}`;
      if (!map.has(key)) map.set(key, []);
      map.get(key).push({ step: index, tap });
    });
  });
  return map;
}
