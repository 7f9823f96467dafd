// Site-wide: the language switch and links that keep the page's language, projector mode (large
// text and cells) and, in English, the Chinese terms beside the English ones, each remembered in
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

// The Chinese terms beside the English ones: a choice of the English interface only (in Chinese
// the page's own text is Chinese, so the glosses are hidden and the toggle is not rendered).
if (zhToggle) {
  const chinese = createPreference({
    param: "zh",
    storageKey: "cnnlab.zh",
    fallback: true,
    apply: (on) => {
      root.classList.toggle("no-zh", !on);
      zhToggle.setAttribute("aria-pressed", String(on));
    },
  });
  zhToggle.addEventListener("click", () => chinese.toggle());
}

// The language switch: this view (the URL as the page has rewritten it since it loaded, so the
// step and configuration are kept) with lang set. The server remembers the choice (a cookie).
function withLanguage(href, language) {
  const url = new URL(href);
  url.searchParams.set("lang", language);
  return url.toString();
}

for (const choice of document.querySelectorAll(".lang-switch a[data-lang]")) {
  const refresh = () => {
    choice.href = withLanguage(window.location.href, choice.dataset.lang);
  };
  for (const type of ["pointerdown", "focus", "mouseenter"]) choice.addEventListener(type, refresh);
  choice.addEventListener("click", refresh);
}

// Links to other pages of the site keep the page's `lang` when its URL names one, including
// links a page script adds later: fixed when they are followed, opened in a tab or copied.
const explicit = new URLSearchParams(window.location.search).get("lang");

function keepLanguage(event) {
  const anchor = event.target instanceof Element ? event.target.closest("a[href]") : null;
  if (!anchor || anchor.closest(".lang-switch") || !explicit) return;
  const url = new URL(anchor.href, window.location.href);
  if (url.origin !== window.location.origin || url.searchParams.has("lang")) return;
  if (/\/(api|static)\//.test(url.pathname) || /\.(json|png|svg|csv)$/.test(url.pathname)) return;
  if (url.pathname === window.location.pathname && url.hash && !url.search) return; // in-page
  url.searchParams.set("lang", explicit);
  anchor.href = url.toString();
}

if (explicit === "en" || explicit === "zh") {
  for (const type of ["click", "auxclick", "contextmenu", "focusin"]) {
    document.addEventListener(type, keepLanguage, true);
  }
}

function flip() {
  projector.toggle();
}

revealOnTap(document);
if (toggle) toggle.addEventListener("click", flip);
document.addEventListener("keydown", (event) => {
  if (event.key === "L" && pageMayUse(event)) flip();
});
