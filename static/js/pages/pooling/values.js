// The pooling lesson's numbers: seeded small integers (ties happen) plus the learner's edits,
// an upstream gradient from its own seeded stream (editing x does not change it), and the
// gradient each step routes back. Pure: node's test runner checks these (tests/js).

import { mulberry32, parseEdits } from "../../seeded.js";

function seededVolume(random, [C, H, W], prefix, edits, draw) {
  return Array.from({ length: C }, (_, c) =>
    Array.from({ length: H }, (_, r) =>
      Array.from({ length: W }, (_, col) => {
        const key = `${prefix}.${c}.${r}.${col}`;
        const drawn = draw(random);
        return edits.has(key) ? edits.get(key) : drawn;
      }),
    ),
  );
}

export function makeInput(v) {
  return seededVolume(mulberry32(v.seed), [v.c, v.h, v.w], "x", parseEdits(v.edits), (random) => Math.floor(random() * 10));
}

export function makeGradient(v, shape) {
  const draw = (random) => 1 + Math.floor(random() * 4);
  return seededVolume(mulberry32(v.seed + 1000003), shape, "g", parseEdits(v.edits), draw);
}

// The gradient one step sends back: [[row, col] in input coordinates, amount] pairs. Max: all
// of dL/dy to the winner; average: dL/dy / divisor to each cell, the shares on padding dropped.
export function routes(step, mode, g, [ph, pw]) {
  if (mode === "max") return [[step.winner_input, g]];
  return step.cells
    .map(([r, col], t) => [[r - ph, col - pw], g / step.divisor, step.is_padding[t]])
    .filter(([, , pad]) => !pad)
    .map(([cell, amount]) => [cell, amount]);
}

// dL/dx (C×H×W) accumulated over steps 0..index.
export function accumulate(steps, index, mode, grad, padding, [C, H, W]) {
  const dx = Array.from({ length: C }, () => Array.from({ length: H }, () => new Array(W).fill(0)));
  for (let i = 0; i <= index; i++) {
    const step = steps[i];
    const g = grad[step.channel][step.row][step.col];
    for (const [[r, col], amount] of routes(step, mode, g, padding)) dx[step.channel][r][col] += amount;
  }
  return dx;
}

export function stepIndex([, Ho, Wo], c, r, col) {
  return c * Ho * Wo + r * Wo + col;
}
