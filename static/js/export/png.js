// The view as a slide-sized PNG: the lesson's key panel, rendered from the DOM with its labels,
// numbers, canvases and colour bars by html-to-image (vendored), centred on a 1920×1080 slide
// under the lesson's title and the view's link.

import { toCanvas } from "../../vendor/html-to-image/index.js";
import { t } from "../i18n.js";

export const SLIDE = { width: 1920, height: 1080 };
const MARGIN = 48;
const HEADER = 92;
const FOOTER = 56;

// The panel each lesson's figure lives in (the first match; main when none).
export const KEY_PANELS = {
  conv: ".conv-columns",
  "conv-transpose": ".ct-columns",
  pooling: ".pool-columns",
  activations: ".act-plot-panel",
  filters: "#fl-maps",
  optimizers: ".optim-columns",
  training: "main section.panel",
  cnn: "#cnn-watch",
};

export function keyPanel(lesson) {
  return document.querySelector(KEY_PANELS[lesson] || "main") || document.querySelector("main");
}

function keep(node) {
  // The Share menu and hidden elements stay out of the picture.
  return !(node.classList && (node.classList.contains("share") || node.classList.contains("sr-only")));
}

// A long link cut with an ellipsis rather than squeezed.
function fitText(ctx, text, width) {
  if (ctx.measureText(text).width <= width) return text;
  let end = text.length;
  while (end > 0 && ctx.measureText(`${text.slice(0, end)}…`).width > width) end -= 8;
  return `${text.slice(0, Math.max(end, 0))}…`;
}

// The part of a canvas that is not background: {x, y, width, height} in its pixels.
function contentBox(canvas) {
  const { width, height } = canvas;
  const pixels = canvas.getContext("2d").getImageData(0, 0, width, height).data;
  let left = width;
  let right = -1;
  let top = height;
  let bottom = -1;
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const i = (y * width + x) * 4;
      if (pixels[i] < 250 || pixels[i + 1] < 250 || pixels[i + 2] < 250) {
        if (x < left) left = x;
        if (x > right) right = x;
        if (y < top) top = y;
        if (y > bottom) bottom = y;
      }
    }
  }
  if (right < 0) return { x: 0, y: 0, width, height };
  const pad = 8;
  const x = Math.max(0, left - pad);
  const y = Math.max(0, top - pad);
  return { x, y, width: Math.min(width, right + pad + 1) - x, height: Math.min(height, bottom + pad + 1) - y };
}

const render = (panel, pixelRatio) =>
  toCanvas(panel, { pixelRatio, backgroundColor: "#ffffff", filter: keep, cacheBust: false });

// Returns a Blob (image/png) of SLIDE size.
export async function slidePng(lesson, title, link) {
  const panel = keyPanel(lesson);
  const room = { width: SLIDE.width - 2 * MARGIN, height: SLIDE.height - HEADER - FOOTER };
  // First at 1 pixel per CSS pixel to find the figure inside the panel's empty space, then again
  // at the scale it is drawn at on the slide, so its text stays sharp.
  const box = contentBox(await render(panel, 1));
  const scale = Math.max(1, Math.min(room.width / box.width, room.height / box.height, 4));
  const figure = await render(panel, scale);
  const slide = document.createElement("canvas");
  slide.width = SLIDE.width;
  slide.height = SLIDE.height;
  const ctx = slide.getContext("2d");
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(0, 0, slide.width, slide.height);
  const crop = { x: box.x * scale, y: box.y * scale, width: box.width * scale, height: box.height * scale };
  const fit = Math.min(room.width / crop.width, room.height / crop.height, 1);
  const w = crop.width * fit;
  const h = crop.height * fit;
  ctx.drawImage(figure, crop.x, crop.y, crop.width, crop.height, (SLIDE.width - w) / 2, HEADER + (room.height - h) / 2, w, h);
  ctx.fillStyle = "#111827";
  const family = window.getComputedStyle(document.body).fontFamily || "system-ui, sans-serif";
  ctx.font = `600 40px ${family}`;
  ctx.fillText(title, MARGIN, 62);
  ctx.fillStyle = "#4b5563";
  ctx.font = `20px ${family}`;
  ctx.fillText(fitText(ctx, link, SLIDE.width - 2 * MARGIN), MARGIN, SLIDE.height - 22);
  return new Promise((resolve, reject) =>
    slide.toBlob((blob) => (blob ? resolve(blob) : reject(new Error(t("the browser could not encode the PNG")))), "image/png"),
  );
}
