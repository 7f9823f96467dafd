import assert from "node:assert/strict";
import { test } from "node:test";

import { pick } from "../../static/js/prefs.js";

test("an explicit URL parameter wins over what is remembered", () => {
  assert.equal(pick("1", "0", false), true);
  assert.equal(pick("0", "1", true), false);
});

test("without a URL parameter the remembered choice applies, else the fallback", () => {
  assert.equal(pick(null, "1", false), true);
  assert.equal(pick(null, "0", true), false);
  assert.equal(pick(null, null, true), true);
  assert.equal(pick(null, null, false), false);
});

test("values other than 0 and 1 are ignored", () => {
  assert.equal(pick("yes", "1", false), true);
  assert.equal(pick("", "garbage", true), true);
});
