// Section 4 (third check), overfit a tiny batch: the same network, optimiser and seed trained on
// a few examples only (the train request's subset, all of them in every batch) until the loss is
// near zero; its loss per step and the examples it learns.

import { getJSON } from "../../api.js";
import { byId } from "../../dom.js";
import { explain } from "../../errors.js";
import { createPlot } from "../../widgets/plot.js";
import { createThumbnails } from "../../widgets/thumbnails.js";
import { labelled } from "./data.js";
import { createRun, replayTarget } from "./run.js";
import { TEXT } from "./text.js";
import { sendChunk, speedSettings } from "./training.js";
import { createTrainer } from "./trainer.js";

const T = TEXT.checks;

export function createOverfit(page) {
  const { examples, steps } = page.catalogue.overfit;
  const plot = createPlot(byId("cnn-of-loss"), { label: T.ofPlot, xLabel: TEXT.watch.step, yLabel: TEXT.watch.loss, yScale: "log", snap: true });
  const thumbs = createThumbnails(byId("cnn-of-examples"), { label: T.ofExamples });
  let shownSubset = null;
  page.overfit = null;

  const trainer = createTrainer({
    runs: () => (page.overfit ? [page.overfit] : []),
    settings: () => ({ ...speedSettings(page), perChunk: null, target: steps, filters: false, statsEvery: null, evalEvery: Infinity }),
    serial: page.serial,
    onChunk(run) {
      page.state.set({ ostep: run.step });
      render(run);
    },
    onError: (run, error) => {
      byId("cnn-of-error").textContent = explain(error);
    },
    onPlaying: () => buttons(),
    onStop: () => {
      buttons();
      page.announce("cnn-of-status");
    },
  });

  function buttons() {
    const ready = Boolean(page.network && page.network.trainable);
    const b = byId("cnn-of-play");
    b.textContent = trainer.playing() ? T.ofPause : T.ofPlay;
    b.setAttribute("aria-pressed", String(trainer.playing()));
    b.disabled = !ready || (page.overfit && page.overfit.step >= steps);
  }

  async function showExamples(run) {
    if (!run.subset || run.subset === shownSubset) return;
    shownSubset = run.subset;
    const data = page.dataset();
    const out = await getJSON(`/api/cnn/datasets/${data.name}/examples?split=train&indices=${run.subset.join(",")}`);
    if (page.overfit === run) thumbs.update({ images: out.x, ...labelled(data, out.labels, out.indices) });
  }

  function render(run) {
    plot.update({
      series: [{ name: T.ofLoss, x: run.steps, y: run.losses, color: "#d55e00", width: 2 }],
      xDomain: run.steps.length > 1 ? undefined : [0, steps],
    });
    byId("cnn-of-status").textContent = run.losses.length ? T.ofStatus(run, steps) : T.ofReady;
    if (run.divergedAt !== null) byId("cnn-of-error").textContent = TEXT.train.diverged(run.divergedAt);
    showExamples(run).catch((error) => {
      byId("cnn-of-error").textContent = explain(error);
    });
    buttons();
  }

  function reset() {
    trainer.pause();
    const config = { ...page.config(), subset: examples, batch_size: examples };
    page.overfit = createRun(config, sendChunk);
    shownSubset = null;
    thumbs.update({ images: [] });
    byId("cnn-of-error").textContent = "";
    page.state.set({ ostep: 0 });
    render(page.overfit);
  }

  async function replayTo(asked) {
    const bound = page.network && page.network.trainable ? page.network.replay_steps : 0;
    const { target } = replayTarget(Math.min(asked, steps), bound);
    if (target) await trainer.trainTo(target);
  }

  byId("cnn-of-intro").textContent = T.ofIntro(examples, steps);
  byId("cnn-of-play").addEventListener("click", () => {
    if (trainer.playing()) trainer.pause();
    else {
      page.pauseAll();
      trainer.play();
    }
  });
  byId("cnn-of-reset").addEventListener("click", reset);
  return { trainer, reset, replayTo, buttons };
}
