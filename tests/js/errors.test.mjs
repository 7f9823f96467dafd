import assert from "node:assert/strict";
import { test } from "node:test";

import { explain } from "../../static/js/errors.js";

const api = (message, status = 422, field = null) => ({ name: "Error", message, status, field });

test("pydantic's limits become a sentence about the control, without code or path", () => {
  const text = explain(api("start[0]: Input should be less than or equal to 10000"), { name: "Start x", value: "1e9" });
  assert.equal(text, "Start x must be at most 10000 (you gave 1e9).");
  assert.doesNotMatch(text, /422|start\[0\]/);
  assert.equal(explain(api("optimizers[0].lr: Input should be greater than 0"), { name: "SGD learning rate" }), "SGD learning rate must be more than 0.");
  assert.equal(explain(api("noise.std: Input should be greater than or equal to 0"), { name: "Gradient noise σ" }), "Gradient noise σ must be at least 0.");
  assert.equal(explain(api("steps: Input should be a valid integer, got a number with a fractional part")), "This value must be a whole number.");
});

test("only the first of several messages, and the core's own sentences kept", () => {
  const text = explain(api("x[0][0]: Input should be less than or equal to 1000000; x[0][1]: Input should be less than or equal to 1000000; ... and 3 more"), { name: "x row 1 feature 1", value: 5e6 });
  assert.equal(text, "x row 1 feature 1 must be at most 1000000 (you gave 5000000).");
  assert.equal(
    explain(api("the kernel spans 3 cells, more than the padded input height 2 + 2·0 = 2", 422, "weights"), { name: "Kernel size" }),
    "The kernel spans 3 cells, more than the padded input height 2 + 2·0 = 2.",
  );
  assert.equal(explain(api("indices: must list at least one index, e.g. 3,17,42")), "This value must list at least one index, e.g. 3,17,42.");
});

test("server faults and a lost connection are said as such", () => {
  assert.match(explain(api("internal error", 500)), /server could not compute/);
  assert.match(explain(api("busy", 503)), /server is busy/);
  const offline = new TypeError("Failed to fetch");
  assert.match(explain(offline), /Could not reach the server/);
  assert.equal(explain(null), "");
});
