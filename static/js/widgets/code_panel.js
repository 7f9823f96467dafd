// The Code panel: the PyTorch and NumPy programs that reproduce what the view shows, with a
// copy button. It draws and never fetches: the page passes load(), which asks POST /api/code
// for the view's current request (through api.js) and resolves to {pytorch, numpy, prints}.
// Programs are fetched when the panel is opened, and again when the view changes while open.

import { el } from "../dom.js";
import { t } from "../i18n.js";

const KINDS = [
  ["pytorch", "PyTorch"],
  ["numpy", "NumPy"],
];

export function createCodePanel(root, { load, title = t("Reproduce it in code") }) {
  const details = el("details", "panel code-panel");
  const summary = el("summary", "code-summary", title);
  const note = el(
    "p",
    "hint",
    t(
      "A short program that computes exactly what this view shows, with its numbers in it: copy it, run it with Python, and it prints the same result as one line of JSON.",
    ),
  );
  const bar = el("div", "code-bar");
  const choices = el("div", "code-kinds");
  choices.setAttribute("role", "group");
  choices.setAttribute("aria-label", t("Program"));
  const buttons = new Map();
  for (const [kind, label] of KINDS) {
    const button = el("button", "btn code-kind", label);
    button.type = "button";
    button.addEventListener("click", () => choose(kind));
    buttons.set(kind, button);
    choices.append(button);
  }
  const copy = el("button", "btn code-copy", t("Copy"));
  copy.type = "button";
  bar.append(choices, copy);
  const status = el("p", "code-status");
  status.setAttribute("aria-live", "polite");
  const pre = el("pre", "code-program");
  const code = el("code");
  pre.append(code);
  details.append(summary, note, bar, status, pre);
  root.replaceChildren(details);

  let kind = "pytorch";
  let programs = null;
  let stale = true;
  let token = 0;

  function show() {
    for (const [name, button] of buttons) button.setAttribute("aria-pressed", String(name === kind));
    code.textContent = programs ? programs[kind] : "";
    copy.disabled = !programs;
    pre.setAttribute("aria-label", t("{language} program", { language: kind === "pytorch" ? "PyTorch" : "NumPy" }));
  }

  function choose(next) {
    kind = next;
    show();
  }

  async function refresh() {
    if (!details.open) {
      stale = true;
      return;
    }
    stale = false;
    const mine = ++token;
    status.textContent = t("Writing the programs…");
    try {
      const result = await load();
      if (mine !== token) return;
      programs = result;
      status.textContent = result.pytorch_same_numbers === false
        ? t("The PyTorch program runs the same experiment on its own random draws (too many of the app's to write out): its numbers differ; the NumPy program's are the app's.")
        : t("Both programs print {names}.", { names: result.prints.join(", ") });
    } catch (error) {
      if (mine !== token || (error && error.name === "AbortError")) return;
      programs = null;
      status.textContent = t("No program for this view: {reason}", { reason: error.message });
    }
    show();
  }

  async function copyProgram() {
    if (!programs) return;
    const label = kind === "pytorch" ? "PyTorch" : "NumPy";
    try {
      await navigator.clipboard.writeText(programs[kind]);
      status.textContent = t("Copied the {language} program.", { language: label });
    } catch {
      // No clipboard (an insecure origin, a refused permission): select it for Ctrl+C instead.
      const range = document.createRange();
      range.selectNodeContents(code);
      const selection = window.getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      status.textContent = t("The {language} program is selected: press Ctrl+C (⌘C) to copy it.", { language: label });
    }
  }

  details.addEventListener("toggle", () => {
    if (details.open && stale) refresh();
  });
  copy.addEventListener("click", copyProgram);
  show();

  return {
    // The view changed: fetch again now if open, else when next opened.
    invalidate() {
      stale = true;
      if (details.open) refresh();
    },
    destroy() {
      token += 1;
      root.replaceChildren();
    },
  };
}
