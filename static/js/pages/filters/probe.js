// What to ask POST /api/image/probe for one pixel: the pixels of the working image it depends on
// (the exact integers of the filter response's `input`), and the map's layer settings. Pure:
// node's test runner checks these (tests/js).

// The image rows r0..r1-1 and columns c0..c1-1 that pixel (row, col) of a stage depends on:
// a conv window, or for a pool the windows of its whole pool window; clipped to the H×W image.
export function probeRegion({ K, padding, stride, pool }, stage, row, col, H, W) {
  const pad = padding === "same" ? (K - 1) / 2 : 0;
  const n = stage === "pool" ? pool.size : 1;
  const step = stage === "pool" ? pool.stride || pool.size : 1;
  const top = row * step * stride - pad;
  const left = col * step * stride - pad;
  const side = (n - 1) * stride + K;
  return { r0: Math.max(top, 0), r1: Math.min(top + side, H), c0: Math.max(left, 0), c1: Math.min(left + side, W) };
}

// C×h×w nested lists of the region from H×W×C interleaved integers (raw).
export function regionPixels(raw, { C, W }, { r0, r1, c0, c1 }) {
  return Array.from({ length: C }, (_, c) =>
    Array.from({ length: r1 - r0 }, (_, i) => Array.from({ length: c1 - c0 }, (_, j) => raw[((r0 + i) * W + c0 + j) * C + c])),
  );
}

// The kernel side of a map's kernel (K×K or D×K×K).
export function kernelSide(kernel) {
  return Array.isArray(kernel[0][0]) ? kernel[0].length : kernel.length;
}

// The probe request for pixel (row, col) of stage of map m; result: the filter response;
// input: { raw, C, H, W } of its decoded `input`.
export function probePayload(result, input, m, stage, row, col) {
  const K = kernelSide(m.kernel);
  const region = probeRegion({ K, padding: result.padding, stride: result.stride, pool: result.pool }, stage, row, col, input.H, input.W);
  return {
    pixels: regionPixels(input.raw, input, region),
    scale: input.scale,
    origin: [region.r0, region.c0],
    image_size: [input.H, input.W],
    filter: { kernel: m.kernel },
    padding: result.padding,
    stride: result.stride,
    activation: result.activation,
    pool: result.pool,
    mode: result.conv_mode,
    stage,
    row,
    col,
  };
}
