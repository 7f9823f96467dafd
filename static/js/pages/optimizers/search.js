// Grid vs random search over (learning rate, second parameter) with the same budget
// (POST /api/optimize/search), on the race's surface and start: the final-loss map with both
// methods' samples, the loss against the learning rate alone, and what each found.

import { isAbort, postJSON } from "../../api.js";
import { mountCodePanel } from "../../code_mount.js";
import { coalesced } from "../../coalesce.js";
import { createColorbar } from "../../colormap.js";
import { byId, el } from "../../dom.js";
import { createRefusals, fieldMap } from "../../errors.js";
import { formatPrecise as fmt, formatTick } from "../../format.js";
import { lang, t } from "../../i18n.js";
import { createPlot } from "../../widgets/plot.js";
import { createSurface } from "../../widgets/surface.js";
import { surfaceRef } from "./custom.js";
import { paramName } from "./presets.js";
import { startPoint } from "./race.js";

const GRID = "#e69f00";
const RANDOM = "#56b4e9";

function markers(data) {
  const best = [
    [data.best_grid, data.grid, GRID],
    [data.best_random, data.random, RANDOM],
  ].filter(([index]) => index !== null);
  return [
    ...data.grid.map((s) => ({ x: Math.log10(s.lr), y: s.second, shape: "square", color: GRID, size: 4 })),
    ...data.random.map((s) => ({ x: Math.log10(s.lr), y: s.second, shape: "circle", color: RANDOM, size: 3.5 })),
    ...best.map(([index, list, color]) => ({ x: Math.log10(list[index].lr), y: list[index].second, shape: "ring", color: "#111", size: 9, title: color })),
  ];
}

function summary(data, lossOf, shownSecond) {
  const table = el("table", "optim-table");
  const head = table.createTHead().insertRow();
  for (const text of ["", t("grid"), t("random")]) head.append(el("th", "", text));
  const pick = (list, index) => (index === null ? null : list[index]);
  const g = pick(data.grid, data.best_grid);
  const r = pick(data.random, data.best_random);
  const diverged = (list) => list.filter((s) => s.final_loss === null).length;
  const second = data.second;
  // [key (the row's data-row, in English), what the row shows, grid, random]
  const rows = [
    ["runs", t("runs"), data.grid.length, data.random.length],
    ["distinct learning rates tried", t("distinct learning rates tried"), data.distinct_lr.grid, data.distinct_lr.random],
    [`distinct ${second} values tried`, t("distinct {name} values tried", { name: shownSecond }), new Set(data.grid.map((s) => s.second)).size, new Set(data.random.map((s) => s.second)).size],
    ["best α", t("best α"), g && fmt(g.lr), r && fmt(r.lr)],
    [`best ${second}`, t("best {name}", { name: shownSecond }), g && fmt(g.second), r && fmt(r.second)],
    ["best final loss", t("best final loss"), g && fmt(g.final_loss), r && fmt(r.final_loss)],
    ["diverged runs", t("diverged runs"), diverged(data.grid), diverged(data.random)],
  ];
  const body = table.createTBody();
  for (const [key, ...cells] of rows) {
    const tr = body.insertRow();
    tr.dataset.row = key;
    cells.forEach((text, k) => tr.append(el("td", k ? "num" : "", text === null ? "—" : String(text))));
  }
  const verdict = el("p");
  if (g && r) {
    const values = { runs: data.grid.length, k: data.distinct_lr.grid, second: shownSecond, tried: data.distinct_lr.random };
    const found =
      lossOf(r) < lossOf(g)
        ? t("Random search found the lower final loss with the same {runs} runs.", values)
        : lossOf(r) > lossOf(g)
          ? t("Grid search found the lower final loss with the same {runs} runs.", values)
          : t("Neither found the lower final loss with the same {runs} runs.", values);
    const why = t(
      "The grid spends its budget on only {k} learning rates, each repeated for {k} values of {second}; random search tries {tried} learning rates. Change the seed to see how often each wins.",
      values,
    );
    verdict.textContent = t("{found} {why}", { found, why });
  }
  byId("search-summary").replaceChildren(table, verdict);
}

