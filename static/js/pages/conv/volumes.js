// The input volume, the filters and the output volume as grids of numbers.

import { byId, el } from "../../dom.js";
import { caption, formatEdits, parseEdits } from "../../seeded.js";
import { createGrid } from "../../widgets/grid.js";
import { clearHover, showFeeds, showField, togglePin } from "./stepper.js";
import { TEXT } from "./text.js";
import { paddedChannel, stepIndex } from "./values.js";

function onEdit(page, key) {
  return (value) => {
    const edits = parseEdits(page.state.get().edits);
    edits.set(key, value);
    page.state.set({ edits: formatEdits(edits) });
  };
}

function holderIn(parent, text) {
  const holder = el("div");
  holder.append(caption(text));
  const gridEl = el("div");
  holder.append(gridEl);
  parent.append(holder);
  return gridEl;
}

function buildInput(page, v, values) {
  const isPadding = (r, col) => r < v.p || r >= v.p + v.h || col < v.p || col >= v.p + v.w;
  return values.x.map((_, c) => {
    const grid = createGrid(holderIn(byId("conv-input"), TEXT.inputCaption(c)), {
      rows: v.h + 2 * v.p,
      cols: v.w + 2 * v.p,
      label: TEXT.inputLabel(c),
      isPadding,
      onHover: (r, col) => showFeeds(page, r, col),
      onLeave: () => clearHover(page),
      onClick: (r, col) => togglePin(page, `i.${c}.${r}.${col}`),
      onEdit: (r, col, value) => onEdit(page, `x.${c}.${r - v.p}.${col - v.p}`)(value),
    });
    grid.update(paddedChannel(values.x, c, v.p));
    return grid;
  });
}

function buildFilter(page, v, values, f, grids) {
  const block = el("div", "filter-block");
  const slices = el("div", "filter-slices");
  block.append(el("h3", "", TEXT.filterTitle(f, v)), slices);
  const sliceGrids = values.w[f].map((kernel, c) => {
    const grid = createGrid(holderIn(slices, TEXT.sliceCaption(f, c)), {
      rows: v.k,
      cols: v.k,
      label: TEXT.sliceLabel(f, c),
      onEdit: (i, j, value) => onEdit(page, `w.${f}.${c}.${i}.${j}`)(value),
    });
    grid.update(kernel);
    return grid;
  });
  const bias = el("div", "bias");
  const biasHolder = el("span");
  const biasGrid = createGrid(biasHolder, {
    rows: 1,
    cols: 1,
    label: TEXT.biasLabel(f),
    onEdit: (_r, _c, value) => onEdit(page, `b.${f}`)(value),
  });
  biasGrid.update([[values.b[f]]]);
  bias.append(el("span", "", TEXT.bias(f)), biasHolder);
  block.append(bias);
  byId("conv-filters").append(block);
  grids.filters.push(sliceGrids);
  grids.biases.push(biasGrid);
  grids.filterBlocks.push(block);
}

// Input and filter grids for the configuration v; returns them by kind.
export function buildGrids(page, v, values) {
  byId("conv-input").replaceChildren();
  byId("conv-filters").replaceChildren();
  const grids = { input: buildInput(page, v, values), filters: [], filterBlocks: [], biases: [] };
  for (let f = 0; f < v.f; f++) buildFilter(page, v, values, f, grids);
  byId("conv-input-dims").textContent = TEXT.inputDims(v, v.h + 2 * v.p, v.w + 2 * v.p);
  byId("conv-filter-dims").textContent = TEXT.filterDims(v);
  setEditable(grids, page.state.get().edit);
  return grids;
}

export function buildOutputGrids(page, response) {
  const outputEl = byId("conv-output");
  outputEl.replaceChildren();
  const [F, Ho, Wo] = response.output_shape;
  const grids = [];
  for (let f = 0; f < F; f++) {
    const grid = createGrid(holderIn(outputEl, TEXT.outputCaption(f)), {
      rows: Ho,
      cols: Wo,
      label: TEXT.outputLabel(f),
      onHover: (r, c) => showField(page, f, r, c),
      onLeave: () => clearHover(page),
      onClick: (r, c) => {
        if (page.backward.active()) return; // its steps are the forward's
        togglePin(page, `o.${f}.${r}.${c}`);
        const index = stepIndex(response.output_shape, f, r, c);
        page.timeline.setStep(index);
        page.state.set({ step: index });
      },
    });
    grid.update(response.output[f]);
    grids.push(grid);
  }
  byId("conv-output-dims").textContent = `${Ho}×${Wo}×${F}`;
  return grids;
}

export function setEditable(grids, on) {
  for (const grid of grids.input) grid.setEditable(on);
  for (const slices of grids.filters) for (const grid of slices) grid.setEditable(on);
  for (const grid of grids.biases) grid.setEditable(on);
}
