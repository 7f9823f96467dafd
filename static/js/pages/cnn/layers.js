// Section 3 (per layer), watch it learn: each layer's update/weight ratio over the steps (log
// scale, the 1e-3 rule of thumb marked) and, at the last step, every layer's weight and gradient
// norms, output statistics and dead ReLUs (the train response's layer_stats).

import { byId, el } from "../../dom.js";
import { formatNumber as fmt } from "../../format.js";
import { createPlot } from "../../widgets/plot.js";
import { pct, TEXT, typeName } from "./text.js";

const T = TEXT.watch;
// Okabe–Ito, one colour per layer with parameters.
const COLORS = ["#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#000000"];

// One series per layer with parameters: its update/weight ratio at each listed step.
export function ratioSeries(run, describe) {
  if (!run.stats.length) return [];
  const first = run.stats[0].layers;
  return first
    .filter((entry) => entry.param !== null)
    .map((entry, k) => ({
      name: describe(entry),
      x: run.stats.map((s) => s.step),
      y: run.stats.map((s) => s.layers[entry.layer].update_ratio ?? NaN),
      color: COLORS[k % COLORS.length],
      width: 2,
    }));
}

export function createLayers(page) {
  const { stats_every: every, update_ratio_rule: rule, layer_types: types } = page.catalogue;
  const describe = (entry) => T.layerSeries({ ...entry, type: typeName(types, entry.type) });
  const plot = createPlot(byId("cnn-ratio"), {
    label: T.ratioPlot,
    xLabel: T.step,
    yLabel: "‖Δw‖/‖w‖",
    yScale: "log",
    snap: true,
    onHover: (x, values) => {
      byId("cnn-ratio-note").textContent =
        x === null ? T.ratioNote(every) : T.readout(x, values.map((v) => `${v.name} ${fmt(v.y)}`));
    },
  });
  byId("cnn-ratio-note").textContent = T.ratioNote(every);

  function table(run) {
    const head = el("thead");
    const tr = el("tr");
    tr.append(...T.statsHead.map((text) => el("th", "", text)));
    head.append(tr);
    const body = el("tbody");
    for (const s of run.lastStats || []) {
      const row = el("tr");
      row.dataset.layer = String(s.layer);
      const cells = [
        [String(s.layer), ""],
        [typeName(types, s.type), ""],
        [fmt(s.weight_norm), "num"],
        [fmt(s.grad_norm), "num"],
        [fmt(s.update_ratio), "num"],
        [fmt(s.activation_mean), "num"],
        [fmt(s.activation_std), "num"],
        [s.dead_fraction === null ? "—" : pct(s.dead_fraction), "num"],
        [s.inactive_fraction === null ? "—" : pct(s.inactive_fraction), "num"],
      ];
      row.append(...cells.map(([text, cls]) => el("td", cls, text)));
      body.append(row);
    }
    byId("cnn-stats").replaceChildren(head, body);
    byId("cnn-stats-note").textContent = run.lastStats ? T.statsNote(run.lastStatsStep) : "";
  }

  function update(run) {
    const series = ratioSeries(run, describe);
    if (series.length) {
      // The rule of thumb as a series, so the view always reaches it.
      const x = series[0].x;
      series.push({ name: T.rule, x: [0, x[x.length - 1]], y: [rule, rule], color: "#5b6470", dash: [6, 4], width: 1.5, hover: false });
    }
    plot.update({
      series,
      hlines: series.length ? [] : [{ y: rule, color: "#5b6470", label: T.rule, dash: [6, 4] }],
      xDomain: [0, Math.max(every * 2, run.step)],
      yDomain: run.stats.length ? undefined : [1e-5, 1e-1],
    });
    table(run);
  }

  return { update, reset: update };
}
