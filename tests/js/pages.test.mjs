// The pure helpers the lesson pages are wired from.
import assert from "node:assert/strict";
import { test } from "node:test";

import { describeRuns, formatPieces, gridIndex, parsePieces, saturatedRuns, selected, xGrid } from "../../static/js/pages/activations/helpers.js";
import { feedsMap, makeValues, paddedChannel, slidKernel, stepIndex } from "../../static/js/pages/conv/values.js";
import { buildSpec, customKernel, nested } from "../../static/js/pages/filters/kernel.js";
import { ApiError } from "../../static/js/api.js";
import { numberProblem, placeError, sentence } from "../../static/js/pages/filters/errors.js";
import { kernelSide, probePayload, probeRegion, regionPixels } from "../../static/js/pages/filters/probe.js";
import { accumulate, makeGradient, makeInput, routes } from "../../static/js/pages/pooling/values.js";
import { seededBatch } from "../../static/js/pages/training/batch.js";

test("conv: seeded values are reproducible, edits override them", () => {
  const v = { h: 5, w: 5, c: 3, f: 2, k: 3, seed: 231, edits: "" };
  const a = makeValues(v);
  assert.deepEqual(a, makeValues(v));
  assert.equal(a.x.length, 3);
  assert.equal(a.w[1][2].length, 3);
  assert.equal(a.b[0], 1);
  assert.ok(a.x.flat(2).every((n) => [0, 1, 2].includes(n)));
  const edited = makeValues({ ...v, edits: "x.0.1.2=9;b.1=-4" });
  assert.equal(edited.x[0][1][2], 9);
  assert.equal(edited.b[1], -4);
  assert.deepEqual(edited.w, a.w);
});

test("conv: padding, flipping, step order and the outputs an input feeds", () => {
  assert.deepEqual(paddedChannel([[[1, 2], [3, 4]]], 0, 1), [[0, 0, 0, 0], [0, 1, 2, 0], [0, 3, 4, 0], [0, 0, 0, 0]]);
  assert.deepEqual(slidKernel([[1, 2], [3, 4]], "convolution"), [[4, 3], [2, 1]]);
  assert.deepEqual(slidKernel([[1, 2], [3, 4]], "cross-correlation"), [[1, 2], [3, 4]]);
  assert.equal(stepIndex([2, 3, 3], 1, 2, 0), 15);
  const steps = [
    { filter: 0, row: 0, col: 0, cells: [[0, 0], [0, 1]] },
    { filter: 0, row: 0, col: 1, cells: [[0, 1], [0, 2]] },
    { filter: 1, row: 0, col: 0, cells: [[0, 0]] },
  ];
  assert.deepEqual(feedsMap(steps).get("0,1"), [[0, 0], [0, 1]]);
});

test("pooling: seeded input and gradient, and where the gradient goes", () => {
  const v = { c: 1, h: 4, w: 4, seed: 7, edits: "g.0.0.0=5" };
  assert.deepEqual(makeInput(v), makeInput(v));
  const grad = makeGradient(v, [1, 2, 2]);
  assert.equal(grad[0][0][0], 5);
  const max = { channel: 0, row: 0, col: 0, winner_input: [1, 1] };
  assert.deepEqual(routes(max, "max", 5, [0, 0]), [[[1, 1], 5]]);
  const avg = { channel: 0, row: 0, col: 0, divisor: 4, cells: [[0, 0], [0, 1], [1, 0], [1, 1]], is_padding: [true, false, false, false] };
  assert.deepEqual(routes(avg, "avg", 8, [1, 1]), [[[-1, 0], 2], [[0, -1], 2], [[0, 0], 2]]);
  const steps = [
    { ...max, winner_input: [0, 0] },
    { channel: 0, row: 0, col: 1, winner_input: [0, 0] },
  ];
  const dx = accumulate(steps, 1, "max", [[[1, 2]]], [0, 0], [1, 1, 2]);
  assert.deepEqual(dx, [[[3, 0]]]); // overlapping windows add up
});

test("activations: functions drawn, pieces, grid and saturated zones", () => {
  const names = ["sigmoid", "tanh", "relu", "prelu"];
  assert.deepEqual(selected("tanh,relu,tanh,nope", "prelu", names), ["tanh", "relu", "prelu"]);
  assert.deepEqual(parsePieces("-1,0;1,3;bad"), [[-1, 0], [1, 3]]);
  assert.deepEqual(parsePieces(""), [[0, 0], [1, 0]]);
  assert.equal(formatPieces([[0.5, -1], [1, 0]]), "0.5,-1;1,0");
  const xs = xGrid(6);
  assert.equal(xs.length, 601);
  assert.equal(xs[300], 0);
  assert.equal(xs[0], -6);
  assert.equal(gridIndex(xs, 1.005), 350); // steps of 0.02
  const runs = saturatedRuns([0, 0, 1, 1, 0], 0.5);
  assert.deepEqual(runs, [[0, 1], [4, 4]]);
  assert.equal(describeRuns(runs, [-2, -1, 0, 1, 2]), "x ≤ -1 and x ≥ 2");
  assert.equal(describeRuns([], [0, 1]), "none in view");
});

