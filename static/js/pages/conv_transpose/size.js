// The output-size formula with the numbers (the API's size report) and the output-padding rule.

import { byId } from "../../dom.js";
import { TEXT } from "./text.js";

// response: the API's answer, or null while waiting or when refused; opRefused: the API refused
// the output padding.
export function renderSize(v, response, opRefused = false) {
  const size = response && response.size;
  byId("ct-formula-h").textContent = size ? TEXT.formula("height", size.height) : "";
  byId("ct-formula-w").textContent = size ? TEXT.formula("width", size.width) : "";
  byId("ct-full").textContent = size ? TEXT.full(size.height, size.width) : "";
  byId("ct-op-rule").textContent = TEXT.opRule(v, opRefused ? false : size ? true : null);
  byId("ct-op-rule").classList.toggle("ct-broken", opRefused);
}
