// The current step on the grids, the gradient routed back so far, and the check against the API.

import { byId } from "../../dom.js";
import { t } from "../../i18n.js";
import { renderArithmetic } from "./arithmetic.js";
import { accumulate, routes, stepIndex } from "./values.js";

function pendingCells(shape, c, index) {
  const [, Ho, Wo] = shape;
  const cells = [];
  for (let r = 0; r < Ho; r++) for (let col = 0; col < Wo; col++) if (stepIndex(shape, c, r, col) > index) cells.push([r, col]);
  return cells;
}

function renderCheck(view, index, dx) {
  const check = byId("pool-grad-check");
  if (index === view.response.steps.length - 1 && view.backward) {
    const same = view.backward.grad_input.every((plane, c) =>
      plane.every((row, r) => row.every((value, col) => Math.abs(value - dx[c][r][col]) < 1e-9)),
    );
    check.textContent = same
      ? t("After the last step this is the full dL/dx, the same as POST /api/pool2d/backward returns.")
      : t("Warning: the server's dL/dx differs from the sum of the steps.");
  } else {
    check.textContent = t("Showing the gradient sent back by steps 1–{last}; step to the end for the full dL/dx.", { last: index + 1 });
  }
}

export function renderStep(page) {
  const view = page.view;
  if (!view || !view.response) return;
  const { response, grids, v } = view;
  const index = Math.min(page.state.get().step, response.steps.length - 1);
  const step = response.steps[index];
  const max = response.mode === "max";
  grids.input.forEach((grid, c) => {
    grid.highlight("window", c === step.channel ? step.cells : []);
    grid.highlight("winner", c === step.channel && max ? [step.winner_cell] : []);
  });
  grids.output.forEach((grid, c) => {
    grid.highlight("current", c === step.channel ? [[step.row, step.col]] : []);
    grid.highlight("pending", pendingCells(response.output_shape, c, index));
  });
  grids.upstream.forEach((grid, c) => grid.highlight("current", c === step.channel ? [[step.row, step.col]] : []));
  const padding = [view.ph, view.pw];
  const dx = accumulate(response.steps, index, response.mode, view.grad, padding, [v.c, v.h, v.w]);
  const g = view.grad[step.channel][step.row][step.col];
  const receiving = routes(step, response.mode, g, padding).map(([cell]) => cell);
  grids.dx.forEach((grid, c) => {
    grid.update(dx[c]);
    grid.highlight("winner", c === step.channel ? receiving : []);
  });
  renderArithmetic(view, step, index);
  renderCheck(view, index, dx);
}

export function markUnvisited(view) {
  const { v, ph, pw, response } = view;
  const rows = response.sizes.height.unvisited.map((r) => r + ph);
  const cols = response.sizes.width.unvisited.map((c) => c + pw);
  const cells = [];
  for (const r of rows) for (let c = pw; c < pw + v.w; c++) cells.push([r, c]);
  for (const c of cols) for (let r = ph; r < ph + v.h; r++) cells.push([r, c]);
  view.grids.input.forEach((grid) => grid.highlight("unvisited", cells));
}
