// The stepper's numbers: seeded small integers, as in the CS231n demo, plus the learner's edits
// ("x.c.r.col", "w.f.c.i.j", "b.f" keys). Pure: node's test runner checks these (tests/js).

import { mulberry32, parseEdits } from "../../seeded.js";

// v: the state's h, w, c, f, k, seed, edits -> { x: C×H×W, w: F×C×K×K, b: [F] }
export function makeValues(v) {
  const random = mulberry32(v.seed);
  const int = (lo, hi) => lo + Math.floor(random() * (hi - lo + 1));
  const edits = parseEdits(v.edits);
  const pick = (key, fallback) => (edits.has(key) ? edits.get(key) : fallback);
  const x = [];
  for (let c = 0; c < v.c; c++) {
    x.push([]);
    for (let r = 0; r < v.h; r++) {
      x[c].push([]);
      for (let col = 0; col < v.w; col++) x[c][r].push(pick(`x.${c}.${r}.${col}`, int(0, 2)));
    }
  }
  const w = [];
  for (let f = 0; f < v.f; f++) {
    w.push([]);
    for (let c = 0; c < v.c; c++) {
      w[f].push([]);
      for (let i = 0; i < v.k; i++) {
        w[f][c].push([]);
        for (let j = 0; j < v.k; j++) w[f][c][i].push(pick(`w.${f}.${c}.${i}.${j}`, int(-1, 1)));
      }
    }
  }
  const b = [];
  for (let f = 0; f < v.f; f++) b.push(pick(`b.${f}`, f === 0 ? 1 : int(0, 1)));
  return { x, w, b };
}

// Channel c of x inside p rings of zeros.
export function paddedChannel(x, c, p) {
  const H = x[c].length;
  const W = x[c][0].length;
  return Array.from({ length: H + 2 * p }, (_, r) =>
    Array.from({ length: W + 2 * p }, (_, col) => {
      const rr = r - p;
      const cc = col - p;
      return rr < 0 || cc < 0 || rr >= H || cc >= W ? 0 : x[c][rr][cc];
    }),
  );
}

// The kernel as slid over the input: rotated 180° in convolution mode.
export function slidKernel(kernel, mode) {
  if (mode !== "convolution") return kernel;
  return kernel.map((row) => [...row].reverse()).reverse();
}

// The step (filter, then row, then column) that computes output cell (f, r, c).
export function stepIndex([, Ho, Wo], f, r, c) {
  return f * Ho * Wo + r * Wo + c;
}

// "r,c" of a padded input cell -> the output cells [row, col] whose windows cover it.
export function feedsMap(steps) {
  const map = new Map();
  for (const step of steps) {
    if (step.filter !== 0) break;
    for (const [r, c] of step.cells) {
      const key = `${r},${c}`;
      if (!map.has(key)) map.set(key, []);
      map.get(key).push([step.row, step.col]);
    }
  }
  return map;
}
