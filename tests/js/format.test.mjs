import assert from "node:assert/strict";
import { test } from "node:test";

import { bracketed, formatDecimal, formatNumber, formatPrecise, formatScale, formatTick } from "../../static/js/format.js";

test("formatNumber: four significant digits, exponents outside [1e-3, 1e6)", () => {
  assert.equal(formatNumber(0.7310585786), "0.7311");
  assert.equal(formatNumber(0), "0");
  assert.equal(formatNumber(2.44140625e-4), "2.441e-4");
  assert.equal(formatNumber(1234567), "1.235e+6");
  assert.equal(formatNumber(-12.3456), "-12.35");
  assert.equal(formatNumber(null), "—");
  assert.equal(formatNumber(NaN), "—");
});

test("formatPrecise: six significant digits for the numbers panel", () => {
  assert.equal(formatPrecise(0.3439), "0.3439");
  assert.equal(formatPrecise(1 / 3), "0.333333");
  assert.equal(formatPrecise(5e-5), "5.0000e-5");
  assert.equal(formatPrecise(123456), "1.2346e+5");
  assert.equal(formatPrecise(undefined), "—");
  assert.equal(formatPrecise(Infinity), "Infinity");
});

test("formatDecimal: at most four decimals", () => {
  assert.equal(formatDecimal(0.123456), "0.1235");
  assert.equal(formatDecimal(2), "2");
  assert.equal(formatDecimal(0.0004), "4.00e-4");
  assert.equal(formatDecimal(0), "0");
});

test("formatTick and formatScale", () => {
  assert.equal(formatTick(1e-4), "1e-4");
  assert.equal(formatTick(2e5), "2×1e5");
  assert.equal(formatTick(-1e6), "-1e6");
  assert.equal(formatTick(0.25), "0.25");
  assert.equal(formatScale(0.5), "0.5");
  assert.equal(formatScale(0.001), "1.00e-3");
  assert.equal(formatScale(12345), "1.23e+4");
});

test("bracketed puts negative terms in brackets", () => {
  assert.equal(bracketed(-2), "(-2)");
  assert.equal(bracketed(3), "3");
});
