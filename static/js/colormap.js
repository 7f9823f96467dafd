import { formatScale } from "./format.js";

// Colour-blind-safe maps: a diverging blue–white–orange map for signed values (centred on zero)
// and viridis for magnitudes. createColorbar draws the scale that every coloured view shows.

const DIVERGING = [
  [33, 102, 172], [103, 169, 207], [209, 229, 240], [247, 247, 247],
  [254, 224, 182], [241, 163, 64], [179, 88, 6],
];
const VIRIDIS = [
  [68, 1, 84], [72, 40, 120], [62, 74, 137], [49, 104, 142], [38, 130, 142],
  [31, 158, 137], [53, 183, 121], [110, 206, 88], [181, 222, 43], [253, 231, 37],
];

function interpolate(anchors, t) {
  const x = Math.min(Math.max(t, 0), 1) * (anchors.length - 1);
  const i = Math.min(Math.floor(x), anchors.length - 2);
  const f = x - i;
  return anchors[i].map((v, k) => Math.round(v + (anchors[i + 1][k] - v) * f));
}

// t in [-1, 1] -> [r, g, b]
export function diverging(t) {
  return interpolate(DIVERGING, (t + 1) / 2);
}

// t in [0, 1] -> [r, g, b]
export function sequential(t) {
  return interpolate(VIRIDIS, t);
}

export function rgb([r, g, b]) {
  return `rgb(${r}, ${g}, ${b})`;
}

// Black or white text, whichever reads better on the colour.
export function textOn([r, g, b]) {
  return 0.299 * r + 0.587 * g + 0.114 * b > 150 ? "#111" : "#fff";
}

// Colours for a value with a symmetric scale: limit = max |value|.
export function signedColor(value, limit) {
  const colour = diverging(limit > 0 ? value / limit : 0);
  return [rgb(colour), textOn(colour)];
}

// createColorbar(el, { kind: "diverging" | "sequential", min, max, label }) -> { update(opts) }
export function createColorbar(el, options) {
  el.classList.add("colorbar");
  const canvas = document.createElement("canvas");
  canvas.width = 256;
  canvas.height = 1;
  canvas.className = "colorbar-ramp";
  const labels = document.createElement("div");
  labels.className = "colorbar-labels";
  const caption = document.createElement("div");
  caption.className = "colorbar-caption";
  el.replaceChildren(caption, canvas, labels);
  let state = { ...options };

  function draw() {
    const ctx = canvas.getContext("2d");
    const image = ctx.createImageData(256, 1);
    for (let i = 0; i < 256; i++) {
      const t = i / 255;
      const [r, g, b] = state.kind === "sequential" ? sequential(t) : diverging(t * 2 - 1);
      image.data.set([r, g, b, 255], i * 4);
    }
    ctx.putImageData(image, 0, 0);
    const mid = state.kind === "sequential" ? (state.min + state.max) / 2 : 0;
    labels.replaceChildren(
      ...[state.min, mid, state.max].map((v) => {
        const span = document.createElement("span");
        span.textContent = formatScale(v);
        return span;
      }),
    );
    caption.textContent = state.label || "";
  }
  draw();
  return {
    update(next) {
      state = { ...state, ...next };
      draw();
    },
  };
}
