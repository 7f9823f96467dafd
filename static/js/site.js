// Site-wide: projector mode (large text and cells) and the Chinese terms, each remembered in
// localStorage with its URL parameter winning (`?large=1`, `?zh=0`; prefs.js).

import { pageMayUse } from "./keys.js";
import { revealOnTap } from "./layout.js";
import { createPreference } from "./prefs.js";

const root = document.documentElement;
const toggle = document.getElementById("large-toggle");
const zhToggle = document.getElementById("zh-toggle");

function apply(large) {
  root.classList.toggle("large", large);
  if (toggle) toggle.setAttribute("aria-pressed", String(large));
  window.dispatchEvent(new CustomEvent("cnnlab:resize"));
}

const projector = createPreference({ param: "large", storageKey: "cnnlab.large", fallback: false, apply });
const chinese = createPreference({
  param: "zh",
  storageKey: "cnnlab.zh",
  fallback: true,
  apply: (on) => {
    root.classList.toggle("no-zh", !on);
    if (zhToggle) zhToggle.setAttribute("aria-pressed", String(on));
  },
});

function flip() {
  projector.toggle();
}

if (zhToggle) zhToggle.addEventListener("click", () => chinese.toggle());
revealOnTap(document);
if (toggle) toggle.addEventListener("click", flip);
document.addEventListener("keydown", (event) => {
  if (event.key === "L" && pageMayUse(event)) flip();
});
