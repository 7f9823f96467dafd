// The filter response's images: the exact working-image integers (`input`, base64) and each
// stage's PNG of quantised values, coloured for display (diverging or sequential for one map; for
// colour maps the chosen range per channel). The integers the arithmetic uses are always the
// server's `input`, never the browser's own decoding of the file.

import { diverging, sequential } from "../../colormap.js";

export function base64Bytes(text) {
  const binary = window.atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

async function pngPixels(bytes) {
  const bitmap = await createImageBitmap(new Blob([bytes], { type: "image/png" }), {
    colorSpaceConversion: "none",
    premultiplyAlpha: "none",
  });
  const canvas = document.createElement("canvas");
  canvas.width = bitmap.width;
  canvas.height = bitmap.height;
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  return { canvas, picture: ctx.getImageData(0, 0, canvas.width, canvas.height) };
}

// -> { C, H, W, raw (H×W×C integers), canvas (the image drawn) }. 8-bit images come as a
// lossless PNG (decoded without colour management, so the integers are the server's); 16-bit
// ones as raw little-endian values.
export async function decodeInput(data) {
  const { channels: C, bits, encoding } = data.input;
  const bytes = base64Bytes(data.input.data);
  const W = data.width;
  const H = data.height;
  if (encoding === "png") {
    const { canvas, picture } = await pngPixels(bytes);
    const raw = new Uint8Array(W * H * C);
    for (let i = 0; i < W * H; i++) for (let k = 0; k < C; k++) raw[i * C + k] = picture.data[i * 4 + k];
    return { C, H, W, raw, canvas };
  }
  const raw = bits === 16 ? new Uint16Array(bytes.buffer, 0, bytes.length / 2) : bytes;
  const canvas = document.createElement("canvas");
  canvas.width = W;
  canvas.height = H;
  const ctx = canvas.getContext("2d");
  const picture = ctx.createImageData(W, H);
  const shift = bits === 16 ? 8 : 0;
  for (let i = 0; i < W * H; i++) {
    for (let k = 0; k < 3; k++) picture.data[i * 4 + k] = raw[i * C + (C === 3 ? k : 0)] >> shift;
    picture.data[i * 4 + 3] = 255;
  }
  ctx.putImageData(picture, 0, 0);
  return { C, H, W, raw, canvas };
}

// Code q of a stage's PNG stands for display_min + q·step (the API's range, full or robust, of
// the values or of |values|). One map: signed values on the diverging scale at value / limit,
// limit = the larger end; magnitudes on the sequential scale from 0. Per-channel maps: the codes
// are the channels' levels already (black = display_min, full = display_max).
export function stageColours(stage) {
  const lo = stage.display_min;
  const hi = stage.display_max;
  const step = (hi - lo) / 255;
  if (stage.view === "magnitude") return Array.from({ length: 256 }, (_, q) => sequential(hi > 0 ? (lo + q * step) / hi : 0));
  const limit = Math.max(Math.abs(lo), Math.abs(hi));
  return Array.from({ length: 256 }, (_, q) => diverging(limit > 0 ? (lo + q * step) / limit : 0));
}

function colourCodes(d, stage) {
  if (stage.shape.length !== 2) return;
  const lut = stageColours(stage);
  for (let i = 0; i < d.length; i += 4) {
    const [r, g, b] = lut[d[i]];
    d[i] = r;
    d[i + 1] = g;
    d[i + 2] = b;
  }
}

export async function decodeStage(stage) {
  const { canvas, picture } = await pngPixels(base64Bytes(stage.image.slice(stage.image.indexOf(",") + 1)));
  colourCodes(picture.data, stage);
  canvas.getContext("2d").putImageData(picture, 0, 0);
  return canvas;
}

export function downloadCanvas(canvas, filename) {
  canvas.toBlob((blob) => {
    const url = URL.createObjectURL(blob);
    const link = document.createElement("a");
    link.href = url;
    link.download = filename;
    document.body.append(link);
    link.click();
    link.remove();
    window.setTimeout(() => URL.revokeObjectURL(url), 1000);
  }, "image/png");
}
