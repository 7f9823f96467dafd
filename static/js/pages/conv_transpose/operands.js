// The operands both views share: the input x (C_in×H×W), the filters w (C_in×F×k×k) and the
// bias, as number grids the learner can edit.

import { byId, el } from "../../dom.js";
import { caption, formatEdits, parseEdits } from "../../seeded.js";
import { createGrid } from "../../widgets/grid.js";
import { TEXT } from "./text.js";

function onEdit(page, key) {
  return (value) => {
    const edits = parseEdits(page.state.get().edits);
    edits.set(key, value);
    page.state.set({ edits: formatEdits(edits) });
  };
}

// A caption and a scrolling holder for one grid; returns the element the grid draws into.
export function holderIn(parent, text) {
  const holder = el("div", "ct-holder");
  const gridEl = el("div", "ct-scroll");
  holder.append(caption(text), gridEl);
  parent.append(holder);
  return gridEl;
}

function grid(parent, text, options, values) {
  const g = createGrid(holderIn(parent, text), { roving: true, ...options });
  g.update(values);
  return g;
}

export function buildOperands(page, v, values) {
  const inputEl = byId("ct-input");
  const filtersEl = byId("ct-filters");
  inputEl.replaceChildren();
  filtersEl.replaceChildren();
  const input = values.x.map((channel, c) =>
    grid(inputEl, TEXT.inputCaption(c), {
      rows: v.h,
      cols: v.w,
      label: TEXT.inputLabel(c),
      onEdit: (i, j, value) => onEdit(page, `x.${c}.${i}.${j}`)(value),
    }, channel),
  );
  const filterBlocks = [];
  const filters = values.w.map((perFilter, c) => {
    const block = el("div", "filter-block");
    const slices = el("div", "filter-slices");
    block.append(el("h4", "ct-block-title", TEXT.filterBlock(c)), slices);
    filtersEl.append(block);
    filterBlocks.push(block);
    return perFilter.map((kernel, f) =>
      grid(slices, TEXT.sliceCaption(c, f), {
        rows: v.k,
        cols: v.k,
        label: TEXT.sliceLabel(c, f),
        onEdit: (m, n, value) => onEdit(page, `w.${c}.${f}.${m}.${n}`)(value),
      }, kernel),
    );
  });
  const biasRow = el("div", "ct-biases");
  const biases = values.b.map((value, f) => {
    const item = el("div", "bias");
    const holder = el("span");
    item.append(el("span", "", TEXT.bias(f)), holder);
    biasRow.append(item);
    const g = createGrid(holder, {
      rows: 1,
      cols: 1,
      label: TEXT.biasLabel(f),
      onEdit: (_r, _c, edited) => onEdit(page, `b.${f}`)(edited),
    });
    g.update([[value]]);
    return g;
  });
  filtersEl.append(biasRow);
  byId("ct-input-dims").textContent = TEXT.inputDims(v);
  byId("ct-filter-dims").textContent = TEXT.filterDims(v);
  const operands = { input, filters, filterBlocks, biases };
  setEditable(operands, page.state.get().edit);
  return operands;
}

export function setEditable(operands, on) {
  operands.input.forEach((g) => g.setEditable(on));
  operands.filters.forEach((slices) => slices.forEach((g) => g.setEditable(on)));
  operands.biases.forEach((g) => g.setEditable(on));
}

export function clearOperands(operands, names) {
  for (const name of names) {
    operands.input.forEach((g) => g.clear(name));
    operands.filters.forEach((slices) => slices.forEach((g) => g.clear(name)));
  }
  operands.filterBlocks.forEach((block) => block.classList.remove("current"));
}
