// The request the page sends to POST /api/image/filter, from the state: the presets chosen and
// the learner's own kernel. Pure: node's test runner checks these (tests/js).

export function selectedPresets(presets, names) {
  return presets.split(",").filter((name) => names.includes(name));
}

// The custom kernel from the URL, as { K, depth, flat }, or the identity when its length does
// not fit K and the depth. Switching colour modes keeps the kernel: K×K -> three slices of a
// third; 3×K×K -> their sum.
export function customKernel({ ksize, kernel, color }) {
  const K = ksize % 2 === 1 ? ksize : 3;
  const depth = color === "full" ? 3 : 1;
  if (kernel.length === depth * K * K) return { K, depth, flat: kernel };
  if (depth === 3 && kernel.length === K * K) return { K, depth, flat: [0, 1, 2].flatMap(() => kernel.map((v) => v / 3)) };
  if (depth === 1 && kernel.length === 3 * K * K) {
    return { K, depth, flat: kernel.slice(0, K * K).map((v, i) => v + kernel[K * K + i] + kernel[2 * K * K + i]) };
  }
  const flat = new Array(depth * K * K).fill(0);
  const centre = (K * K - 1) / 2;
  for (let d = 0; d < depth; d++) flat[d * K * K + centre] = depth === 3 ? 1 / 3 : 1;
  return { K, depth, flat };
}

// { K, depth, flat } -> K×K (depth 1) or 3×K×K nested lists.
export function nested({ K, depth, flat }) {
  const plane = (d) => Array.from({ length: K }, (_, r) => flat.slice(d * K * K + r * K, d * K * K + (r + 1) * K));
  return depth === 1 ? plane(0) : [plane(0), plane(1), plane(2)];
}

// The `spec` form field for the state s; names: the presets the catalogue knows; previewSide:
// the longest side of the stage previews asked for.
export function buildSpec(s, names, previewSide = 256) {
  const full = s.color === "full";
  const filters = selectedPresets(s.presets, names).map((preset) => (full ? { preset, full_depth: true } : { preset }));
  if (s.custom) filters.push({ kernel: nested(customKernel(s)) });
  return {
    color: s.color === "gray" ? "gray" : "rgb",
    filters,
    padding: s.padding,
    stride: s.stride,
    activation: s.activation,
    pool: s.pool === "none" ? null : { mode: s.pool, size: s.psize, stride: s.pstride },
    mode: s.mode,
    contrast: s.contrast,
    view: s.view,
    preview_side: previewSide,
  };
}
