// Kernels drawn as images: each filter's channel slices as k×k coloured cells on a diverging,
// colour-blind-safe scale centred on zero (±limit), crisp when enlarged, one figure per filter
// with its caption. Draws only; the page gives the numbers (and shows the scale with
// colormap.js's colour bar).
//
// createKernels(el, { label, caption(f) }) -> { update({ weight, limit }), destroy() }
// weight: F×C×k×k nested arrays; limit > 0 (all cells mid-colour when 0).

import { diverging } from "../colormap.js";
import { t } from "../i18n.js";

function paint(canvas, slice, limit) {
  const k = slice.length;
  if (canvas.width !== k || canvas.height !== k) {
    canvas.width = k;
    canvas.height = k;
  }
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(k, k);
  for (let r = 0; r < k; r++) {
    for (let c = 0; c < k; c++) {
      const t = limit > 0 ? slice[r][c] / limit : 0;
      image.data.set([...diverging(Math.max(-1, Math.min(1, t))), 255], (r * k + c) * 4);
    }
  }
  ctx.putImageData(image, 0, 0);
}

export function createKernels(el, options = {}) {
  el.classList.add("kernels");
  if (options.label) el.setAttribute("aria-label", options.label);
  el.setAttribute("role", "group");
  let figures = []; // [{ figure, canvases, caption }]

  function build(F, C) {
    figures = [];
    const nodes = [];
    for (let f = 0; f < F; f++) {
      const figure = document.createElement("figure");
      figure.className = "kernel";
      const slices = document.createElement("div");
      slices.className = "kernel-slices";
      const canvases = [];
      for (let c = 0; c < C; c++) {
        const canvas = document.createElement("canvas");
        canvas.className = "kernel-canvas";
        canvas.setAttribute("role", "img");
        slices.append(canvas);
        canvases.push(canvas);
      }
      const caption = document.createElement("figcaption");
      figure.append(slices, caption);
      nodes.push(figure);
      figures.push({ figure, canvases, caption });
    }
    el.replaceChildren(...nodes);
  }

  return {
    update({ weight, limit }) {
      const F = weight.length;
      const C = F ? weight[0].length : 0;
      if (figures.length !== F || (F && figures[0].canvases.length !== C)) build(F, C);
      weight.forEach((filter, f) => {
        const { canvases, caption } = figures[f];
        filter.forEach((slice, c) => {
          paint(canvases[c], slice, limit);
          canvases[c].setAttribute("aria-label", t("filter {filter}, channel {channel}, {size}×{size}", { filter: f, channel: c, size: slice.length }));
        });
        caption.textContent = options.caption ? options.caption(f) : `W${f}`;
      });
    },
    destroy() {
      el.replaceChildren();
      el.classList.remove("kernels");
    },
  };
}
