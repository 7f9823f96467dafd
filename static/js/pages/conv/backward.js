// /conv's backward mode: the same configuration, an upstream gradient dL/dY, and the steps of
// dL/dW, dL/db and dL/dX on the same timeline and arithmetic panel. Every number comes from
// POST /api/conv2d/backward (with the trace); dL/dY from a loss is the API's too.

import { isAbort, postJSON } from "../../api.js";
import { coalesced } from "../../coalesce.js";
import { readCatalogue } from "../../catalogue.js";
import { byId, el } from "../../dom.js";
import { explain } from "../../errors.js";
import { caption, formatEdits, parseEdits } from "../../seeded.js";
import { createGrid, defaultFormat } from "../../widgets/grid.js";
import { renderBackwardStep } from "./backward_steps.js";
import { BW_TEXT } from "./backward_text.js";
import { backwardSteps, paddedGradient, partStarts, seededGradient, transposeQuery, transposeSettings } from "./backward_values.js";

const catalogue = readCatalogue(); // its losses and /conv-transpose's limits (app/pages.py)

// The state keys this mode adds to the page's store (so mode and dL/dY live in the URL; dL/dY's
// edits are "g.f.i.j" keys in the page's edits).
export function backwardState() {
  return {
    pass: { type: "string", default: "forward", options: ["forward", "backward"] },
    grad: { type: "string", default: "seeded", options: ["seeded", ...Object.keys(catalogue.losses)] },
  };
}
export const BACKWARD_KEYS = ["pass", "grad"];

const fetchBackward = coalesced((payload) => postJSON("/api/conv2d/backward", payload));
const PANELS = ["conv-bw-panel", "conv-bw-dx", "conv-bw-dw", "conv-bw-dy"];

function holderIn(parent, text) {
  const holder = el("div");
  const gridEl = el("div");
  holder.append(caption(text), gridEl);
  parent.append(holder);
  return gridEl;
}

function editGradient(page, key, value) {
  const edits = parseEdits(page.state.get().edits);
  edits.set(key, value);
  page.state.set({ edits: formatEdits(edits) });
}

// A tapped (or Enter on a focused) gradient cell jumps to the step that computes it.
function jumpTo(page, index) {
  if (index === undefined) return;
  page.timeline.setStep(index);
  page.state.set({ step: index });
}

function buildGradientGrids(page, v, answer, starts, inputIndex) {
  const [F, Ho, Wo] = [answer.grad_output.length, answer.grad_output[0].length, answer.grad_output[0][0].length];
  const grids = { dy: [], dw: [], db: [], dwBlocks: [], dx: [] };
  const dyEl = byId("conv-bw-dy-grids");
  const dwEl = byId("conv-bw-dw-grids");
  const dxEl = byId("conv-bw-dx-grids");
  for (const box of [dyEl, dwEl, dxEl]) box.replaceChildren();
  for (let f = 0; f < F; f++) {
    const grid = createGrid(holderIn(dyEl, BW_TEXT.dyCaption(f)), {
      rows: Ho,
      cols: Wo,
      label: BW_TEXT.dyLabel(f),
      onEdit: (i, j, value) => editGradient(page, `g.${f}.${i}.${j}`, value),
    });
    grid.update(answer.grad_output[f]);
    grids.dy.push(grid);
  }
  byId("conv-bw-dy-dims").textContent = `${Ho}×${Wo}×${F}`;
  answer.grad_weights.forEach((filter, f) => {
    const block = el("div", "filter-block");
    const slices = el("div", "filter-slices");
    block.append(el("h3", "", BW_TEXT.dwTitle(f)), slices);
    grids.dw.push(
      filter.map((kernel, c) => {
        const grid = createGrid(holderIn(slices, BW_TEXT.dwCaption(f, c)), {
          rows: v.k,
          cols: v.k,
          label: BW_TEXT.dwLabel(f, c),
          roving: true,
          onClick: (m, n) => jumpTo(page, starts.w + ((f * v.c + c) * v.k + m) * v.k + n), // weight_steps' order
        });
        grid.update(kernel);
        return grid;
      }),
    );
    const bias = el("div", "bias");
    const biasHolder = el("span");
    const biasGrid = createGrid(biasHolder, { rows: 1, cols: 1, label: BW_TEXT.dbLabel(f), onClick: () => jumpTo(page, starts.b + f) });
    biasGrid.update([[answer.grad_bias[f]]]);
    bias.append(el("span", "", BW_TEXT.db(f)), biasHolder);
    block.append(bias);
    dwEl.append(block);
    grids.db.push(biasGrid);
    grids.dwBlocks.push(block);
  });
  const isPadding = (r, q) => r < v.p || r >= v.p + v.h || q < v.p || q >= v.p + v.w;
  for (let c = 0; c < v.c; c++) {
    const grid = createGrid(holderIn(dxEl, BW_TEXT.dxCaption(c)), {
      rows: v.h + 2 * v.p,
      cols: v.w + 2 * v.p,
      label: BW_TEXT.dxLabel(c),
      isPadding,
      roving: true,
      onClick: (r, q) => jumpTo(page, inputIndex.get(`${c},${r},${q}`)),
    });
    grid.update(paddedGradient(answer, c, v.p));
    grids.dx.push(grid);
  }
  byId("conv-bw-dx-dims").textContent = BW_TEXT.dxDims(v);
  return grids;
}

