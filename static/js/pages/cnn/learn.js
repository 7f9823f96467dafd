// Section 3 (curves), watch it learn: the loss per step (log scale, every batch's and the
// server's smoothed curve) with ln C and the initial loss marked, and the train and test
// accuracy at each evaluation.

import { byId } from "../../dom.js";
import { formatNumber as fmt } from "../../format.js";
import { createPlot } from "../../widgets/plot.js";
import { pct, TEXT } from "./text.js";

const T = TEXT.watch;
const RAW = "#56b4e9";
const SMOOTH = "#0072b2";
const LNC = "#d55e00";
const TRAIN = "#009e73";
const TEST = "#cc79a7";

export function lossSeries(run, smoothingLabel) {
  const series = [
    { name: T.raw, x: run.steps, y: run.losses, color: RAW, width: 1 },
    { name: smoothingLabel, x: run.steps, y: run.smoothed, color: SMOOTH, width: 2.5 },
  ];
  if (run.initialLoss !== null) {
    series.push({ name: T.initial(run.initialLoss), x: [1], y: [run.initialLoss], color: LNC, dots: true, line: false, hover: false });
  }
  return series;
}

export function createLearn(page) {
  const smoothing = T.smoothed(page.catalogue.smoothing);
  const readout = (id) => (x, values) => {
    byId(id).textContent = x === null ? "" : T.readout(x, values.map((v) => `${v.name} ${fmt(v.y)}`));
  };
  const loss = createPlot(byId("cnn-loss"), {
    label: T.lossPlot,
    xLabel: T.step,
    yLabel: T.loss,
    yScale: "log",
    snap: true,
    onHover: readout("cnn-loss-note"),
  });
  const accuracy = createPlot(byId("cnn-acc"), {
    label: T.accPlot,
    xLabel: T.step,
    yLabel: T.accuracy,
    yDomain: [0, 1],
    formatY: (v) => `${Math.round(v * 100)}%`,
    snap: true,
    onHover: (x, values) => {
      byId("cnn-acc-note").textContent = x === null ? "" : T.readout(x, values.map((v) => `${v.name} ${pct(v.y)}`));
    },
  });

  function update(run) {
    const lnC = run.lnClasses ?? (page.network ? page.network.ln_classes : null);
    const series = lossSeries(run, smoothing);
    // ln C as a dashed series (named in the legend), or a line alone before the first step.
    if (lnC !== null && run.steps.length) series.push({ name: T.lnC(lnC), x: [0, run.step], y: [lnC, lnC], color: LNC, dash: [6, 4], width: 1.5, hover: false });
    loss.update({
      series,
      hlines: lnC !== null && !run.steps.length ? [{ y: lnC, color: LNC, label: T.lnC(lnC), dash: [6, 4] }] : [],
      xDomain: [0, Math.max(1, run.step)],
    });
    if (loss.hover() === null) byId("cnn-loss-note").textContent = T.lossNote(run);
    const steps = run.evals.map((e) => e.step);
    accuracy.update({
      series: [
        { name: T.train, x: steps, y: run.evals.map((e) => e.train_accuracy), color: TRAIN, dots: true },
        { name: T.test, x: steps, y: run.evals.map((e) => e.test_accuracy), color: TEST, dots: true, dash: [6, 3] },
      ],
      xDomain: [0, Math.max(run.step, Number(page.state.get().ev))],
    });
    if (accuracy.hover() === null) {
      const every = Number(page.state.get().ev);
      byId("cnn-acc-note").textContent = steps.length ? T.accNote(every) : T.noEval(every);
    }
  }

  return { update, reset: update };
}
