import assert from "node:assert/strict";
import { test } from "node:test";

import { defaultRace, formatOpts, numbersRows, paramSymbol, parseOpts, stepHead } from "../../static/js/pages/optimizers/presets.js";

const lr = { default: 0.001, description: "learning rate α" };
const CATALOGUE = [
  { name: "sgd", label: "SGD", params: { lr }, race_default: { lr: 0.001 }, quantities: [] },
  { name: "nesterov", label: "Nesterov", params: { lr, rho: { default: 0.9, description: "ρ, the friction" } }, race_default: null },
  {
    name: "adam",
    label: "Adam",
    params: { lr, beta1: { default: 0.9, description: "β1, decay of the first moment" } },
    race_default: { lr: 0.05 },
    quantities: [
      { name: "grad", symbol: "g = ∇f", meaning: "gradient", param: null, kind: "pair", schedule_only: false },
      { name: "lr", symbol: "α_t", meaning: "learning rate this step", param: "lr", kind: "number", schedule_only: true },
      { name: "m", symbol: "m ← β1·m + (1 − β1)·g", meaning: "first moment", param: "beta1", kind: "pair", schedule_only: false },
    ],
  },
];
const byName = new Map(CATALOGUE.map((o) => [o.name, o]));

test("the default race is the optimisers with a race_default, in catalogue order", () => {
  assert.equal(defaultRace(CATALOGUE), "sgd:lr=0.001;adam:lr=0.05");
});

test("the race in the URL: unknown names and parameters skipped, lr defaulted, at most max", () => {
  const specs = parseOpts("adam:lr=0.05,beta1=0.8,zeta=1;nope:lr=1;nesterov:lr=-1,rho=0.5;sgd", byName, 3);
  assert.deepEqual(specs, [
    { name: "adam", lr: 0.05, beta1: 0.8 },
    { name: "nesterov", lr: 0.001, rho: 0.5 },
    { name: "sgd", lr: 0.001 },
  ]);
  assert.equal(parseOpts("sgd;sgd;sgd", byName, 2).length, 2);
  assert.equal(formatOpts(specs), "adam:lr=0.05,beta1=0.8;nesterov:lr=0.001,rho=0.5;sgd:lr=0.001");
});

test("a parameter's symbol comes from its description", () => {
  assert.equal(paramSymbol("β1, decay of the first moment (mean)"), "β1");
  assert.equal(paramSymbol("d, decay rate of the squared-gradient average"), "d");
  assert.equal(paramSymbol("learning rate α"), "α");
});

test("the numbers panel lists the catalogue's quantities between x_t and x_{t+1}", () => {
  const run = {
    label: "Adam",
    params: { lr: 0.05, beta1: 0.9 },
    points: [[0, 0], [1, 1], [2, 2]],
    losses: [3, 2, 1],
    diverged_at: null,
    internals: { grad: [[1, 2], [3, 4]], lr: [0.05, 0.05], m: [[0.1, 0.2], [0.3, 0.4]], update: [[1, 1], [1, 1]] },
  };
  const info = byName.get("adam");
  const rows = numbersRows(run, info, 1, false);
  assert.deepEqual(rows.map((r) => r[0]), ["x_t", "f(x_t)", "g = ∇f", "m ← β1·m + (1 − β1)·g", "Δx = x_{t+1} − x_t", "x_{t+1}", "f(x_{t+1})"]);
  assert.equal(rows[3][1], "first moment (β1 = 0.9)");
  assert.deepEqual(rows[3][2], [0.3, 0.4]);
  const scheduled = numbersRows(run, info, 0, true);
  assert.deepEqual(scheduled[3], ["α_t", "learning rate this step (α = 0.05)", 0.05]);
  assert.equal(numbersRows(run, info, 2, false).length, 2); // the last point: nothing after it
  assert.equal(stepHead(run, 1), "Adam, step 2 (t = 2): from x_1 to x_2");
  assert.equal(stepHead(run, 2), "Adam: x_2 is the last point (2 steps).");
});
