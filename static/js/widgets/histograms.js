// Histograms: small multiples, one canvas histogram per layer with its axis ticks and the
// tallest bin's share. Draws only; onPick(layer) on click, tap, Enter or space.
//
// createHistograms(el, { onPick, format }) -> { update(data), select(layer), destroy() }
// data: { layers: [{ layer, histogram: [share per bin], std }], edges: [bin edges], color,
//         selected: layer }

import { prepareCanvas } from "../canvas.js";
import { formatNumber } from "../format.js";
import { t } from "../i18n.js";

function drawBars(ctx, box, hist, color) {
  const max = Math.max(...hist, 1e-12);
  const bw = box.width / hist.length;
  ctx.fillStyle = color;
  hist.forEach((v, k) => {
    const bh = (v / max) * box.height;
    ctx.fillRect(box.left + k * bw + 0.5, box.top + box.height - bh, Math.max(1, bw - 1), bh);
  });
  return max;
}

function drawAxes(ctx, box, edges, font, ink, format) {
  ctx.strokeStyle = "#8a939e";
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(box.left, box.top + box.height + 0.5);
  ctx.lineTo(box.left + box.width, box.top + box.height + 0.5);
  ctx.moveTo(box.left + 0.5, box.top);
  ctx.lineTo(box.left + 0.5, box.top + box.height);
  ctx.stroke();
  ctx.fillStyle = ink;
  ctx.textBaseline = "top";
  const lo = edges[0];
  const hi = edges[edges.length - 1];
  [lo, (lo + hi) / 2, hi].forEach((t, k) => {
    ctx.textAlign = k === 0 ? "left" : k === 2 ? "right" : "center";
    ctx.fillText(format(t), box.left + (k / 2) * box.width, box.top + box.height + font * 0.3);
  });
}

function drawOne(canvas, hist, edges, color, format) {
  const rect = canvas.getBoundingClientRect();
  if (rect.width < 20 || rect.height < 20) return;
  const ctx = prepareCanvas(canvas, rect.width, rect.height);
  const style = getComputedStyle(canvas);
  const font = (parseFloat(style.fontSize) || 16) * 0.7;
  ctx.font = `${font}px ${style.fontFamily}`;
  const box = { left: font * 0.6, top: font * 1.3 };
  box.width = rect.width - box.left - font * 0.6;
  box.height = rect.height - box.top - font * 1.6;
  const max = drawBars(ctx, box, hist, color);
  drawAxes(ctx, box, edges, font, style.color || "#1b1f24", format);
  ctx.textAlign = "left";
  ctx.textBaseline = "bottom";
  ctx.fillText(t("max {percent}%", { percent: (100 * max).toFixed(max < 0.1 ? 1 : 0) }), box.left + 3, box.top - 1);
}

export function createHistograms(el, { onPick, format = formatNumber } = {}) {
  let data = null;
  let frame = null;

  function draw() {
    frame = null;
    if (!data) return;
    el.querySelectorAll("canvas").forEach((canvas, k) => {
      drawOne(canvas, data.layers[k].histogram, data.edges, data.color, format);
    });
  }
  const schedule = () => {
    if (frame) window.cancelAnimationFrame(frame);
    frame = window.requestAnimationFrame(draw);
  };
  window.addEventListener("resize", schedule);
  window.addEventListener("cnnlab:resize", schedule);

  function figureFor(layer, selected) {
    const figure = document.createElement("figure");
    figure.className = "tr-hist";
    figure.dataset.layer = String(layer.layer);
    figure.classList.toggle("selected", layer.layer === selected);
    const canvas = document.createElement("canvas");
    canvas.className = "tr-hist-canvas";
    canvas.tabIndex = 0;
    canvas.setAttribute("role", "button");
    canvas.setAttribute("aria-pressed", String(layer.layer === selected));
    canvas.setAttribute("aria-label", t("Layer {layer}: std {std}", { layer: layer.layer, std: format(layer.std) }));
    canvas.addEventListener("click", () => onPick && onPick(layer.layer));
    canvas.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        if (onPick) onPick(layer.layer);
      }
    });
    const caption = document.createElement("figcaption");
    const name = document.createElement("strong");
    name.textContent = t("layer {layer}", { layer: layer.layer });
    const std = t("std {std}", { std: format(layer.std) });
    caption.append(name, document.createTextNode(" " + std));
    figure.append(caption, canvas);
    return figure;
  }

  return {
    update(next) {
      data = next;
      el.replaceChildren(...next.layers.map((layer) => figureFor(layer, next.selected)));
      schedule();
    },
    select(layer) {
      el.querySelectorAll("figure").forEach((figure) => {
        const on = Number(figure.dataset.layer) === layer;
        figure.classList.toggle("selected", on);
        figure.querySelector("canvas").setAttribute("aria-pressed", String(on));
      });
    },
    destroy() {
      if (frame) window.cancelAnimationFrame(frame);
      window.removeEventListener("resize", schedule);
      window.removeEventListener("cnnlab:resize", schedule);
      el.replaceChildren();
    },
  };
}
