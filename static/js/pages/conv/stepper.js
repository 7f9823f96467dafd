// The current step on the grids (window, output cell, pending cells), hover and pin.

import { renderArithmetic } from "./arithmetic.js";
import { TEXT } from "./text.js";
import { stepIndex } from "./values.js";

export function renderStep(page) {
  if (page.backward.active()) return page.backward.render();
  const view = page.view;
  if (!view || !view.response) return;
  const { response, grids, outputGrids } = view;
  const steps = response.steps;
  const index = Math.min(page.state.get().step, steps.length - 1);
  const step = steps[index];
  grids.input.forEach((grid) => grid.highlight("window", step.cells));
  grids.filterBlocks.forEach((block, f) => block.classList.toggle("current", f === step.filter));
  const [, Ho, Wo] = response.output_shape;
  outputGrids.forEach((grid, f) => {
    grid.highlight("current", f === step.filter ? [[step.row, step.col]] : []);
    const pending = [];
    for (let r = 0; r < Ho; r++) {
      for (let c = 0; c < Wo; c++) if (stepIndex(response.output_shape, f, r, c) > index) pending.push([r, c]);
    }
    grid.highlight("pending", pending);
  });
  renderArithmetic(view, step, TEXT.step(index, steps.length, step));
  renderPin(page);
}

export function showField(page, f, r, c) {
  if (page.backward.active()) return; // the backward steps draw their own links
  const view = page.view;
  const step = view.response.steps[stepIndex(view.response.output_shape, f, r, c)];
  view.grids.input.forEach((grid) => grid.highlight("field", step.cells));
  view.outputGrids[f].highlight("feeds", [[r, c]]);
  renderArithmetic(view, step, TEXT.hovered(f, r, c));
}

export function showFeeds(page, r, c) {
  const view = page.view;
  if (!view || !view.response || page.backward.active()) return;
  const fed = view.feeds.get(`${r},${c}`) || [];
  view.outputGrids.forEach((grid) => grid.highlight("feeds", fed));
  view.grids.input.forEach((grid) => grid.highlight("field", [[r, c]]));
}

export function clearHover(page) {
  const view = page.view;
  if (!view || !view.response) return;
  view.grids.input.forEach((grid) => grid.clear("field"));
  view.outputGrids.forEach((grid) => grid.clear("feeds"));
  renderStep(page);
}

export function togglePin(page, key) {
  if (page.backward.active()) return;
  page.state.set({ pin: page.state.get().pin === key ? "" : key });
}

// The pin: an output cell shows its window on the input, an input cell every output it feeds.
export function renderPin(page) {
  if (page.backward.active()) return;
  const { grids, outputGrids, response, feeds } = page.view;
  grids.input.forEach((grid) => grid.clear("pin"));
  outputGrids.forEach((grid) => grid.clear("pin"));
  const pin = page.state.get().pin;
  if (!pin) return;
  const [kind, ...rest] = pin.split(".");
  const [a, r, c] = rest.map(Number);
  if (kind === "o" && outputGrids[a] && r < response.output_shape[1] && c < response.output_shape[2]) {
    outputGrids[a].highlight("pin", [[r, c]]);
    const step = response.steps[stepIndex(response.output_shape, a, r, c)];
    grids.input.forEach((grid) => grid.highlight("pin", step.cells));
  } else if (kind === "i" && grids.input[a]) {
    grids.input[a].highlight("pin", [[r, c]]);
    outputGrids.forEach((grid) => grid.highlight("pin", feeds.get(`${r},${c}`) || []));
  }
}

// Input rows and columns no window visits, from the API's size report.
export function markUnvisited(view) {
  const { v, response } = view;
  const rows = response.size.height.unvisited.map((r) => r + v.p);
  const cols = response.size.width.unvisited.map((c) => c + v.p);
  const cells = [];
  const Hp = v.h + 2 * v.p;
  const Wp = v.w + 2 * v.p;
  for (const r of rows) for (let c = v.p; c < Wp - v.p; c++) cells.push([r, c]);
  for (const c of cols) for (let r = v.p; r < Hp - v.p; r++) cells.push([r, c]);
  view.grids.input.forEach((grid) => grid.highlight("unvisited", cells));
}
