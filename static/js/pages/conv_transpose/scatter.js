// The scatter view: one step per input cell stamping value × kernel onto the uncropped canvas
// (the running sums from the API), then a last step that crops the padding and adds the bias.

import { byId } from "../../dom.js";
import { createGrid } from "../../widgets/grid.js";
import { canvasArithmeticFor, cropArithmetic, scatterArithmetic } from "./arithmetic.js";
import { clearOperands, holderIn } from "./operands.js";
import { outputShading } from "./shade.js";
import { TEXT } from "./text.js";
import { canvasAfter } from "./values.js";

const cellsWhere = (kind, wanted) => {
  const cells = [];
  kind.forEach((row, r) => row.forEach((k, c) => wanted(k) && cells.push([r, c])));
  return cells;
};

export const scatterCount = (response) => response.steps.length + 1;

export function buildScatter(page) {
  const { response } = page.view;
  const { canvas } = response;
  const rows = canvas.kind.length;
  const cols = canvas.kind[0].length;
  const canvasEl = byId("ct-canvas");
  canvasEl.replaceChildren();
  const extra = cellsWhere(canvas.kind, (k) => k === "extra");
  const canvasGrids = canvas.values.map((_, f) => {
    const grid = createGrid(holderIn(canvasEl, TEXT.canvasCaption(f)), {
      rows,
      cols,
      roving: true,
      label: TEXT.canvasLabel(f),
      isPadding: (r, c) => canvas.kind[r][c] === "cropped",
      onHover: (r, c) => showCanvasCell(page, f, r, c),
      onLeave: () => page.restore(),
      onClick: (r, c) => page.pin(() => showCanvasCell(page, f, r, c)),
    });
    grid.highlight("ct-extra", extra);
    return grid;
  });
  byId("ct-canvas-dims").textContent = TEXT.canvasDims(rows, cols, canvas.values.length);
  const outputEl = byId("ct-output");
  const colorFor = outputShading(response.output);
  outputEl.replaceChildren();
  const [, Ho, Wo] = response.output_shape;
  const outputGrids = response.output.map((plane, f) => {
    const grid = createGrid(holderIn(outputEl, TEXT.outputCaption(f)), {
      rows: Ho,
      cols: Wo,
      roving: true,
      label: TEXT.outputLabel(f),
      colorFor,
      onHover: (r, c) => showCanvasCell(page, f, r + canvas.top, c + canvas.left),
      onLeave: () => page.restore(),
      onClick: (r, c) => page.pin(() => showCanvasCell(page, f, r + canvas.top, c + canvas.left)),
    });
    grid.update(plane);
    return grid;
  });
  const kept = cellsWhere(canvas.kind, (k) => k !== "cropped");
  const allOutput = cellsWhere(response.output[0], () => true);
  page.view.grids = { canvas: canvasGrids, output: outputGrids, kept, allOutput, rows, cols };
}

export function renderScatter(page) {
  const { response, operands, grids } = page.view;
  const steps = response.steps;
  const index = Math.min(page.state.get().step, steps.length);
  clearOperands(operands, ["window", "field"]);
  grids.canvas.forEach((grid) => grid.clear("field"));
  grids.output.forEach((grid) => grid.clear("field"));
  if (index < steps.length) {
    const step = steps[index];
    operands.input[step.channel].highlight("window", [[step.row, step.col]]);
    operands.filterBlocks[step.channel].classList.add("current");
    grids.canvas.forEach((grid, f) => {
      grid.update(canvasAfter(steps, f, grids.rows, grids.cols, index));
      grid.highlight("window", step.canvas_cells);
    });
    grids.output.forEach((grid) => grid.highlight("pending", grids.allOutput));
    scatterArithmetic(page.view, index);
    return;
  }
  grids.canvas.forEach((grid, f) => {
    grid.update(response.canvas.values[f]);
    grid.highlight("window", grids.kept);
  });
  grids.output.forEach((grid) => grid.clear("pending"));
  cropArithmetic(page.view);
}

// Hover, tap or focus: every stamp on one canvas cell, and the input cells they come from.
export function showCanvasCell(page, f, r, c) {
  const view = page.view;
  if (!view || !view.response || !view.grids || !view.grids.canvas) return;
  const { grids, response, operands, stamps } = view;
  clearOperands(operands, ["field"]);
  grids.canvas.forEach((grid, g) => grid.highlight("field", g === f ? [[r, c]] : []));
  const [or, oc] = [r - response.canvas.top, c - response.canvas.left];
  grids.output.forEach((grid, g) => grid.highlight("field", g === f ? [[or, oc]] : []));
  for (const { step } of stamps.get(`${r},${c}`) || []) {
    const s = response.steps[step];
    operands.input[s.channel].highlight("field", [[s.row, s.col]]);
  }
  canvasArithmeticFor(view, f, r, c);
}
