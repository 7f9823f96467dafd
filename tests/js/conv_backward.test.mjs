// /conv's backward mode: the seeded dL/dY, the step list, the padded dL/dX and the settings that
// reopen dL/dX on /conv-transpose.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  backwardSteps,
  paddedGradient,
  partStarts,
  seededGradient,
  transposeQuery,
  transposeSettings,
} from "../../static/js/pages/conv/backward_values.js";

test("conv backward: seeded dL/dY is small whole numbers, an edit changes only its cell", () => {
  const v = { seed: 231, edits: "" };
  const dy = seededGradient(v, [2, 3, 4]);
  assert.deepEqual(dy, seededGradient(v, [2, 3, 4]));
  assert.equal(dy.length, 2);
  assert.equal(dy[1][2].length, 4);
  assert.ok(dy.flat(2).every((n) => Number.isInteger(n) && n >= -2 && n <= 2));
  const edited = seededGradient({ ...v, edits: "g.1.2.3=7.5;x.0.0.0=4" }, [2, 3, 4]);
  assert.equal(edited[1][2][3], 7.5);
  edited[1][2][3] = dy[1][2][3];
  assert.deepEqual(edited, dy);
});

test("conv backward: steps run weights, biases, input cells; parts start where they begin", () => {
  const answer = { weight_steps: [{ a: 1 }, { a: 2 }], bias_steps: [{ b: 1 }], input_steps: [{ x: 1 }, { x: 2 }, { x: 3 }] };
  const steps = backwardSteps(answer);
  assert.deepEqual(steps.map((s) => s.part).join(""), "wwbxxx");
  assert.deepEqual(partStarts(answer), { w: 0, b: 2, x: 3 });
});

test("conv backward: the padded dL/dX holds the padding's dropped gradient", () => {
  const answer = {
    grad_input: [[[1, 2]]],
    input_steps: [
      { channel: 0, row: 0, col: 0, is_padding: true, total: 5 },
      { channel: 0, row: 1, col: 1, is_padding: false, total: 1 },
    ],
  };
  assert.deepEqual(paddedGradient(answer, 0, 1), [
    [5, 0, 0, 0],
    [0, 1, 2, 0],
    [0, 0, 0, 0],
  ]);
});

const CONTROLS = Object.fromEntries(
  Object.entries({ h: 8, w: 8, c: 3, f: 3, k: 5, s: 4, p: 6, op: 3, d: 3 }).map(([key, max]) => [key, { min: key === "p" || key === "op" ? 0 : 1, max }]),
);
const size = (leftover) => ({ leftover });

test("conv backward: dL/dY is the transposed input, the filters keep their indices, biases zero", () => {
  const v = { k: 2, s: 2, p: 0, d: 1, mode: "cross-correlation" };
  const dy = [[[1, 2]], [[3, 4]]]; // F = 2, 1×2
  const w = [[[[1, 2], [3, 4]]], [[[5, 6], [7, 8]]]]; // F = 2, C = 1
  const found = transposeSettings(v, dy, w, { height: size(1), width: size(1) }, CONTROLS);
  assert.deepEqual(found.settings, { h: 1, w: 2, c: 2, f: 1, k: 2, s: 2, p: 0, op: 1, d: 1 });
  assert.deepEqual(found.problems, []);
  assert.ok(found.edits.includes("x.1.0.1=4"));
  assert.ok(found.edits.includes("w.1.0.0.1=6"));
  assert.ok(found.edits.endsWith("b.0=0"));
  const query = new URLSearchParams(transposeQuery(found));
  assert.equal(query.get("op"), "1");
  assert.equal(query.get("edits"), found.edits);
  // convolution mode: the kernels as slid, flipped 180°
  const flipped = transposeSettings({ ...v, mode: "convolution" }, dy, w, { height: size(0), width: size(0) }, CONTROLS);
  assert.ok(flipped.edits.includes("w.0.0.0.0=4"));
});

test("conv backward: what /conv-transpose cannot take is named", () => {
  const v = { k: 3, s: 1, p: 7, d: 1, mode: "cross-correlation" };
  const dy = [Array.from({ length: 9 }, () => [0])];
  const found = transposeSettings(v, dy, [[[[0, 0, 0], [0, 0, 0], [0, 0, 0]]]], { height: size(0), width: size(1) }, CONTROLS);
  assert.deepEqual(
    found.problems.map((p) => p.key),
    ["h", "p", "op"],
  );
});