test("filters: the custom kernel follows the colour mode, the spec lists the filters", () => {
  assert.deepEqual(customKernel({ ksize: 3, kernel: [], color: "gray" }).flat, [0, 0, 0, 0, 1, 0, 0, 0, 0]);
  const three = customKernel({ ksize: 1, kernel: [3], color: "full" });
  assert.deepEqual(three, { K: 1, depth: 3, flat: [1, 1, 1] });
  assert.deepEqual(customKernel({ ksize: 1, kernel: [1, 2, 3], color: "rgb" }).flat, [6]);
  assert.deepEqual(nested({ K: 1, depth: 3, flat: [1, 2, 3] }), [[[1]], [[2]], [[3]]]);
  const s = { color: "full", presets: "sobel_x,zzz", custom: true, ksize: 1, kernel: [], padding: "same", stride: 1, activation: "relu", pool: "none", psize: 2, pstride: 2, mode: "convolution" };
  const spec = buildSpec(s, ["sobel_x"]);
  assert.deepEqual(spec.filters, [{ preset: "sobel_x", full_depth: true }, { kernel: [[[1 / 3]], [[1 / 3]], [[1 / 3]]] }]);
  assert.equal(spec.color, "rgb");
  assert.equal(spec.pool, null);
});

test("filters: the pixels a probe needs (same numbers as tests/api/test_probe.py)", () => {
  const geometry = { K: 5, padding: "same", stride: 2, pool: { mode: "max", size: 2, stride: null } };
  // Pool cell (3, 4) -> conv cells rows 6..7, cols 8..9 -> image rows 10..16, cols 14..20.
  assert.deepEqual(probeRegion(geometry, "pool", 3, 4, 30, 30), { r0: 10, r1: 17, c0: 14, c1: 21 });
  // A conv pixel at the corner: the window is clipped to the image.
  assert.deepEqual(probeRegion({ K: 3, padding: "same", stride: 1 }, "conv", 0, 0, 8, 8), { r0: 0, r1: 2, c0: 0, c1: 2 });
  assert.deepEqual(probeRegion({ K: 3, padding: "valid", stride: 1 }, "activation", 0, 0, 8, 8), { r0: 0, r1: 3, c0: 0, c1: 3 });
  // H×W×C interleaved -> C×h×w
  const raw = Uint8Array.from({ length: 2 * 3 * 3 }, (_, i) => i); // H 3, W 3, C 2
  assert.deepEqual(regionPixels(raw, { C: 2, W: 3 }, { r0: 1, r1: 3, c0: 2, c1: 3 }), [[[10], [16]], [[11], [17]]]);
  assert.equal(kernelSide([[[1, 2, 3]]]), 1);
  assert.equal(kernelSide([[1, 2, 3], [4, 5, 6], [7, 8, 9]]), 3);
  const result = { padding: "same", stride: 1, pool: null, activation: "relu", conv_mode: "cross-correlation", input: { scale: 255 } };
  const payload = probePayload(result, { raw, C: 2, H: 3, W: 3, scale: 255 }, { kernel: [[1]] }, "conv", 2, 1);
  assert.deepEqual(payload.origin, [2, 1]);
  assert.deepEqual(payload.pixels, [[[14]], [[15]]]);
  assert.deepEqual(payload.image_size, [3, 3]);
});

test("training: the seeded batch, its edits and the gradient", () => {
  const v = { n: 4, d: 3, bseed: 1, grad: "seeded", ed: "" };
  const a = seededBatch(v);
  assert.deepEqual(a, seededBatch(v));
  assert.equal(a.x.length, 4);
  assert.deepEqual(a.gamma, [1, 2, 0.5]);
  assert.ok(a.x.flat().every((x) => Number.isInteger(Math.round(x * 10))));
  const edited = seededBatch({ ...v, grad: "ones", ed: "x.0.0=1;g.1=3;b.2=-1;x.9.9=5" });
  assert.equal(edited.x[0][0], 1);
  assert.equal(edited.gamma[1], 3);
  assert.equal(edited.beta[2], -1);
  assert.ok(edited.grad.flat().every((g) => g === 1));
});

test("filters: refusals become sentences next to their control, never a status or a field path", () => {
  assert.equal(sentence("spec.pool.size: the 16×16 pooling window is larger than the 10×12 (width×height) feature map it pools: use a window of at most 10"),
    "The 16×16 pooling window is larger than the 10×12 (width×height) feature map it pools: use a window of at most 10.");
  assert.equal(sentence("spec.filters[1].kernel: the kernel must be square"), "The kernel must be square.");
  const pool = placeError(new ApiError(422, "spec.pool.size: the window is too large", "spec.pool.size"), -1);
  assert.deepEqual(pool, { slot: "fl-layer-error", text: "Pool size: The window is too large." });
  const own = placeError(new ApiError(422, "spec.filters[2].kernel: not square", "spec.filters[2].kernel"), 2);
  assert.equal(own.slot, "fl-kernel-error");
  const file = placeError(new ApiError(415, "the file is not an image the lab can read", "file"), -1);
  assert.equal(file.slot, "fl-error");
  assert.ok(!/415|HTTP|spec\./.test(file.text + pool.text + own.text));
  assert.equal(placeError(new TypeError("Failed to fetch"), -1).slot, "fl-error");
  assert.equal(numberProblem("Stride", "3", { min: 1, max: 16 }), null);
  assert.match(numberProblem("Stride", "0", { min: 1, max: 16 }), /^Stride must be a whole number from 1 to 16; 0 is not one\./);
  assert.match(numberProblem("Stride", "", { min: 1, max: 16 }), /it is empty/);
  const spec = buildSpec({ color: "gray", presets: "sobel_x", custom: false, ksize: 3, kernel: [], padding: "same", stride: 1, activation: "relu", pool: "none", psize: 2, pstride: 2, mode: "cross-correlation", contrast: "robust", view: "magnitude" }, ["sobel_x"], 256);
  assert.deepEqual([spec.contrast, spec.view, spec.preview_side], ["robust", "magnitude", 256]);
});