export function createSearch(page) {
  const map = createSurface(byId("search-map"), {
    label: t("Final loss over learning rate and the second parameter, with the grid and random samples"),
    xLabel: t("learning rate α (log scale)"),
    yLabel: t("second parameter"),
    formatX: (v) => formatTick(10 ** v),
    aspect: [0.7, 0.7],
  });
  const colorbar = createColorbar(byId("search-colorbar"), { kind: "sequential", min: 0, max: 1, label: "" });
  const strip = createPlot(byId("search-strip"), {
    label: t("Final loss against the learning rate alone, per method"),
    xLabel: t("learning rate α (log₁₀)"),
    yLabel: t("final loss"),
    yScale: "log",
  });
  const refusals = createRefusals(
    byId("search-error"),
    fieldMap({
      start: "race-sx",
      "start[1]": "race-sy",
      optimizer: "search-opt",
      budget: "search-budget",
      steps: "search-steps",
      seed: "search-seed",
      lr_range: "search-lo",
      "lr_range[1]": "search-hi",
    }),
  );
  const post = coalesced((payload) => postJSON("/api/optimize/search", payload));
  const code = mountCodePanel(byId("search-code"), "/api/optimize/search");

  function syncInputs(v) {
    byId("search-opt").value = v.s_opt;
    byId("search-budget").value = String(v.s_budget);
    byId("search-steps").value = String(v.s_steps);
    byId("search-lo").value = String(v.s_lr[0]);
    byId("search-hi").value = String(v.s_lr[1]);
    byId("search-seed").value = String(v.s_seed);
  }

  function draw(data, range, second) {
    const floor = page.surface.f_min;
    const log = floor !== null;
    map.update({
      domain: [[Math.log10(range[0]), Math.log10(range[1])], second],
      field: { xs: data.map.lrs.map(Math.log10), ys: data.map.seconds, values: data.map.final_loss, scale: log ? "log" : "linear", floor: floor ?? undefined },
      contours: 0,
      markers: markers(data),
    });
    const [lo, hi] = map.colorRange();
    colorbar.update({ min: lo, max: hi, label: log ? t("colour: log₁₀(final f − f_min); grey: diverged") : t("colour: final f; grey: diverged") });
    const lossOf = (s) => (s.final_loss === null ? NaN : log ? s.final_loss - floor : s.final_loss);
    const dots = (list, name, color) => {
      const sorted = [...list].sort((a, b) => a.lr - b.lr);
      return { name, x: sorted.map((s) => Math.log10(s.lr)), y: sorted.map(lossOf), color, dots: true, line: false };
    };
    strip.update({
      yScale: log ? "log" : "linear",
      yLabel: log ? t("final f − f_min") : t("final f"),
      series: [dots(data.grid, t("grid"), GRID), dots(data.random, t("random"), RANDOM)],
    });
    summary(data, lossOf, paramName(page.optimizers.get(page.state.get().s_opt), data.second, lang));
  }

  async function run() {
    const v = page.state.get();
    syncInputs(v);
    const second = page.optimizers.get(v.s_opt).search_ranges.second;
    let data;
    const payload = {
      surface: surfaceRef(page.surface),
      start: startPoint(page),
      optimizer: v.s_opt,
      budget: v.s_budget,
      steps: v.s_steps,
      seed: v.s_seed,
      lr_range: v.s_lr,
      second_range: second,
      map_resolution: page.catalogue.map_resolution,
    };
    try {
      data = await post(payload);
      refusals.clear();
    } catch (error) {
      if (!isAbort(error)) refusals.refuse(error);
      return;
    }
    code.show(payload);
    draw(data, v.s_lr, second);
  }

  return { run };
}
