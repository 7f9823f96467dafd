import assert from "node:assert/strict";
import { test } from "node:test";

import { interpolate, linearTicks, logTicks, nearest, niceStep } from "../../static/js/ticks.js";

test("niceStep rounds to 1, 2, 2.5 or 5 times a power of ten", () => {
  assert.equal(niceStep(10, 5), 2);
  assert.equal(niceStep(1, 4), 0.25);
  assert.equal(niceStep(7, 2), 5);
  assert.equal(niceStep(0.03, 3), 0.01);
});

test("linearTicks cover the range with round values and an exact zero", () => {
  assert.deepEqual(linearTicks(-1, 1, 4), [-1, -0.5, 0, 0.5, 1]);
  assert.deepEqual(linearTicks(0.1, 0.95, 4), [0.25, 0.5, 0.75]);
  assert.deepEqual(linearTicks(3, 3, 4), [3]);
  assert.ok(linearTicks(-0.3, 0.3, 6).includes(0));
});

test("logTicks: whole decades, thinned, or linear inside one decade", () => {
  assert.deepEqual(logTicks(-2, 1, 5), [0.01, 0.1, 1, 10]);
  assert.deepEqual(logTicks(-10, 0, 3), [1e-10, 1e-6, 0.01]);
  assert.ok(logTicks(0.1, 0.5, 4).every((t) => t >= 10 ** 0.1 && t <= 10 ** 0.5));
});

test("interpolate between points, null outside or across a gap", () => {
  assert.equal(interpolate([0, 1, 2], [0, 10, 30], 1.5), 20);
  assert.equal(interpolate([0, 1, 2], [0, 10, 30], 2), 30);
  assert.equal(interpolate([0, 1], [0, 1], 3), null);
  assert.equal(interpolate([0, 1], [0, NaN], 0.5), null);
  assert.equal(interpolate([], [], 0), null);
});

test("nearest picks the closest x, the first on ties", () => {
  assert.equal(nearest([0, 1, 2, 3], 1.4), 1);
  assert.equal(nearest([0, 1, 2], 1.5), 1);
});
