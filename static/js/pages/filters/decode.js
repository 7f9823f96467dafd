// The filter response's images: the exact working-image integers (`input`, base64) and each
// stage's PNG of quantised values, coloured for display (diverging for one map, 0..1 per channel
// for colour maps). The browser's own decoding of the uploaded file is never used (EXIF, CMYK,
// 16 bits and the downscaling filter would not match the server's).

import { diverging } from "../../colormap.js";

export function base64Bytes(text) {
  const binary = window.atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

// -> { C, H, W, raw (H×W×C integers), canvas (the image drawn) }
export function decodeInput(data) {
  const { channels: C, bits } = data.input;
  const bytes = base64Bytes(data.input.data);
  const raw = bits === 16 ? new Uint16Array(bytes.buffer, 0, bytes.length / 2) : bytes;
  const W = data.width;
  const H = data.height;
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

// Code q of a stage's PNG -> its colour: value lo + q·step on a diverging scale at value /
// max|value| (one map), or the value clipped to [0, 1] (per-channel maps, as an editor shows).
function colourCodes(d, stage) {
  const lo = stage.min;
  const step = (stage.max - stage.min) / 255;
  if (stage.shape.length === 2) {
    const limit = Math.max(Math.abs(stage.min), Math.abs(stage.max));
    const lut = Array.from({ length: 256 }, (_, q) => diverging(limit > 0 ? (lo + q * step) / limit : 0));
    for (let i = 0; i < d.length; i += 4) {
      const [r, g, b] = lut[d[i]];
      d[i] = r;
      d[i + 1] = g;
      d[i + 2] = b;
    }
    return;
  }
  const lut = Array.from({ length: 256 }, (_, q) => Math.round(Math.min(1, Math.max(0, lo + q * step)) * 255));
  for (let i = 0; i < d.length; i += 4) {
    d[i] = lut[d[i]];
    d[i + 1] = lut[d[i + 1]];
    d[i + 2] = lut[d[i + 2]];
  }
}

export async function decodeStage(stage) {
  const bytes = base64Bytes(stage.image.slice(stage.image.indexOf(",") + 1));
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
  const picture = ctx.getImageData(0, 0, canvas.width, canvas.height);
  colourCodes(picture.data, stage);
  ctx.putImageData(picture, 0, 0);
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
