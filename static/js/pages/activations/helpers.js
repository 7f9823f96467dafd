// Pure helpers of the activations lesson: which functions are drawn, the x grid, Maxout's pieces
// in the URL, and the saturated zones of f'. node's test runner checks them (tests/js).

import { formatNumber } from "../../format.js";

export const POINTS = 600; // intervals on the x grid: x = 0 is always a grid point
export const RELU_PIECES = "0,0;1,0";

// The functions to draw, in catalogue order; the one in focus is always drawn, so a link with
// focus=prelu shows PReLU.
export function selected(fns, focus, names) {
  const chosen = [...new Set(fns.split(",").filter((n) => names.includes(n)))];
  return chosen.includes(focus) ? chosen : [...chosen, focus];
}

// "w,b;w,b" <-> [[w, b], ...]; malformed pieces are skipped, none at all gives ReLU's.
export function parsePieces(text) {
  const pieces = text
    .split(";")
    .map((p) => p.split(",").map(Number))
    .filter((p) => p.length === 2 && p.every(Number.isFinite));
  return pieces.length ? pieces : parsePieces(RELU_PIECES);
}

export function formatPieces(pieces) {
  return pieces.map(([w, b]) => `${w},${b}`).join(";");
}

// POINTS + 1 points from -range to range, rounded so that 0 and the ends are exact.
export function xGrid(range) {
  return Array.from({ length: POINTS + 1 }, (_, i) => Number((-range + (2 * range * i) / POINTS).toFixed(10)));
}

// Index of the grid point nearest to x, and that point.
export function gridIndex(xs, x) {
  return Math.min(xs.length - 1, Math.max(0, Math.round((x - xs[0]) / (xs[1] - xs[0]))));
}

// [first, last] index runs where |dy| < threshold.
export function saturatedRuns(dy, threshold) {
  const runs = [];
  let start = null;
  for (let i = 0; i <= dy.length; i++) {
    const tiny = i < dy.length && Math.abs(dy[i]) < threshold;
    if (tiny && start === null) start = i;
    if (!tiny && start !== null) {
      runs.push([start, i - 1]);
      start = null;
    }
  }
  return runs;
}

// The page passes its words in the page's language (this module stays free of the DOM for node).
export const RUN_WORDS = { none: "none in view", everywhere: "everywhere in view", and: " and " };

export function describeRuns(runs, xs, words = RUN_WORDS) {
  if (!runs.length) return words.none;
  const last = xs.length - 1;
  return runs
    .map(([a, b]) => {
      if (a === 0 && b === last) return words.everywhere;
      if (a === 0) return `x ≤ ${formatNumber(xs[b])}`;
      if (b === last) return `x ≥ ${formatNumber(xs[a])}`;
      return a === b ? `x = ${formatNumber(xs[a])}` : `${formatNumber(xs[a])} ≤ x ≤ ${formatNumber(xs[b])}`;
    })
    .join(words.and);
}
