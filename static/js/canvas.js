// Canvas helpers shared by the widgets that draw in CSS pixels.

// Sizes the backing store to width×height CSS pixels times devicePixelRatio (crisp on HiDPI
// screens and projectors), scales the context so drawing code works in CSS pixels, and clears.
export function prepareCanvas(canvas, width, height) {
  const dpr = window.devicePixelRatio || 1;
  canvas.width = Math.round(width * dpr);
  canvas.height = Math.round(height * dpr);
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  return ctx;
}
