// Section 5, compare optimisers on this network: two to four runs of the same network, data,
// seed (so the same initial weights and the same batches), batch size and weight decay, each
// with its own optimiser, trained in turn; their smoothed losses side by side and a table.

import { byId, el, fillSelect } from "../../dom.js";
import { explain } from "../../errors.js";
import { formatNumber as fmt, formatPrecise } from "../../format.js";
import { createOptimizerCard } from "../../widgets/optimizer_card.js";
import { createPlot } from "../../widgets/plot.js";
import { formatOpts, parseOpts } from "../optimizers/presets.js";
import { createRun, replayTarget } from "./run.js";
import { optimizerName, pct, TEXT } from "./text.js";
import { sendChunk, speedSettings } from "./training.js";
import { createTrainer } from "./trainer.js";

const T = TEXT.compare;
const COLORS = ["#d55e00", "#0072b2", "#009e73", "#cc79a7"];

export function createCompare(page) {
  const { max_compare: max, compare_steps: choices } = page.catalogue;
  const plot = createPlot(byId("cnn-cmp-loss"), { label: T.plot, xLabel: TEXT.watch.step, yLabel: T.smoothedLoss, yScale: "log", snap: true });
  page.compare = [];

  const specs = () => parseOpts(page.state.get().cmp, page.optimizers, max);
  const target = () => Number(page.state.get().cn);
  const label = (spec) => `${optimizerName(page.optimizers.get(spec.name))} α = ${spec.lr}`;

  const trainer = createTrainer({
    runs: () => page.compare,
    settings: () => ({ ...speedSettings(page), target: target(), filters: false }),
    serial: page.serial,
    onChunk() {
      page.state.set({ cstep: Math.min(...page.compare.map((r) => r.step)) });
      render();
    },
    onError: (run, error) => {
      byId("cnn-cmp-error").textContent = `${label(run.config.optimizer)}: ${explain(error)}`;
    },
    onPlaying: () => buttons(),
    onStop: () => {
      buttons();
      page.announce("cnn-cmp-status");
    },
  });

  function buttons() {
    const ready = Boolean(page.network && page.network.trainable) && page.compare.length >= 2;
    const b = byId("cnn-cmp-play");
    b.textContent = trainer.playing() ? T.pause : T.play;
    b.setAttribute("aria-pressed", String(trainer.playing()));
    b.disabled = !ready || page.compare.every((r) => r.step >= target() || r.divergedAt !== null);
    byId("cnn-cmp-add").disabled = specs().length >= max;
  }

  function table() {
    const head = el("thead");
    const tr = el("tr");
    tr.append(...T.head.map((text) => el("th", "", text)));
    head.append(tr);
    const body = el("tbody");
    page.compare.forEach((run, r) => {
      const row = el("tr");
      row.dataset.optimizer = run.config.optimizer.name;
      const name = el("td");
      const swatch = el("span", "swatch");
      swatch.style.background = COLORS[r];
      name.append(swatch, document.createTextNode(label(run.config.optimizer)));
      const last = run.evals[run.evals.length - 1];
      const loss = run.smoothed.length ? fmt(run.smoothed[run.smoothed.length - 1]) : "—";
      row.append(
        name,
        el("td", "num", run.losses.length ? formatPrecise(run.losses[0]) : "—"),
        el("td", "num", String(run.step)),
        el("td", "num", run.divergedAt !== null ? `${loss} (${T.diverged(run.divergedAt)})` : loss),
        el("td", "num", last ? pct(last.test_accuracy) : "—"),
        el("td", "num", last ? String(last.step) : "—"),
      );
      body.append(row);
    });
    byId("cnn-cmp-table").replaceChildren(head, body);
  }

  function render() {
    plot.update({
      series: page.compare.map((run, r) => ({ name: label(run.config.optimizer), x: run.steps, y: run.smoothed, color: COLORS[r], width: 2 })),
      xDomain: page.compare.some((run) => run.steps.length > 1) ? undefined : [0, target()],
    });
    table();
    const started = page.compare.some((run) => run.step > 0);
    let text = started ? T.status(page.compare, target()) : T.ready(target());
    if (page.compare.length < 2) text = T.tooFew;
    byId("cnn-cmp-status").textContent = text;
    buttons();
  }

  // The cards, rebuilt after a change; a focused control gets the focus back (keyboard users
  // stepping a learning rate with the arrows).
  function cards() {
    const active = document.activeElement;
    const holder = byId("cnn-cmp-cards");
    const card = active && holder.contains(active) ? active.closest("li") : null;
    const where = card ? [[...holder.children].indexOf(card), active.getAttribute("aria-label")] : null;
    const list = specs();
    const items = list.map((spec, r) => {
      const item = el("li");
      createOptimizerCard(item, {
        info: page.optimizers.get(spec.name),
        spec,
        color: COLORS[r],
        removable: list.length > 2,
        onChange: (next) => page.state.set({ cmp: formatOpts(list.map((s, k) => (k === r ? next : s))) }),
        onRemove: () => page.state.set({ cmp: formatOpts(list.filter((_, k) => k !== r)) }),
      });
      return item;
    });
    holder.replaceChildren(...items);
    if (where && items[where[0]]) {
      const again = items[where[0]].querySelector(`[aria-label="${where[1]}"]`);
      if (again) again.focus();
    }
  }

  // New runs, one per optimiser, at step 0.
  function reset() {
    trainer.pause();
    const base = page.config();
    page.compare = specs().map((spec) => createRun({ ...base, optimizer: spec }, sendChunk));
    byId("cnn-cmp-error").textContent = "";
    byId("cnn-cmp-replay").textContent = "";
    byId("cnn-cmp-steps").value = page.state.get().cn;
    page.state.set({ cstep: 0 });
    cards();
    render();
  }

  async function replayTo(asked) {
    const bound = page.network && page.network.trainable ? page.network.replay_steps : 0;
    const { target: goal, cut } = replayTarget(Math.min(asked, target()), bound);
    if (!goal) return;
    if (cut) byId("cnn-cmp-replay").textContent = TEXT.train.cut(asked, goal);
    await trainer.trainTo(goal);
  }

  byId("cnn-cmp-note").textContent = T.sameStart;
  fillSelect(byId("cnn-cmp-kind"), [...page.optimizers.values()].map((o) => [o.name, optimizerName(o)]));
  fillSelect(byId("cnn-cmp-steps"), choices.map((n) => [String(n), String(n)]));
  byId("cnn-cmp-controls").addEventListener("submit", (event) => {
    event.preventDefault();
    const list = specs();
    if (list.length >= max) return;
    const info = page.optimizers.get(byId("cnn-cmp-kind").value);
    page.state.set({ cmp: formatOpts([...list, { name: info.name, lr: info.params.lr.default }]) });
  });
  byId("cnn-cmp-steps").addEventListener("change", (event) => page.state.set({ cn: event.target.value }));
  byId("cnn-cmp-play").addEventListener("click", () => {
    if (trainer.playing()) trainer.pause();
    else {
      page.pauseAll();
      trainer.play();
    }
  });
  byId("cnn-cmp-reset").addEventListener("click", reset);
  return { trainer, reset, replayTo, render, buttons };
}
