// One optimiser at three learning rates (too low, good, too high) from the surface's default
// start: three small maps and the loss per step. The rates and surface preset per optimiser come
// from the catalogue's `lesson`.

import { isAbort, postJSON } from "../../api.js";
import { coalesced } from "../../coalesce.js";
import { byId, el } from "../../dom.js";
import { formatPrecise as fmt } from "../../format.js";
import { t } from "../../i18n.js";
import { createPlot } from "../../widgets/plot.js";
import { createSurface } from "../../widgets/surface.js";
import { surfaceRef } from "./custom.js";
import { createRefusals, fieldMap } from "../../errors.js";
import { fetchGrid, fieldOf } from "./race.js";

const COLORS = ["#56b4e9", "#009e73", "#d55e00"];
const NAMES = [t("too low"), t("good"), t("too high")];
const PATH_LABELS = [t("Path with the too low learning rate"), t("Path with the good learning rate"), t("Path with the too high learning rate")];

export function createLrLesson(page) {
  const maps = PATH_LABELS.map((label, k) => {
    const section = el("section", "optim-small");
    const heading = el("h3");
    heading.id = `lr-caption-${k}`;
    const box = el("div", "optim-map");
    section.append(heading, box);
    byId("lr-maps").append(section);
    return { heading, widget: createSurface(box, { label, aspect: [0.6, 0.8] }) };
  });
  const plot = createPlot(byId("lr-loss"), { label: t("Loss per step at three learning rates"), xLabel: t("step"), yScale: "log", snap: true });
  const refusals = createRefusals(
    byId("lr-error"),
    fieldMap({ surface: "lr-surface", optimizers: "lr-0", "optimizers[1]": "lr-1", "optimizers[2]": "lr-2", steps: "lr-steps" }),
  );
  const post = coalesced((payload) => postJSON("/api/optimize", payload));

  function syncInputs(name, info, lrs, steps) {
    byId("lr-opt").value = name;
    byId("lr-surface").value = info.name;
    lrs.slice(0, 3).forEach((v, k) => (byId(`lr-${k}`).value = String(v)));
    byId("lr-steps").value = String(steps);
  }

  function drawMaps(data, grid, info, lrs) {
    maps.forEach(({ heading, widget }, k) => {
      const run = data.runs[k];
      const outcome = run.diverged_at === null ? `f = ${fmt(run.final_loss)}` : t("diverged at step {step}", { step: run.diverged_at });
      heading.textContent = t("{name}: α = {lr} → {outcome}", { name: NAMES[k], lr: lrs[k], outcome });
      widget.update({
        domain: info.domain,
        field: fieldOf(grid, info),
        minima: info.minima,
        start: info.default_start,
        paths: [{ points: run.points, color: COLORS[k], end: run.diverged_at === null ? null : "diverged" }],
      });
    });
  }

  function drawLoss(data, info, lrs) {
    const floor = info.f_min ?? 0;
    plot.update({
      yScale: info.f_min === null ? "linear" : "log",
      yLabel: info.f_min === null || floor === 0 ? "f" : "f − f_min",
      series: data.runs.map((run, k) => ({
        name: `${NAMES[k]} (α = ${lrs[k]})`,
        x: run.losses.map((_, i) => i),
        y: run.losses.map((f) => (info.f_min === null ? f : f - floor)),
        color: COLORS[k],
      })),
    });
  }

  async function run() {
    const { lr_opt: name, lr_surface: surfaceName, lrs, lr_steps: steps } = page.state.get();
    const info = page.surfaces.get(surfaceName) || page.surfaces.get("bowl");
    syncInputs(name, info, lrs, steps);
    let data;
    try {
      const grid = await fetchGrid(page, info.name);
      const optimizers = lrs.slice(0, 3).map((lr) => ({ name, lr }));
      data = await post({ surface: surfaceRef(info), start: info.default_start, steps, internals: false, optimizers });
      refusals.clear();
      drawMaps(data, grid, info, lrs);
    } catch (error) {
      if (!isAbort(error)) refusals.refuse(error);
      return;
    }
    drawLoss(data, info, lrs);
  }

  return { run };
}
