import assert from "node:assert/strict";
import { test } from "node:test";

import { formatValue, parseValue } from "../../static/js/state.js";
import { formatEdits, mulberry32, parseEdits } from "../../static/js/seeded.js";

const int = { type: "int", default: 3, min: 1, max: 7 };

test("URL values are parsed against the schema, invalid ones fall back to the default", () => {
  assert.equal(parseValue(int, "5"), 5);
  assert.equal(parseValue(int, null), 3);
  assert.equal(parseValue(int, "9"), 3); // above max
  assert.equal(parseValue(int, "2.5"), 3);
  assert.equal(parseValue({ type: "float", default: 1 }, "1e-3"), 0.001);
  assert.equal(parseValue({ type: "float", default: 1 }, ""), 1);
  assert.equal(parseValue({ type: "float", default: 1 }, "Infinity"), 1);
  assert.equal(parseValue({ type: "bool", default: false }, "1"), true);
  assert.deepEqual(parseValue({ type: "floats", default: [] }, "0.5,-1"), [0.5, -1]);
  assert.deepEqual(parseValue({ type: "ints", default: [1] }, "1,x"), [1]);
  assert.equal(parseValue({ type: "string", default: "a", options: ["a", "b"] }, "c"), "a");
});

test("values are written back the way they are read", () => {
  assert.equal(formatValue({ type: "bool" }, true), "1");
  assert.equal(formatValue({ type: "floats" }, [0.5, -1]), "0.5,-1");
  for (const [spec, value] of [[int, 4], [{ type: "floats", default: [] }, [1e-4, 2]]]) {
    assert.deepEqual(parseValue(spec, formatValue(spec, value)), value);
  }
});

test("edits round-trip and malformed parts are skipped", () => {
  const edits = parseEdits("x.0.1.2=3;w.0.0.1.1=-1;bad;y=;z=abc");
  assert.deepEqual([...edits], [["x.0.1.2", 3], ["w.0.0.1.1", -1]]);
  assert.equal(formatEdits(edits), "x.0.1.2=3;w.0.0.1.1=-1");
});

test("mulberry32 is seeded: the same seed gives the same draws in [0, 1)", () => {
  const a = mulberry32(231);
  const b = mulberry32(231);
  const draws = Array.from({ length: 5 }, () => a());
  assert.deepEqual(draws, Array.from({ length: 5 }, () => b()));
  assert.ok(draws.every((d) => d >= 0 && d < 1));
  assert.notDeepEqual(draws, Array.from({ length: 5 }, mulberry32(232)));
});
