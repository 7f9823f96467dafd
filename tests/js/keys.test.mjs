import assert from "node:assert/strict";
import { test } from "node:test";

import { keptByControl, pageMayUse } from "../../static/js/keys.js";

const node = (tagName, attrs = {}) => ({
  tagName,
  type: attrs.type,
  isContentEditable: Boolean(attrs.editable),
  getAttribute: (name) => (name === "role" ? attrs.role || null : null),
});

test("buttons and checkboxes keep Space and Enter, not the arrows", () => {
  for (const target of [node("BUTTON"), node("INPUT", { type: "checkbox" }), node("A"), node("DIV", { role: "button" })]) {
    assert.equal(keptByControl(target, " "), true);
    assert.equal(keptByControl(target, "Enter"), true);
    assert.equal(keptByControl(target, "ArrowRight"), false);
  }
});

test("sliders keep their arrows and Home/End, not Space; text and menus keep every key", () => {
  const range = node("INPUT", { type: "range" });
  assert.equal(keptByControl(range, "ArrowLeft"), true);
  assert.equal(keptByControl(range, "End"), true);
  assert.equal(keptByControl(range, " "), false);
  for (const target of [node("INPUT", { type: "number" }), node("INPUT"), node("SELECT"), node("TEXTAREA"), node("DIV", { editable: true })]) {
    assert.equal(keptByControl(target, "ArrowRight"), true);
    assert.equal(keptByControl(target, " "), true);
    assert.equal(keptByControl(target, "L"), true);
  }
});

test("arrow widgets by role keep arrows; plain elements and the page keep nothing", () => {
  assert.equal(keptByControl(node("DIV", { role: "gridcell" }), "ArrowDown"), true);
  assert.equal(keptByControl(node("DIV", { role: "slider" }), "Home"), true);
  assert.equal(keptByControl(node("BODY"), " "), false);
  assert.equal(keptByControl(node("CANVAS", { role: "img" }), "ArrowRight"), false);
  assert.equal(keptByControl(null, " "), false);
});

test("pageMayUse: handled keys and modified keys are not the page's", () => {
  const body = node("BODY");
  assert.equal(pageMayUse({ target: body, key: " " }), true);
  assert.equal(pageMayUse({ target: body, key: "ArrowRight", shiftKey: true }), true);
  assert.equal(pageMayUse({ target: body, key: " ", defaultPrevented: true }), false);
  assert.equal(pageMayUse({ target: body, key: "ArrowRight", ctrlKey: true }), false);
  assert.equal(pageMayUse({ target: node("BUTTON"), key: " " }), false);
});
