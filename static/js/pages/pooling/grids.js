// The input, output, upstream-gradient and dL/dx grids.

import { byId, el } from "../../dom.js";
import { t } from "../../i18n.js";
import { caption, formatEdits, parseEdits } from "../../seeded.js";
import { createGrid } from "../../widgets/grid.js";
import { stepIndex } from "./values.js";

export function setEdit(page, key, value) {
  const edits = parseEdits(page.state.get().edits);
  edits.set(key, value);
  page.state.set({ edits: formatEdits(edits) });
}

function gridIn(parent, text) {
  const holder = el("div");
  holder.append(caption(text));
  const gridEl = el("div");
  holder.append(gridEl);
  parent.append(holder);
  return gridEl;
}

// The input, padded as the API pads it (blank cells for max pooling: padding never wins).
export function buildInput(page, v, x, response) {
  const box = byId("pool-input");
  box.replaceChildren();
  const [ph, pw] = response ? response.padding : [v.global ? 0 : v.p, v.global ? 0 : v.p];
  const Hp = v.h + 2 * ph;
  const Wp = v.w + 2 * pw;
  const isPadding = (r, col) => r < ph || r >= ph + v.h || col < pw || col >= pw + v.w;
  const pad = v.mode === "max" ? null : 0;
  const grids = x.map((plane, c) => {
    const grid = createGrid(gridIn(box, t("{name}  channel {c}", { name: `x[${c}]`, c })), {
      rows: Hp,
      cols: Wp,
      label: ph || pw ? t("input channel {c}, padded", { c }) : t("input channel {c}", { c }),
      isPadding,
      onEdit: (r, col, value) => setEdit(page, `x.${c}.${r - ph}.${col - pw}`, value),
    });
    grid.update(Array.from({ length: Hp }, (_, r) => Array.from({ length: Wp }, (_, col) => (isPadding(r, col) ? pad : plane[r - ph][col - pw]))));
    grid.setEditable(page.state.get().edit);
    return grid;
  });
  byId("pool-input-dims").textContent = `${v.c}×${v.h}×${v.w}` + (ph || pw ? t(", padded to {shape}", { shape: `${v.c}×${Hp}×${Wp}` }) : "");
  return { grids, ph, pw };
}

export function buildOutputs(page, v, response, grad) {
  const [C, Ho, Wo] = response.output_shape;
  for (const id of ["pool-output", "pool-upstream", "pool-grad"]) byId(id).replaceChildren();
  const jump = (c, r, col) => {
    const index = stepIndex(response.output_shape, c, r, col);
    page.timeline.setStep(index);
    page.state.set({ step: index });
  };
  const output = [];
  const upstream = [];
  const dx = [];
  for (let c = 0; c < C; c++) {
    const out = createGrid(gridIn(byId("pool-output"), t("{name}  channel {c}", { name: `y[${c}]`, c })), {
      rows: Ho,
      cols: Wo,
      label: t("output channel {c}", { c }),
      onClick: (r, col) => jump(c, r, col),
    });
    out.update(response.output[c]);
    out.setEditable(false);
    output.push(out);
    const up = createGrid(gridIn(byId("pool-upstream"), `dL/dy[${c}]`), {
      rows: Ho,
      cols: Wo,
      label: t("upstream gradient, channel {c}", { c }),
      onEdit: (r, col, value) => setEdit(page, `g.${c}.${r}.${col}`, value),
    });
    up.update(grad[c]);
    up.setEditable(page.state.get().edit);
    upstream.push(up);
    dx.push(createGrid(gridIn(byId("pool-grad"), `dL/dx[${c}]`), { rows: v.h, cols: v.w, label: t("input gradient, channel {c}", { c }) }));
  }
  byId("pool-output-dims").textContent = `${C}×${Ho}×${Wo}`;
  byId("pool-upstream-dims").textContent = `${C}×${Ho}×${Wo}`;
  byId("pool-grad-dims").textContent = `${C}×${v.h}×${v.w}`;
  return { output, upstream, dx };
}
