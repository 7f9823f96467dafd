// The equivalent direct convolution: the zero-stuffed, bordered input, the flipped kernels and
// a stride-1 convolution, one step per output cell (conv2d's trace, from the API).

import { byId, el } from "../../dom.js";
import { createGrid } from "../../widgets/grid.js";
import { directArithmetic } from "./arithmetic.js";
import { clearOperands, holderIn } from "./operands.js";
import { outputShading } from "./shade.js";
import { TEXT } from "./text.js";
import { directStepIndex } from "./values.js";

const cellsWhere = (kind, wanted) => {
  const cells = [];
  kind.forEach((row, r) => row.forEach((k, c) => wanted(k) && cells.push([r, c])));
  return cells;
};

export const directCount = (response) => response.direct.steps.length;

function buildStuffed(direct) {
  const stuffedEl = byId("ct-stuffed");
  stuffedEl.replaceChildren();
  const rows = direct.kind.length;
  const cols = rows ? direct.kind[0].length : 0;
  const zeros = cellsWhere(direct.kind, (k) => k === "zero");
  const extra = cellsWhere(direct.kind, (k) => k === "extra");
  byId("ct-stuffed-dims").textContent = TEXT.stuffedDims(direct.input.length, rows, cols);
  return direct.input.map((plane, c) => {
    const grid = createGrid(holderIn(stuffedEl, TEXT.stuffedCaption(c)), {
      rows,
      cols,
      label: TEXT.stuffedLabel(c),
      isPadding: (r, q) => direct.kind[r][q] === "border",
    });
    grid.update(plane);
    grid.highlight("ct-zero", zeros);
    grid.highlight("ct-extra", extra);
    return grid;
  });
}

function buildFlipped(direct) {
  const flippedEl = byId("ct-flipped");
  flippedEl.replaceChildren();
  const blocks = direct.weights.map((perChannel, f) => {
    const block = el("div", "filter-block");
    const slices = el("div", "filter-slices");
    block.append(el("h4", "ct-block-title", TEXT.flippedBlock(f)), slices);
    perChannel.forEach((kernel, c) => {
      const grid = createGrid(holderIn(slices, TEXT.flippedCaption(f, c)), {
        rows: kernel.length,
        cols: kernel[0].length,
        label: TEXT.flippedLabel(f, c),
      });
      grid.update(kernel);
    });
    flippedEl.append(block);
    return block;
  });
  const [F, C, k] = [direct.weights.length, direct.weights[0].length, direct.weights[0][0].length];
  byId("ct-flipped-dims").textContent = TEXT.flippedDims(F, C, k);
  return blocks;
}

export function buildDirect(page) {
  const { response } = page.view;
  const { direct } = response;
  const stuffed = buildStuffed(direct);
  const flipped = buildFlipped(direct);
  const outputEl = byId("ct-output");
  const colorFor = outputShading(response.output);
  outputEl.replaceChildren();
  const shape = response.output_shape;
  const output = response.output.map((plane, f) => {
    const grid = createGrid(holderIn(outputEl, TEXT.outputCaption(f)), {
      rows: shape[1],
      cols: shape[2],
      roving: true,
      label: TEXT.outputLabel(f),
      colorFor,
      onHover: (r, c) => showOutputCell(page, f, r, c),
      onLeave: () => page.restore(),
      onClick: (r, c) => {
        const index = directStepIndex(shape, f, r, c);
        page.timeline.setStep(index);
        page.state.set({ step: index });
      },
    });
    grid.update(plane);
    return grid;
  });
  page.view.grids = { stuffed, flipped, output };
}

// The input cells the window reads, on the operand grids (zeros and border read nothing).
function sourcesIn(direct, cells) {
  return cells
    .filter(([r, c]) => direct.kind[r][c] === "input")
    .map(([r, c]) => direct.source[r][c]);
}

export function renderDirect(page) {
  const { response, operands, grids } = page.view;
  const { direct } = response;
  const index = Math.min(page.state.get().step, direct.steps.length - 1);
  const step = direct.steps[index];
  clearOperands(operands, ["window", "field"]);
  grids.stuffed.forEach((grid) => {
    grid.clear("field");
    grid.highlight("window", step.cells);
  });
  const sources = sourcesIn(direct, step.cells);
  operands.input.forEach((grid) => grid.highlight("window", sources));
  grids.flipped.forEach((block, f) => block.classList.toggle("current", f === step.filter));
  const [, Ho, Wo] = response.output_shape;
  grids.output.forEach((grid, f) => {
    grid.clear("field");
    grid.highlight("current", f === step.filter ? [[step.row, step.col]] : []);
    const pending = [];
    for (let r = 0; r < Ho; r++) {
      for (let c = 0; c < Wo; c++) if (directStepIndex(response.output_shape, f, r, c) > index) pending.push([r, c]);
    }
    grid.highlight("pending", pending);
  });
  directArithmetic(page.view, step, TEXT.windowTitle(index, direct.steps.length, step));
}

export function showOutputCell(page, f, r, c) {
  const view = page.view;
  if (!view || !view.response || !view.grids || !view.grids.stuffed) return;
  const { response, grids, operands } = view;
  const step = response.direct.steps[directStepIndex(response.output_shape, f, r, c)];
  grids.stuffed.forEach((grid) => grid.highlight("field", step.cells));
  grids.output.forEach((grid, g) => grid.highlight("field", g === f ? [[r, c]] : []));
  clearOperands(operands, ["field"]);
  operands.input.forEach((grid) => grid.highlight("field", sourcesIn(response.direct, step.cells)));
  directArithmetic(view, step, TEXT.hovered(step));
}
