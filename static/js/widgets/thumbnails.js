// Small grayscale images with captions (a data set's examples): each C×H×W image drawn from its
// first channel, 0 black and 1 white, crisp when enlarged. Draws only.
//
// createThumbnails(el, { label }) -> { update({ images, captions, titles }), destroy() }
// images: N×C×H×W nested arrays of values in [0, 1]; captions: N strings (shown); titles: N
// strings (the accessible name of each image).

import { t } from "../i18n.js";

function paint(canvas, channel) {
  const H = channel.length;
  const W = H ? channel[0].length : 0;
  canvas.width = W;
  canvas.height = H;
  const ctx = canvas.getContext("2d");
  const image = ctx.createImageData(W, H);
  for (let r = 0; r < H; r++) {
    for (let c = 0; c < W; c++) {
      const v = Math.round(255 * Math.max(0, Math.min(1, channel[r][c])));
      image.data.set([v, v, v, 255], (r * W + c) * 4);
    }
  }
  ctx.putImageData(image, 0, 0);
}

export function createThumbnails(el, options = {}) {
  el.classList.add("thumbs");
  el.setAttribute("role", "list");
  if (options.label) el.setAttribute("aria-label", options.label);

  return {
    update({ images, captions = [], titles = [] }) {
      const items = images.map((image, i) => {
        const figure = document.createElement("figure");
        figure.className = "thumb";
        figure.setAttribute("role", "listitem");
        const canvas = document.createElement("canvas");
        canvas.className = "thumb-canvas";
        canvas.setAttribute("role", "img");
        canvas.setAttribute("aria-label", titles[i] || captions[i] || t("image {index}", { index: i }));
        paint(canvas, image[0]);
        const caption = document.createElement("figcaption");
        caption.textContent = captions[i] || "";
        figure.append(canvas, caption);
        return figure;
      });
      el.replaceChildren(...items);
    },
    destroy() {
      el.replaceChildren();
      el.classList.remove("thumbs");
    },
  };
}
