// Section 2, train it: the optimiser (the optimiser lesson's controls, from GET /api/optimizers),
// batch size, initialisation, weight decay, seed and evaluation interval; play, pause, one step,
// reset and speed; the run itself (page.run, see run.js) and the replay of a link to its step.

import { postJSON } from "../../api.js";
import { byId, el, fillSelect } from "../../dom.js";
import { explain, labelOf, outOfRange, showAt } from "../../errors.js";
import { createOptimizerCard } from "../../widgets/optimizer_card.js";
import { formatOpts } from "../optimizers/presets.js";
import { createRun, replayTarget } from "./run.js";
import { both, TEXT } from "./text.js";
import { createTrainer } from "./trainer.js";

const T = TEXT.train;
export const sendChunk = (body) => postJSON("/api/cnn/train", body);

// The trainer's settings for the page's state: steps per update at the chosen speed.
export function speedSettings(page) {
  const { update_ms: updateMs, chunk_ms: budgetMs, stats_every: statsEvery } = page.catalogue;
  const v = page.state.get();
  const speed = Number(v.speed);
  return {
    perChunk: speed > 0 ? Math.max(1, Math.floor((speed * updateMs) / 1000)) : null,
    updateMs,
    budgetMs,
    most: page.network && page.network.trainable ? page.network.max_chunk_steps : 0,
    evalEvery: Number(v.ev),
    statsEvery,
    filters: true,
  };
}

