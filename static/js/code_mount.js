// Wiring for the Code panel: a page hands over the body it just sent to its lesson endpoint;
// this asks POST /api/code (through api.js) for the programs when the panel wants them.

import { latestOnly, postJSON } from "./api.js";
import { t } from "./i18n.js";
import { createCodePanel } from "./widgets/code_panel.js";

// title: the panel's summary, when a page has more than one (default "Reproduce it in code").
// settle: ms the view must rest before an open panel asks again (a view that follows the pointer:
// hovering across pixels then sends one POST /api/code when the pointer stops, not one a pixel).
export function mountCodePanel(root, endpoint, { title, settle = 0 } = {}) {
  let body = null;
  let current = endpoint;
  let timer = null;
  const post = latestOnly((payload, options) => postJSON("/api/code", payload, options));
  const panel = createCodePanel(root, {
    ...(title ? { title } : {}),
    // A function as the body is asked when the panel loads (a page whose body is costly to gather).
    load: () =>
      body
        ? post({ endpoint: current, body: typeof body === "function" ? body() : body })
        : Promise.reject(new Error(t("the view has not been computed yet"))),
  });
  return {
    // The view now shows what `next` (the endpoint's body) computes; `at` names another endpoint
    // when the view switches lessons (the conv page's backward pass). null: not computed yet.
    show(next, at = endpoint) {
      body = next;
      current = at;
      clearTimeout(timer);
      const open = root.querySelector("details")?.open; // closed: only marked stale, at once
      if (settle > 0 && next !== null && open) timer = setTimeout(() => panel.invalidate(), settle);
      else panel.invalidate();
    },
  };
}
