import assert from "node:assert/strict";
import { test } from "node:test";

import { extentOf } from "../../static/js/widgets/plot.js";
import { colorValue, contourSegments } from "../../static/js/widgets/surface.js";

test("a plot's extent: the data with a 5% margin, or the domains asked for", () => {
  const state = { yScale: "linear", series: [{ x: [0, 10], y: [0, 100] }] };
  assert.deepEqual(extentOf(state), [0, 10, -5, 105]);
  assert.deepEqual(extentOf({ ...state, xDomain: [-1, 1], yDomain: [0, 1] }), [-1, 1, 0, 1]);
  const log = extentOf({ yScale: "log", series: [{ x: [0, 1, 2], y: [0.01, 0, 100] }] });
  assert.deepEqual(log.slice(0, 2), [0, 2]);
  assert.ok(Math.abs(log[2] - -2.2) < 1e-12 && Math.abs(log[3] - 2.2) < 1e-12); // y ≤ 0 left out
  assert.deepEqual(extentOf({ yScale: "linear", series: [] }), [0, 1, 0, 1]);
});

test("surface colours: log10 above the floor, clamped at tiny; null is NaN", () => {
  assert.equal(colorValue(101, "log", 1, 1e-9), 2);
  assert.equal(colorValue(1, "log", 1, 1e-6), -6);
  assert.equal(colorValue(5, "linear", 0, 0), 5);
  assert.ok(Number.isNaN(colorValue(null, "log", 0, 1)));
});

test("marching squares: one segment across a cell whose corners straddle the level", () => {
  // 2×2 grid, values 0 0 / 1 1 (rows along y): the 0.5 level is a horizontal line at i = 0.5.
  const segments = contourSegments([0, 0, 1, 1], 2, 2, 0.5);
  assert.equal(segments.length, 1);
  const ys = segments[0].map(([, i]) => i);
  assert.deepEqual(ys, [0.5, 0.5]);
  assert.deepEqual(contourSegments([0, 0, 0, 0], 2, 2, 0.5), []);
});
