// The batch-norm table's inputs: a seeded N×D batch whose features differ on purpose (offset and
// scale per column), γ, β, the upstream gradient, and the learner's edits ("x.i.j", "g.j",
// "b.j"). Pure: node's test runner checks it (tests/js).

import { mulberry32, parseEdits } from "../../seeded.js";

const OFFSETS = [5, -2, 0.5, 10, -7];
const SCALES = [2, 0.5, 1, 4, 3];
const GAMMAS = [1, 2, 0.5, 1.5, 1];
const BETAS = [0, 1, -0.5, 0, 2];

// v: the state's n, d, bseed, grad ("seeded" | "ones") and ed -> { x, gamma, beta, grad }
export function seededBatch(v) {
  const random = mulberry32(v.bseed * 7919 + 17);
  const normal = () => random() + random() + random() - 1.5; // sd 0.5
  const round1 = (x) => Math.round(x * 10) / 10;
  const x = Array.from({ length: v.n }, () => Array.from({ length: v.d }, (_, j) => round1(OFFSETS[j] + 2 * SCALES[j] * normal())));
  const gradRandom = mulberry32(v.bseed * 104729 + 3);
  const g = () => round1(2 * (gradRandom() + gradRandom() + gradRandom() - 1.5));
  const grad = Array.from({ length: v.n }, () => Array.from({ length: v.d }, () => (v.grad === "ones" ? 1 : g())));
  const gamma = GAMMAS.slice(0, v.d);
  const beta = BETAS.slice(0, v.d);
  for (const [key, value] of parseEdits(v.ed)) {
    const [kind, a, b] = key.split(".").map((p, k) => (k === 0 ? p : Number(p)));
    if (kind === "x" && a < v.n && b < v.d) x[a][b] = value;
    if (kind === "g" && a < v.d) gamma[a] = value;
    if (kind === "b" && a < v.d) beta[a] = value;
  }
  return { x, gamma, beta, grad };
}
