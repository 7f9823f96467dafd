import assert from "node:assert/strict";
import { test } from "node:test";

import { diverging, rgb, sequential, signedColor, textOn } from "../../static/js/colormap.js";

test("the diverging map is white at zero and blue/orange at the ends", () => {
  assert.deepEqual(diverging(0), [247, 247, 247]);
  assert.deepEqual(diverging(-1), [33, 102, 172]);
  assert.deepEqual(diverging(1), [179, 88, 6]);
  assert.deepEqual(diverging(5), diverging(1)); // clamped
});

test("the sequential map runs viridis from purple to yellow", () => {
  assert.deepEqual(sequential(0), [68, 1, 84]);
  assert.deepEqual(sequential(1), [253, 231, 37]);
  const mid = sequential(0.5);
  assert.ok(mid[1] > 100 && mid[2] > 100);
});

test("text colour and signed colours", () => {
  assert.equal(textOn([255, 255, 255]), "#111");
  assert.equal(textOn([33, 102, 172]), "#fff");
  assert.deepEqual(signedColor(0, 0), [rgb([247, 247, 247]), "#111"]);
  assert.equal(signedColor(-2, 2)[0], "rgb(33, 102, 172)");
});
