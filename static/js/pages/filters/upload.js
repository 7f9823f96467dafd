// What the page uploads for a picked, dropped or pasted file, once per image: the file itself
// when it is no larger than the working size, else a copy downscaled in the browser to the
// working size (the browser applies the EXIF orientation; transparency goes onto white, as the
// server would put it), as a PNG, or a JPEG when the PNG would be large. Every later change sends
// that small copy again (the server keeps nothing between requests), never the original.

import { TEXT } from "./text.js";

// Above this a downscaled photo goes as a JPEG (quality 0.92): a 1024×768 photo is ~1.5 MB as a
// PNG and ~200 KB as a JPEG. Drawings and screenshots usually stay under it, as lossless PNGs.
const PNG_MAX_BYTES = 1_000_000;

const toBlob = (canvas, type, quality) => new Promise((resolve) => canvas.toBlob(resolve, type, quality));

export async function prepareImage(file, workingSize) {
  const name = file.name || TEXT.pastedImage;
  let bitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  } catch {
    return { blob: file, name, note: "" }; // not something the browser reads: the server explains
  }
  const { width, height } = bitmap;
  bitmap.close();
  const longest = Math.max(width, height);
  if (longest <= workingSize) return { blob: file, name, note: TEXT.sentAsIs(file.size) };
  const w = Math.max(1, Math.round((width * workingSize) / longest));
  const h = Math.max(1, Math.round((height * workingSize) / longest));
  const small = await createImageBitmap(file, { imageOrientation: "from-image", resizeWidth: w, resizeHeight: h, resizeQuality: "high" });
  const canvas = document.createElement("canvas");
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, w, h);
  ctx.drawImage(small, 0, 0);
  small.close();
  let blob = await toBlob(canvas, "image/png");
  let type = "PNG";
  if (!blob || blob.size > PNG_MAX_BYTES) {
    blob = await toBlob(canvas, "image/jpeg", 0.92);
    type = "JPEG";
  }
  const base = name.replace(/\.[^.]*$/, "");
  return { blob, name: `${base}.${type === "PNG" ? "png" : "jpg"}`, note: TEXT.uploadNote(`${width}×${height}`, `${w}×${h}`, blob.size, type) };
}
