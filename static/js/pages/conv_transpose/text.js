// The transposed-convolution lesson's sentences, in one place.

const LABELS = {
  h: "Input height",
  w: "Input width",
  c: "Input channels",
  f: "Filters",
  k: "Kernel size",
  s: "Stride",
  p: "Padding",
  op: "Output padding",
  d: "Dilation",
  seed: "Seed",
};

export const TEXT = {
  notWhole: (key, min, max) => `${LABELS[key]} must be a whole number from ${min} to ${max}.`,
  // The API's refusals, by the field it names, as sentences next to the control that is wrong.
  refusal: {
    output_padding: (v) =>
      `Output padding (${v.op}) must be smaller than the stride (${v.s}) or the dilation (${v.d}): ` +
      "it only picks one of the output sizes a strided convolution could have come from.",
    padding: (v) => `With padding ${v.p} nothing is left of the output: use less padding, or a larger input or kernel.`,
    stride: (v, max) =>
      `The output would be more than ${max} cells a side, more than this page draws: use a smaller stride, ` +
      "dilation or kernel.",
    input: () => "That is too many products to step through: use a smaller input, fewer channels or fewer filters.",
  },
  refusedOther: "This combination cannot be computed: change the values above.",
  refusalKey: { output_padding: "op", padding: "p", stride: "s", dilation: "d", input: "h", weights: "k" },
  presetCustom: "custom (your settings)",
  opRule: (v, holds) =>
    `Rule: output padding (${v.op}) must be smaller than the stride (${v.s}) or the dilation (${v.d})` +
    (holds === null ? "." : holds ? " — it is." : " — it is not, so PyTorch refuses it."),
  formula: (axis, report) => `Output ${axis}: ${report.formula}`,
  full: (h, w) =>
    `Before the crop, the canvas of stamps is (H − 1)·s + d(k − 1) + 1 = ${h.full} rows by ${w.full} columns. ` +
    `The padding crops ${h.padding} row${h.padding === 1 ? "" : "s"} from the top and the bottom and ` +
    `${w.padding} column${w.padding === 1 ? "" : "s"} from each side` +
    (h.output_padding || w.output_padding
      ? `; the output padding (${h.output_padding} row${h.output_padding === 1 ? "" : "s"}, ${w.output_padding} ` +
        `column${w.output_padding === 1 ? "" : "s"}) keeps that many more at the bottom and right, zeros past the canvas.`
      : "."),
  noOutput: "No output: change the settings above.",
  fixFirst: "Fix the settings above to step through the transposed convolution.",
  viewNote: {
    scatter:
      "Scatter 散射: one step per input cell. The cell's value times the kernel is stamped onto the canvas at " +
      "(row·s, column·s), spaced by the dilation; where stamps overlap they add up. The last step crops the " +
      "padding from the canvas and adds the bias.",
    direct: (d) =>
      `The equivalent direct convolution: ${d.gaps[0]} zero${d.gaps[0] === 1 ? "" : "s"} inserted between ` +
      `neighbouring input rows and ${d.gaps[1]} between columns (s − 1), a border of d(k − 1) − p = ` +
      `${d.border[0]} row${Math.abs(d.border[0]) === 1 ? "" : "s"} and ${d.border[1]} column${Math.abs(d.border[1]) === 1 ? "" : "s"}` +
      `${Math.min(...d.border) < 0 ? " (negative: that many are cropped instead)" : ""}, the output padding's ` +
      "extra rows and columns at the bottom and right, then an ordinary stride-1 convolution with every kernel " +
      "flipped 180° (its input and output channel axes swapped). Same numbers as the scatter.",
  },
  inputDims: (v) => `C_in×H×W = ${v.c}×${v.h}×${v.w}`,
  filterDims: (v) => `C_in×F×k×k = ${v.c}×${v.f}×${v.k}×${v.k}, bias b: ${v.f}`,
  inputCaption: (c) => `x[${c}]  input channel ${c}`,
  inputLabel: (c) => `input channel ${c}`,
  filterBlock: (c) => `from input channel ${c}`,
  sliceCaption: (c, f) => `w[${c}, ${f}]`,
  sliceLabel: (c, f) => `weights from input channel ${c} to output channel ${f}`,
  bias: (f) => `b${f} = `,
  biasLabel: (f) => `bias of output channel ${f}`,
  canvasDims: (rows, cols, F) => `F×rows×cols = ${F}×${rows}×${cols}`,
  canvasCaption: (f) => `canvas of output channel ${f}`,
  canvasLabel: (f) => `uncropped canvas, output channel ${f}`,
  stuffedDims: (C, rows, cols) => `C_in×rows×cols = ${C}×${rows}×${cols}`,
  stuffedCaption: (c) => `input channel ${c}, stuffed and bordered`,
  stuffedLabel: (c) => `zero-stuffed input channel ${c}`,
  flippedBlock: (f) => `W'${f}: makes output channel ${f}`,
  flippedCaption: (f, c) => `W'${f}[${c}] = w[${c}, ${f}] flipped`,
  flippedLabel: (f, c) => `flipped kernel ${f}, channel ${c}`,
  flippedDims: (F, C, k) => `F×C_in×k×k = ${F}×${C}×${k}×${k}`,
  outputCaption: (f) => `o[${f}]  output channel ${f}`,
  outputLabel: (f) => `output channel ${f}`,
  outputDims: ([F, Ho, Wo]) => `F×H_out×W_out = ${F}×${Ho}×${Wo}`,
  // scatter
  stampTitle: (index, count, step) =>
    `Step ${index + 1} of ${count}: input x[${step.channel}, ${step.row}, ${step.col}] = ${step.value} stamps ` +
    `${step.value} × w[${step.channel}, f] onto the canvas`,
  stampWhere: (rows, cols) =>
    `canvas rows ${Math.min(...rows)}–${Math.max(...rows)}, columns ${Math.min(...cols)}–${Math.max(...cols)}; ` +
    "each cell: its sum so far + value·weight = its new sum",
  stampFilter: (f) => `output channel ${f}:`,
  cropped: " (cropped)",
  cropTitle: (count, canvas, [, Ho, Wo]) =>
    `Step ${count} of ${count}: crop and add the bias. The output is the ${Ho}×${Wo} block of the canvas ` +
    `from row ${canvas.top}, column ${canvas.left} (the padding), plus each channel's bias: ` +
    `o[f, r, c] = canvas[r + ${canvas.top}, c + ${canvas.left}] + b_f.`,
  cropLine: (f, r, c, cr, cc) => `o[${f}, ${r}, ${c}] = [${cr}, ${cc}] `,
  moreCells: (n) => `… and ${n} more: hover or focus an output cell to see its own.`,
  cellTitle: (f, r, c) => `Canvas cell [${r}, ${c}] of output channel ${f}: every stamp on it`,
  cellNone: "No stamp lands here: it stays 0.",
  cellSum: "sum of the stamps = ",
  cellKept: (f, r, c) => `kept as output o[${f}, ${r}, ${c}] = sum + b${f} = `,
  cellCropped: "cropped by the padding: not in the output.",
  cellExtra: (f, r, c) => `output o[${f}, ${r}, ${c}] is added by the output padding: 0 + b${f} = `,
  stampTerm: (x, i, j, c, f, m, n) => `x[${c}, ${i}, ${j}]·w[${c}, ${f}, ${m}, ${n}]`,
  // direct
  windowTitle: (index, count, step) =>
    `Step ${index + 1} of ${count}: output o[${step.filter}, ${step.row}, ${step.col}] ` +
    `(row ${step.row}, column ${step.col} of output channel ${step.filter})`,
  window: (rows, cols, d) =>
    `window rows ${Math.min(...rows)}–${Math.max(...rows)}, columns ${Math.min(...cols)}–${Math.max(...cols)} of the ` +
    `stuffed input, stride 1${d > 1 ? `, every ${d}th cell (dilation ${d})` : ""}; kernel flipped 180°`,
  hovered: (step) => `Output o[${step.filter}, ${step.row}, ${step.col}]`,
  channelSum: (c) => `channel ${c}: Σ(x·w') = `,
  value: "value: ",
  scale: "output value 输出值 (cell colour)",
};
