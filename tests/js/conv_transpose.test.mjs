// /conv-transpose's pure helpers: seeded values in the transposed layout, presets, step order,
// the canvas after a step and the stamps on each cell.
import assert from "node:assert/strict";
import { test } from "node:test";

import { canvasAfter, directStepIndex, makeValues, matchingPreset, stampsByCell } from "../../static/js/pages/conv_transpose/values.js";

const FILL = { input: [1, 4], weights: [-1, 2], bias: [0, 1] };

test("conv-transpose: seeded values in C_in×F×k×k, edits change only their own cell", () => {
  const v = { h: 2, w: 3, c: 2, f: 3, k: 2, seed: 12, edits: "" };
  const a = makeValues(v, FILL);
  assert.deepEqual(a, makeValues(v, FILL));
  assert.equal(a.x.length, 2);
  assert.equal(a.x[1][1].length, 3);
  assert.equal(a.w.length, 2); // input channels first
  assert.equal(a.w[0].length, 3);
  assert.equal(a.w[1][2][1].length, 2);
  assert.equal(a.b.length, 3);
  assert.ok(a.x.flat(2).every((n) => n >= 1 && n <= 4));
  const edited = makeValues({ ...v, edits: "x.1.0.2=9;w.0.2.1.1=-5;b.2=7" }, FILL);
  assert.equal(edited.x[1][0][2], 9);
  assert.equal(edited.w[0][2][1][1], -5);
  assert.equal(edited.b[2], 7);
  assert.deepEqual(edited.x[0], a.x[0]);
  const ones = makeValues(v, { input: [1, 1], weights: [1, 1], bias: [0, 0] });
  assert.ok(ones.w.flat(3).every((n) => n === 1) && ones.b.every((n) => n === 0));
});

test("conv-transpose: the preset a state matches, and step order", () => {
  const presets = [{ name: "a", settings: { h: 2, s: 2 } }, { name: "b", settings: { h: 4, s: 2 } }];
  assert.equal(matchingPreset(presets, { h: 4, s: 2, edits: "" }).name, "b");
  assert.equal(matchingPreset(presets, { h: 4, s: 2, edits: "x.0.0.0=1" }), null);
  assert.equal(matchingPreset(presets, { h: 3, s: 2, edits: "" }), null);
  assert.equal(directStepIndex([2, 5, 5], 1, 2, 3), 25 + 13);
});

test("conv-transpose: the canvas after a step keeps the API's running sums", () => {
  const steps = [
    { canvas_cells: [[0, 0], [0, 1]], after: [[1, 2]] },
    { canvas_cells: [[0, 1], [0, 2]], after: [[5, 3]] },
  ];
  assert.deepEqual(canvasAfter(steps, 0, 1, 3, 0), [[1, 2, null]]);
  assert.deepEqual(canvasAfter(steps, 0, 1, 3, 1), [[1, 5, 3]]);
  assert.deepEqual(stampsByCell(steps).get("0,1"), [{ step: 0, tap: 1 }, { step: 1, tap: 0 }]);
});
