// /cnn section 6's pure parts: the drawing's text in the URL, the brush, the layer mosaics and
// the picked cell in the URL.
import assert from "node:assert/strict";
import { test } from "node:test";

import { parsePick } from "../../static/js/pages/cnn/inside.js";
import { decodeImage, encodeImage, paintSegment, quantize } from "../../static/js/pages/cnn/inside_draw.js";
import { mosaicLayout, scaleOf, valueAt } from "../../static/js/pages/cnn/inside_maps.js";

test("an image survives its text in the URL at 256 grey levels", () => {
  const values = new Float64Array(784);
  values[0] = 1;
  values[30] = 0.5;
  values[783] = 3 / 255;
  const text = encodeImage(values);
  assert.match(text, /^ff[g-z]+80[g-z]+03$/);
  assert.deepEqual(Array.from(decodeImage(text, 784)), Array.from(quantize(values)));
  assert.equal(encodeImage(new Float64Array(784)), "z".repeat(39) + "j"); // 39·20 + 4
  assert.equal(decodeImage("zz", 784), null); // too short
  assert.equal(decodeImage("g0", 2), null); // half a pixel
  assert.equal(decodeImage("G!", 2), null);
  // A random image: every value within half a grey level of its decoded one.
  const noisy = Float64Array.from({ length: 784 }, (_, i) => ((i * 7919) % 1000) / 999);
  const back = decodeImage(encodeImage(noisy), 784);
  noisy.forEach((v, i) => assert.ok(Math.abs(back[i] - v) <= 0.5 / 255 + 1e-12));
});

test("the brush has the data's stroke profile: 1 on the line, fading over a pixel", () => {
  const values = new Float64Array(28 * 28);
  paintSegment(values, 28, [5, 10], [20, 10], 2);
  assert.equal(values[10 * 28 + 12], 1); // on the line
  assert.equal(values[11 * 28 + 12], 0.5); // clip(width / 2 + 0.5 − distance 1, 0, 1)
  assert.equal(values[12 * 28 + 12], 0); // distance 2
  assert.equal(values[10 * 28 + 22], 0); // past the end by 2
});

test("a layer's mosaic: channels side by side with one-pixel gaps, vectors as a block", () => {
  const maps = mosaicLayout([4, 28, 28]);
  assert.equal(maps.rows, 57);
  assert.equal(maps.cols, 57);
  assert.deepEqual(maps.at(29 + 12, 14), [2, 12, 14]);
  assert.equal(maps.at(28, 3), null); // the gap
  assert.deepEqual(maps.box([3, 0, 0]), { r0: 29, c0: 29, r1: 29, c1: 29 });
  const three = mosaicLayout([3, 5, 5]);
  assert.equal(three.at(6, 6), null); // the fourth place of 2×2 holds no channel
  const vector = mosaicLayout([10]);
  assert.equal(vector.cols, 4);
  assert.equal(vector.rows, 3);
  assert.deepEqual(vector.at(2, 1), [9]);
  assert.equal(vector.at(2, 2), null);
  assert.deepEqual(scaleOf([[-1, 2], [0, 3]]), { min: -1, max: 3, signed: true, limit: 3 });
  assert.equal(valueAt([[[1, 2]], [[3, 4]]], [1, 0, 1]), 4);
});

test("a picked cell or weight in the URL", () => {
  assert.deepEqual(parsePick("3:1,5,7"), { layer: 3, index: [1, 5, 7] });
  assert.deepEqual(parsePick("5:2"), { layer: 5, index: [2] });
  assert.deepEqual(parsePick("0:2,0,1,2"), { layer: 0, index: [2, 0, 1, 2] });
  assert.equal(parsePick(""), null);
  assert.equal(parsePick("a:1"), null);
  assert.equal(parsePick("1:1,2,3,4,5"), null);
});
