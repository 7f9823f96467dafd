// The backward mode's pure helpers: the seeded upstream gradient, the flat step list over the
// three parts, the padded dL/dX with the padding's dropped gradient, and the numbers that reopen
// dL/dX as a transposed convolution on /conv-transpose. node's test runner checks these (tests/js).

import { mulberry32, parseEdits } from "../../seeded.js";
import { slidKernel } from "./values.js";

// Small whole numbers, from their own stream of the seed (so x and w stay as the forward drew
// them), plus the learner's "g.f.i.j" edits. -> F×Ho×Wo
export function seededGradient(v, [F, Ho, Wo]) {
  const random = mulberry32((v.seed ^ 0x5bd1e995) >>> 0);
  const edits = parseEdits(v.edits);
  return Array.from({ length: F }, (_, f) =>
    Array.from({ length: Ho }, (_, i) =>
      Array.from({ length: Wo }, (_, j) => {
        const drawn = -2 + Math.floor(random() * 5); // drawn even when edited: an edit changes one cell
        const key = `g.${f}.${i}.${j}`;
        return edits.has(key) ? edits.get(key) : drawn;
      }),
    ),
  );
}

// The timeline's steps: every weight, then every bias, then every padded input cell.
export function backwardSteps(response) {
  return [
    ...response.weight_steps.map((step) => ({ part: "w", step })),
    ...response.bias_steps.map((step) => ({ part: "b", step })),
    ...response.input_steps.map((step) => ({ part: "x", step })),
  ];
}

// The first step of each part: { w, b, x } -> index.
export function partStarts(response) {
  const w = 0;
  const b = response.weight_steps.length;
  return { w, b, x: b + response.bias_steps.length };
}

// dL/dX on the padded grid, channel c: the input's gradient inside, and on the padding the
// gradient the API summed there (and dropped), 0 where no window reached.
export function paddedGradient(response, c, p) {
  const inner = response.grad_input[c];
  const H = inner.length;
  const W = inner[0].length;
  const grid = Array.from({ length: H + 2 * p }, (_, r) =>
    Array.from({ length: W + 2 * p }, (_, q) => {
      const inside = r >= p && q >= p && r < p + H && q < p + W;
      return inside ? inner[r - p][q - p] : 0;
    }),
  );
  for (const step of response.input_steps) if (step.channel === c && step.is_padding) grid[step.row][step.col] = step.total;
  return grid;
}

// The /conv-transpose settings that compute dL/dX from dL/dY, or the reasons that page cannot.
// v: this page's state; dy: F×Ho×Wo from the API; w: F×C×k×k as sent; sizes: the forward's size
// report; controls: /conv-transpose's limits. The forward filters F×C×k×k are read as the
// transposed layout C_in×F_out×k×k with C_in = F and F_out = C, so w[f][c] keeps its indices;
// in convolution mode they are the kernels as slid (flipped). Output padding is the leftover
// the forward's floor dropped, so the size comes back to H×W.
export function transposeSettings(v, dy, w, sizes, controls) {
  const [F, Ho, Wo] = [dy.length, dy[0].length, dy[0][0].length];
  const C = w[0].length;
  const op = sizes.height.leftover;
  const settings = { h: Ho, w: Wo, c: F, f: C, k: v.k, s: v.s, p: v.p, op, d: v.d };
  const problems = [];
  for (const [key, value] of Object.entries(settings)) {
    const { min, max } = controls[key];
    if (value < min || value > max) problems.push({ key, value, min, max });
  }
  if (sizes.width.leftover !== op) problems.push({ key: "op", rows: op, cols: sizes.width.leftover });
  const edits = [];
  dy.forEach((plane, f) => plane.forEach((row, i) => row.forEach((value, j) => edits.push(`x.${f}.${i}.${j}=${value}`))));
  w.forEach((filter, f) =>
    filter.forEach((kernel, c) =>
      slidKernel(kernel, v.mode).forEach((row, m) => row.forEach((value, n) => edits.push(`w.${f}.${c}.${m}.${n}=${value}`))),
    ),
  );
  for (let c = 0; c < C; c++) edits.push(`b.${c}=0`);
  return { settings, edits: edits.join(";"), problems };
}

// The link's query: every control of /conv-transpose, the numbers as edits.
export function transposeQuery({ settings, edits }) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(settings)) query.set(key, String(value));
  query.set("seed", "0");
  query.set("edits", edits);
  query.set("view", "scatter");
  query.set("step", "0");
  return query.toString();
}
