import assert from "node:assert/strict";
import { test } from "node:test";

import { caretLine, columnOf, customKeys, domainOf, nonfiniteSentence, surfaceRef } from "../../static/js/pages/optimizers/custom.js";
import { holeRuns } from "../../static/js/widgets/surface.js";

test("the column the API's sentence names, and a caret under it", () => {
  assert.equal(columnOf("unknown name 'sinn' at column 1 (did you mean sin?)"), 1);
  assert.equal(columnOf("missing ')' at column 14 (for the '(' at column 4)"), 14);
  assert.equal(columnOf("the x range must go from low to high, got [2, -2]"), null);
  assert.equal(caretLine("sinn(x)", 1), "sinn(x)\n^");
  assert.equal(caretLine("(x - 1", 7), "(x - 1\n      ^");
});

test("points where f is not finite, said in words", () => {
  assert.equal(nonfiniteSentence(0, 16384), "");
  assert.equal(nonfiniteSentence(37, 16384), "f is not finite at 37 of 16,384 grid points, shaded.");
  assert.match(nonfiniteSentence(4, 4), /not finite at any of the 4 grid points/);
});

test("the state's keys, the domain and what a request names as its surface", () => {
  const keys = customKeys({ examples: [{ expression: "x^2 - y^2", domain: [[-2, 2], [-1, 3]] }] });
  assert.deepEqual(keys.fx, { type: "string", default: "x^2 - y^2" });
  assert.deepEqual(keys.dom.default, [-2, 2, -1, 3]);
  assert.deepEqual(domainOf([-2, 2, -1, 3]), [[-2, 2], [-1, 3]]);
  assert.equal(surfaceRef({ name: "bowl" }), "bowl");
  const request = { expression: "x", domain: [[0, 1], [0, 1]] };
  assert.equal(surfaceRef({ name: "custom", request }), request);
});

test("runs of non-finite entries per row, for the hatch", () => {
  const values = [
    [1, null, null, 2],
    [null, 3, 4, null],
    [5, 6, 7, 8],
  ];
  assert.deepEqual(holeRuns(values), [
    [0, 1, 3],
    [1, 0, 1],
    [1, 3, 4],
  ]);
  assert.deepEqual(holeRuns([[NaN, Infinity]]), [[0, 0, 2]]);
});