export function createTraining(page, views) {
  const { controls, speeds, eval_every: evalEvery, init_schemes: schemes } = page.catalogue;
  let card = null;
  let cardName = null;
  let replay = null; // { asked, target, cut } of the link being replayed

  const trainer = createTrainer({
    runs: () => (page.run ? [page.run] : []),
    settings: () => speedSettings(page),
    serial: page.serial,
    onChunk(run) {
      byId("cnn-train-error").textContent = "";
      page.state.set({ step: run.step });
      views.update(run);
      status();
    },
    onError(run, error) {
      byId("cnn-train-error").textContent = T.refused(explain(error));
    },
    onPlaying: () => buttons(),
    onStop: () => {
      buttons();
      replayNote();
      page.announce("cnn-status");
    },
  });

  function status() {
    const run = page.run;
    let text = T.ready;
    if (!page.network || !page.network.trainable) text = T.notReady;
    else if (run && run.losses.length) text = T.status(run);
    byId("cnn-status").textContent = text;
    if (run && run.divergedAt !== null) byId("cnn-train-error").textContent = T.diverged(run.divergedAt);
  }

  function buttons() {
    const ready = Boolean(page.network && page.network.trainable);
    const mode = trainer.mode();
    const play = byId("cnn-play");
    const labels = { play: T.pause, fast: T.stopReplay, pausing: T.pausing };
    play.textContent = labels[mode] || T.play;
    play.setAttribute("aria-pressed", String(mode === "play" || mode === "fast"));
    play.disabled = !ready;
    byId("cnn-step").disabled = !ready || mode === "step";
  }

  function replayNote() {
    const note = byId("cnn-replay");
    if (!replay || !page.run) {
      note.replaceChildren();
      return;
    }
    const { asked, target, cut } = replay;
    if (trainer.mode() === "fast") {
      note.textContent = T.replaying(page.run.step, target);
      return;
    }
    if (page.run.step < target) {
      note.replaceChildren();
      return;
    }
    const parts = [el("span", "", page.run.step === target ? T.replayed(target) : "")];
    if (cut && page.run.step < asked) {
      parts.push(el("span", "", ` ${T.cut(asked, target)} `));
      const more = el("button", "btn secondary", T.continueTo(asked));
      more.type = "button";
      more.id = "cnn-continue";
      more.addEventListener("click", () => {
        page.pauseAll();
        replay = { asked, target: asked, cut: false };
        trainer.trainTo(asked);
      });
      parts.push(more);
    }
    note.replaceChildren(...parts);
  }

  // A new run of the state's configuration, at step 0.
  function reset() {
    trainer.pause();
    replay = null;
    page.run = createRun(page.config(), sendChunk);
    page.state.set({ step: 0 });
    byId("cnn-train-error").textContent = "";
    views.reset(page.run);
    replayNote();
    status();
    buttons();
  }

  // Replays a link's run to its step (bounded), from step 0 and the same seed: the same numbers.
  async function replayTo(asked) {
    const bound = page.network && page.network.trainable ? page.network.replay_steps : 0;
    const { target, cut } = replayTarget(asked, bound);
    if (!target) return;
    replay = { asked, target, cut };
    replayNote();
    await trainer.trainTo(target);
  }

  function renderCard() {
    const spec = page.optimizer();
    byId("cnn-opt").value = spec.name;
    if (card && cardName === spec.name) {
      card.update(spec);
      return;
    }
    const item = el("li");
    byId("cnn-opt-card").replaceChildren(item);
    card = createOptimizerCard(item, {
      info: page.optimizers.get(spec.name),
      spec,
      color: "#0072b2",
      removable: false,
      onChange: (next) => page.state.set({ opt: formatOpts([next]) }),
    });
    cardName = spec.name;
  }

  function sync() {
    const v = page.state.get();
    byId("cnn-batch").value = String(v.batch);
    byId("cnn-seed").value = String(v.seed);
    byId("cnn-wd").value = String(v.wd);
    byId("cnn-init").value = v.init;
    byId("cnn-eval").value = v.ev;
    byId("cnn-speed").value = v.speed;
    renderCard();
  }

  function numberInput(id, key, { min, max }, integer) {
    byId(id).addEventListener("change", (event) => {
      const refused = outOfRange(labelOf(event.target), { type: integer ? "int" : "float", min, max }, event.target.value);
      showAt(event.target, refused && `${refused} ${T.stillUses(page.state.get()[key])}`);
      if (!refused) page.state.set({ [key]: Number(event.target.value) });
    });
  }

  function wire() {
    fillSelect(byId("cnn-opt"), [...page.optimizers.values()].map((o) => [o.name, both(o.label, o.label_zh)]));
    fillSelect(byId("cnn-init"), schemes.map((s) => [s.name, s.label]));
    fillSelect(byId("cnn-eval"), evalEvery.map((n) => [String(n), TEXT.train.evalEvery(n)]));
    fillSelect(byId("cnn-speed"), speeds.map((s) => [String(s), T.speeds(s)]));
    byId("cnn-train-controls").addEventListener("submit", (event) => event.preventDefault());
    byId("cnn-opt").addEventListener("change", (event) => {
      const info = page.optimizers.get(event.target.value);
      page.state.set({ opt: formatOpts([{ name: info.name, lr: info.params.lr.default }]) });
    });
    numberInput("cnn-batch", "batch", controls.batch, true);
    numberInput("cnn-seed", "seed", controls.seed, true);
    numberInput("cnn-wd", "wd", controls.wd, false);
    byId("cnn-init").addEventListener("change", (event) => page.state.set({ init: event.target.value }));
    byId("cnn-eval").addEventListener("change", (event) => page.state.set({ ev: event.target.value }));
    byId("cnn-speed").addEventListener("change", (event) => page.state.set({ speed: event.target.value }));
    byId("cnn-play").addEventListener("click", toggle);
    byId("cnn-step").addEventListener("click", step);
    byId("cnn-reset").addEventListener("click", reset);
  }

  function toggle() {
    if (!page.network || !page.network.trainable) return;
    if (trainer.playing()) trainer.pause();
    else {
      page.pauseAll();
      replay = null;
      replayNote();
      trainer.play();
    }
  }

  function step() {
    if (!page.network || !page.network.trainable) return;
    page.pauseAll();
    trainer.step();
  }

  wire();
  return { trainer, reset, replayTo, sync, status, buttons, toggle, step };
}