function showTranspose(page, view, answer) {
  const { v, values, response } = view;
  const link = byId("conv-bw-transpose-link");
  const found = transposeSettings(v, answer.grad_output, values.w, response.size, catalogue.transpose_controls);
  const say = BW_TEXT.transposeSay(v, found.settings.op);
  if (found.problems.length) {
    byId("conv-bw-transpose").textContent = [say, BW_TEXT.transposeMissing(found.problems)].join(BW_TEXT.sentenceGap);
    link.hidden = true;
    return;
  }
  byId("conv-bw-transpose").textContent = say;
  link.textContent = BW_TEXT.transposeLink;
  link.href = `conv-transpose?${transposeQuery(found)}`; // relative: works under any proxy prefix
  link.hidden = false;
}

function gradientNote(page, v, answer) {
  const note = byId("conv-bw-grad-note");
  if (v.grad === "seeded") note.textContent = BW_TEXT.gradient.seeded;
  else note.textContent = BW_TEXT.loss(catalogue.losses[v.grad], answer.loss, defaultFormat);
}

export function createBackward(page) {
  const active = () => page.state.get().pass === "backward";
  const passForm = byId("conv-pass");
  const gradSelect = byId("conv-bw-grad");

  function sync() {
    const { pass, grad } = page.state.get();
    for (const radio of passForm.querySelectorAll('input[name="pass"]')) radio.checked = radio.value === pass;
    gradSelect.value = grad;
    for (const id of PANELS) byId(id).hidden = pass !== "backward";
  }

  function setEditable() {
    const view = page.view && page.view.backward;
    if (!view) return;
    const on = page.state.get().edit && page.state.get().grad === "seeded";
    for (const grid of view.grids.dy) grid.setEditable(on);
  }

  function render() {
    const view = page.view;
    if (!view || !view.backward) return;
    const steps = view.backward.steps;
    const index = Math.min(page.state.get().step, steps.length - 1);
    renderBackwardStep(view, steps, index);
  }

  function showRefusal(error) {
    byId("conv-bw-error").textContent = BW_TEXT.refused(explain(error));
    byId("conv-arith").textContent = BW_TEXT.fixFirst;
    page.timeline.setCount(1);
  }

  async function recompute() {
    const view = page.view;
    const { v, values, response } = view;
    const payload = { input: values.x, weights: values.w, bias: values.b, stride: v.s, padding: v.p, dilation: v.d, mode: v.mode, trace: true };
    if (v.grad === "seeded") payload.grad_output = seededGradient(v, response.output_shape);
    else payload.loss = v.grad;
    page.code.show({ ...payload, trace: false }, "/api/conv2d/backward");
    let answer;
    try {
      answer = await fetchBackward(payload);
    } catch (error) {
      if (!isAbort(error) && page.view === view) showRefusal(error);
      return;
    }
    if (page.view !== view) return; // a newer configuration is on its way
    byId("conv-bw-error").textContent = "";
    const steps = backwardSteps(answer);
    const starts = partStarts(answer);
    const inputIndex = new Map(answer.input_steps.map((s, i) => [`${s.channel},${s.row},${s.col}`, starts.x + i]));
    view.backward = { answer, steps, starts, grids: buildGradientGrids(page, v, answer, starts, inputIndex) };
    setEditable();
    gradientNote(page, v, answer);
    showTranspose(page, view, answer);
    page.timeline.setCount(steps.length);
    const step = Math.min(page.state.get().step, steps.length - 1);
    page.timeline.setStep(step);
    if (step !== page.state.get().step) page.state.set({ step });
    render();
  }

  // A new configuration: forget the last answer's grids until the new one arrives.
  function reset() {
    sync();
    for (const id of ["conv-bw-dy-grids", "conv-bw-dw-grids", "conv-bw-dx-grids"]) byId(id).replaceChildren();
    byId("conv-bw-error").textContent = "";
  }

  passForm.addEventListener("change", (event) => {
    if (event.target.name === "pass") page.state.set({ pass: event.target.value, step: 0, pin: "" });
  });
  gradSelect.addEventListener("change", () => page.state.set({ grad: gradSelect.value }));
  byId("conv-bw-panel").addEventListener("click", (event) => {
    const part = event.target.closest("[data-part]");
    const view = page.view && page.view.backward;
    if (!part || !view) return;
    const step = view.starts[part.dataset.part];
    page.timeline.setStep(step);
    page.state.set({ step });
  });
  page.state.subscribe((_values, changed) => {
    sync();
    if (changed.includes("edit")) setEditable();
  });
  sync();
  return { active, recompute, render, reset };
}
