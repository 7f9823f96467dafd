// Page-wide keys (a timeline's ←/→, Space, Home/End; projector mode's L) give way to the focused
// control whenever that control uses the key itself: a button or checkbox keeps Space and Enter,
// a slider, number field or menu keeps its arrows, a text field keeps every key, and a widget
// that handles a key (a chart's guide, a grid's cursor) marks it handled with preventDefault.
//
// pageMayUse(event) -> true when a page-wide shortcut may act on this keydown.

const ARROWS = ["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Home", "End", "PageUp", "PageDown"];
const PRESS = [" ", "Enter", "Spacebar"];
const TEXT_TYPES = ["text", "search", "email", "url", "tel", "password", "number", "date", "time", "month", "week", "datetime-local"];
const PRESS_TYPES = ["button", "submit", "reset", "checkbox", "radio", "file", "color", "image"];
// ARIA roles whose widgets move with arrows (WAI-ARIA authoring practices).
const ARROW_ROLES = ["slider", "spinbutton", "grid", "gridcell", "listbox", "option", "menu", "menuitem", "tablist", "tab", "radiogroup", "radio", "tree", "treeitem", "application"];
const PRESS_ROLES = ["button", "link", "checkbox", "switch", "menuitem", "tab", "radio", "option", "gridcell"];

// Does the focused element `target` use `key` itself?
export function keptByControl(target, key) {
  if (!target || !target.tagName) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName.toUpperCase();
  const role = (target.getAttribute && target.getAttribute("role")) || "";
  if (tag === "TEXTAREA" || tag === "SELECT") return true;
  if (tag === "INPUT") {
    const type = (target.type || "text").toLowerCase();
    if (TEXT_TYPES.includes(type)) return true;
    if (type === "range") return ARROWS.includes(key);
    if (PRESS_TYPES.includes(type)) return PRESS.includes(key);
    return true;
  }
  if (PRESS.includes(key) && (["BUTTON", "A", "SUMMARY"].includes(tag) || PRESS_ROLES.includes(role))) return true;
  return ARROWS.includes(key) && ARROW_ROLES.includes(role);
}

export function pageMayUse(event) {
  if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return false;
  return !keptByControl(event.target, event.key);
}
