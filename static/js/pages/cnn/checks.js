// Section 4 (first two checks): the initial loss against ln C (the run's first chunk), and the
// gradient check per layer and parameter (POST /api/cnn/gradcheck) at the initial parameters or
// at the run's current step (its state), with what the relative errors mean.

import { isAbort, postJSON } from "../../api.js";
import { coalesced } from "../../coalesce.js";
import { mountCodePanel } from "../../code_mount.js";
import { byId, el } from "../../dom.js";
import { explain } from "../../errors.js";
import { formatNumber as fmt } from "../../format.js";
import { t } from "../../i18n.js";
import { TEXT, typeName } from "./text.js";

const T = TEXT.checks;

// The entry with the largest relative error of one parameter's check.
export function worstEntry(check) {
  let k = 0;
  check.relative_errors.forEach((e, i) => {
    if (e > check.relative_errors[k]) k = i;
  });
  return { index: check.entries[k], analytic: check.analytic[k], numerical: check.numerical[k] };
}

export function createChecks(page) {
  const types = page.catalogue.layer_types;
  const postCheck = coalesced((body) => postJSON("/api/cnn/gradcheck", body));
  // The check's programs, once a check has run (its parameters: the seed's, or the run's state).
  const code = mountCodePanel(byId("cnn-gc-code"), "/api/cnn/gradcheck", { title: t("The gradient check in code") });

  function update(run) {
    byId("cnn-initial").textContent =
      run.initialLoss === null ? T.initialPending : T.initial(run, page.catalogue.last_layer_scale);
  }

  function table(out) {
    const head = el("thead");
    const tr = el("tr");
    tr.append(...T.gcHead.map((text) => el("th", "", text)));
    head.append(tr);
    const body = el("tbody");
    for (const check of out.checks) {
      const worst = worstEntry(check);
      // The class from the verdict's fixed key (the API's), the text from its label.
      const row = el("tr", `verdict-${check.verdict.split(" ")[0]}`);
      row.dataset.layer = String(check.layer);
      row.dataset.param = check.param;
      const cells = [
        [`${check.layer} ${typeName(types, check.type)}`, ""],
        [T.paramNames[check.param] || check.param, ""],
        [check.shape.join("×"), "num"],
        [String(check.entries.length), "num"],
        [fmt(check.max_relative_error), "num"],
        [check.label, "verdict"],
        [fmt(worst.analytic), "num"],
        [fmt(worst.numerical), "num"],
      ];
      row.append(...cells.map(([text, cls]) => el("td", cls, text)));
      body.append(row);
    }
    byId("cnn-gc-table").replaceChildren(head, body);
    const list = el("ul");
    for (const v of out.verdicts) {
      const bound = v.up_to === null ? T.gcAbove : T.gcUpTo(v.up_to);
      list.append(el("li", "", T.gcVerdict(v, bound)));
    }
    byId("cnn-gc-meaning").replaceChildren(el("p", "", T.gcHowTo(out.meaning)), list);
  }

  async function run() {
    const v = page.state.get();
    const at = byId("cnn-gc-at").value;
    byId("cnn-gc-error").textContent = "";
    const body = { layers: page.layers(), dataset: v.data, seed: v.seed, init: v.init, samples: 10 };
    if (at === "now") {
      if (!page.run || !page.run.state) {
        byId("cnn-gc-error").textContent = T.gcNoRun;
        return;
      }
      body.state = page.run.state;
    }
    byId("cnn-gc-summary").textContent = T.gcRunning;
    let out;
    try {
      out = await page.serial(() => postCheck(body));
    } catch (error) {
      if (isAbort(error)) return;
      byId("cnn-gc-summary").textContent = "";
      byId("cnn-gc-error").textContent = explain(error);
      return;
    }
    byId("cnn-gc-summary").textContent = T.gcSummary(out);
    table(out);
    code.show(body);
    page.state.set({ gc: at });
  }

  function reset(runState) {
    update(runState);
    byId("cnn-gc-summary").textContent = "";
    byId("cnn-gc-table").replaceChildren();
    byId("cnn-gc-meaning").replaceChildren();
    code.show(null);
  }

  byId("cnn-gc-run").addEventListener("click", run);
  byId("cnn-gc-at").addEventListener("change", (event) => {
    if (page.state.get().gc) page.state.set({ gc: event.target.value });
  });
  return { update, reset, run };
}
