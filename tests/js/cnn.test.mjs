// The /cnn page's pure parts: the network in the URL, layer edits, the run store with a fake
// server, chunk planning, the replay bound and the page's one request in flight.
import assert from "node:assert/strict";
import { test } from "node:test";

import { formatNet, insertLayer, moveLayer, newLayer, parseNet, removeLayer, setOption, withClasses } from "../../static/js/pages/cnn/netcode.js";
import { createRun, planChunk, replayTarget, updatePace } from "../../static/js/pages/cnn/run.js";
import { createSerial, nextRun } from "../../static/js/pages/cnn/trainer.js";

const int = (min, max, dflt = null) => ({ default: dflt, min, max, integer: true });
const TYPES = {
  conv: { options: { filters: int(1, 64), size: int(1, 11), stride: int(1, 4, 1), padding: int(0, 5, 0) } },
  relu: { options: {} },
  leaky_relu: { options: { negative_slope: { default: 0.01, min: 0, max: 1, integer: false } } },
  maxpool: { options: { size: int(1, 8), stride: int(1, 8), padding: int(0, 4, 0) } },
  batchnorm: { options: { eps: { default: 1e-5, min: 1e-12, max: 1, integer: false }, momentum: { default: 0.1, min: 0, max: 1, integer: false } } },
  flatten: { options: {} },
  linear: { options: { out: int(1, 1024) } },
};
const SMALL = [
  { type: "conv", filters: 8, size: 3, padding: 1 },
  { type: "relu" },
  { type: "maxpool", size: 2 },
  { type: "flatten" },
  { type: "linear", out: 8 },
];

test("the network in the URL: trailing defaults left out, and back", () => {
  const text = formatNet(SMALL, TYPES);
  assert.equal(text, "conv_8_3__1*relu*maxpool_2*flatten*linear_8");
  assert.deepEqual(parseNet(text, TYPES, 24), SMALL);
  const odd = [
    { type: "leaky_relu", negative_slope: 0.2 },
    { type: "maxpool", size: 3, stride: 2, padding: 1 },
    { type: "batchnorm", eps: 1e-7 },
    { type: "conv", filters: 4, size: 5, stride: 1, padding: 0 },
    { type: "linear", out: 3 },
  ];
  const written = formatNet(odd, TYPES);
  assert.equal(written, "leaky_relu_0.2*maxpool_3_2_1*batchnorm_1e-7*conv_4_5*linear_3");
  assert.deepEqual(parseNet(written, TYPES, 24), [odd[0], odd[1], odd[2], { type: "conv", filters: 4, size: 5 }, odd[4]]);
});

test("a network the catalogue does not know is refused, so the page opens its default", () => {
  for (const bad of ["", "conv_8", "conv_8_3_9", "pool_2*linear_8", "linear_0", "linear_2.5", "relu_1", "conv_8_3_1_1_1", "linear_x"]) {
    assert.equal(parseNet(bad, TYPES, 24), null, bad);
  }
  assert.equal(parseNet(Array(25).fill("relu").join("*"), TYPES, 24), null);
  assert.deepEqual(parseNet("relu*linear_2", TYPES, 24), [{ type: "relu" }, { type: "linear", out: 2 }]);
});

test("layer edits return new lists and leave the old one alone", () => {
  const before = JSON.stringify(SMALL);
  assert.deepEqual(newLayer("conv", TYPES, { filters: 8, size: 3 }), { type: "conv", filters: 8, size: 3 });
  assert.deepEqual(newLayer("maxpool", TYPES, { size: 2 }), { type: "maxpool", size: 2 });
  assert.deepEqual(newLayer("linear", TYPES), { type: "linear", out: 1 });
  assert.equal(withClasses(SMALL, 10)[4].out, 10);
  assert.equal(withClasses(SMALL, 8), SMALL);
  assert.deepEqual(setOption(SMALL, 0, "padding", undefined)[0], { type: "conv", filters: 8, size: 3 });
  assert.equal(setOption(SMALL, 2, "stride", 1)[2].stride, 1);
  assert.deepEqual(insertLayer(SMALL, 3, { type: "relu" }).map((l) => l.type), ["conv", "relu", "maxpool", "relu", "flatten", "linear"]);
  assert.deepEqual(removeLayer(SMALL, 1).map((l) => l.type), ["conv", "maxpool", "flatten", "linear"]);
  assert.deepEqual(moveLayer(SMALL, 1, 1).map((l) => l.type), ["conv", "maxpool", "relu", "flatten", "linear"]);
  assert.equal(moveLayer(SMALL, 0, -1), SMALL);
  assert.equal(JSON.stringify(SMALL), before);
});

// A fake /api/cnn/train: losses count down from 2 at each step, an evaluation when asked.
function fakeServer() {
  const bodies = [];
  const send = async (body) => {
    bodies.push(body);
    const first = body.state === null ? 1 : Number(body.state.split(":")[1]) + 1;
    const steps = Array.from({ length: body.steps }, (_, k) => first + k);
    const last = first + body.steps - 1;
    return {
      state: `s:${last}`,
      step: last,
      first_step: first,
      losses: steps.map((t) => 2 / t),
      smoothed_losses: steps.map((t) => 3 / t),
      batch_accuracy: steps.map(() => 0.5),
      batches: steps.map((t) => [t]),
      initial_loss: first === 1 ? 2 : null,
      ln_classes: Math.log(8),
      steps_per_epoch: 10,
      epoch: last / 10,
      smoothing: 0.95,
      diverged_at: null,
      subset: null,
      layer_stats: [{ layer: 0 }],
      layer_stats_history: steps.filter((t) => body.stats_every && t % body.stats_every === 0).map((t) => ({ step: t, layers: [] })),
      first_filters: body.filters ? { layer: 0, weight: [[[[last]]]], bias: [0], limit: last } : null,
      eval: body.eval ? { train_accuracy: 0.9, test_accuracy: 0.8, train_loss: 0.3, test_loss: 0.4 } : null,
    };
  };
  return { send, bodies };
}

