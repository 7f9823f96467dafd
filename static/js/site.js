// Site-wide: projector mode (large text and cells), kept in localStorage and `?large=1`.

import { pageMayUse } from "./keys.js";

const root = document.documentElement;
const toggle = document.getElementById("large-toggle");

function apply(large) {
  root.classList.toggle("large", large);
  if (toggle) toggle.setAttribute("aria-pressed", String(large));
  window.dispatchEvent(new CustomEvent("cnnlab:resize"));
}

const fromUrl = new URLSearchParams(window.location.search).get("large");
let large = fromUrl !== null ? fromUrl === "1" : window.localStorage.getItem("cnnlab.large") === "1";
apply(large);

function flip() {
  large = !large;
  window.localStorage.setItem("cnnlab.large", large ? "1" : "0");
  apply(large);
}

if (toggle) toggle.addEventListener("click", flip);
document.addEventListener("keydown", (event) => {
  if (event.key === "L" && pageMayUse(event)) flip();
});