test("a run keeps every step of its chunks, the state and checkpoints at evaluations", async () => {
  const { send, bodies } = fakeServer();
  const config = { layers: SMALL, dataset: "shapes", seed: 3 };
  const run = createRun(config, send);
  await run.advance(3, { statsEvery: 2, filters: true });
  await run.advance(2, { evaluate: true, statsEvery: 2 });
  assert.equal(bodies[0].state, null);
  assert.equal(bodies[1].state, "s:3");
  assert.equal(bodies[0].seed, 3);
  assert.deepEqual(run.steps, [1, 2, 3, 4, 5]);
  assert.deepEqual(run.losses, [2, 1, 2 / 3, 0.5, 0.4]);
  assert.equal(run.smoothed[4], 0.6);
  assert.equal(run.initialLoss, 2);
  assert.deepEqual(run.stats.map((s) => s.step), [2, 4]);
  assert.equal(run.filtersStep, 3);
  assert.deepEqual(run.evals, [{ step: 5, train_accuracy: 0.9, test_accuracy: 0.8, train_loss: 0.3, test_loss: 0.4 }]);
  assert.deepEqual(run.checkpoints, [{ step: 5, state: "s:5" }]);
  assert.equal(run.step, 5);
  assert.deepEqual(run.lastBatch, [5]);
});

test("one chunk of a run at a time", async () => {
  const { send } = fakeServer();
  const run = createRun({}, send);
  const first = run.advance(1);
  await assert.rejects(run.advance(1), /already in flight/);
  await first;
  await run.advance(1);
  assert.equal(run.step, 2);
});

test("checkpoints stay spread over a long run", async () => {
  const { send } = fakeServer();
  const run = createRun({}, send);
  for (let k = 0; k < 40; k++) await run.advance(1, { evaluate: true });
  assert.ok(run.checkpoints.length <= 32);
  assert.equal(run.checkpoints[run.checkpoints.length - 1].step, 40);
  assert.ok(run.checkpoints[0].step <= 4);
});

test("chunks fit the time budget and end at each evaluation step and the target", () => {
  const base = { step: 0, target: Infinity, perChunk: null, msPerStep: null, budgetMs: 100, most: 200, evalEvery: 50 };
  assert.deepEqual(planChunk(base), { steps: 1, evaluate: false }); // nothing measured yet
  assert.deepEqual(planChunk({ ...base, msPerStep: 20 }), { steps: 5, evaluate: false });
  assert.deepEqual(planChunk({ ...base, step: 47, msPerStep: 20 }), { steps: 3, evaluate: true });
  assert.deepEqual(planChunk({ ...base, step: 50, msPerStep: 1 }), { steps: 50, evaluate: true });
  assert.deepEqual(planChunk({ ...base, step: 10, perChunk: 4, msPerStep: 20 }), { steps: 4, evaluate: false });
  assert.deepEqual(planChunk({ ...base, step: 10, perChunk: 1000, msPerStep: 0.001, evalEvery: 1e9 }), { steps: 200, evaluate: false });
  assert.deepEqual(planChunk({ ...base, step: 8, target: 10, perChunk: 5 }), { steps: 2, evaluate: false });
  assert.equal(planChunk({ ...base, step: 10, target: 10 }), null);
  assert.deepEqual(planChunk({ ...base, msPerStep: 1000 }), { steps: 1, evaluate: false }); // at least one
});

test("a link replays at most the bound, and says when it was cut", () => {
  assert.deepEqual(replayTarget(0, 100), { target: 0, cut: false });
  assert.deepEqual(replayTarget(80, 100), { target: 80, cut: false });
  assert.deepEqual(replayTarget(250, 100), { target: 100, cut: true });
  assert.deepEqual(replayTarget(250, null), { target: 250, cut: false });
  assert.equal(updatePace(null, 4, 100), 25);
  assert.equal(updatePace(25, 1, 75), 0.6 * 25 + 0.4 * 75);
});

test("the run furthest behind goes next; diverged, refused and finished runs wait", () => {
  const runs = [
    { step: 5, divergedAt: null, error: null },
    { step: 3, divergedAt: null, error: null },
    { step: 1, divergedAt: 2, error: null },
    { step: 0, divergedAt: null, error: new Error("no") },
  ];
  assert.equal(nextRun(runs, 10), runs[1]);
  assert.equal(nextRun(runs, 3), null);
  assert.equal(nextRun(runs, 4), runs[1]);
});

test("the page's requests run one at a time, in order, even after a failure", async () => {
  const serial = createSerial();
  const log = [];
  let inFlight = 0;
  const job = (name, fail) => async () => {
    inFlight++;
    assert.equal(inFlight, 1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    log.push(name);
    inFlight--;
    if (fail) throw new Error(name);
    return name;
  };
  const results = await Promise.allSettled([serial(job("a")), serial(job("b", true)), serial(job("c"))]);
  assert.deepEqual(log, ["a", "b", "c"]);
  assert.deepEqual(results.map((r) => r.status), ["fulfilled", "rejected", "fulfilled"]);
});
