// The transposed-convolution lesson's sentences, in one place, in the page's language (the
// conv_transpose catalogue).

import { t, tn } from "../../i18n.js";

const LABELS = {
  h: t("Input height"),
  w: t("Input width"),
  c: t("Input channels"),
  f: t("Filters"),
  k: t("Kernel size"),
  s: t("Stride"),
  p: t("Padding"),
  op: t("Output padding"),
  d: t("Dilation"),
  seed: t("Seed"),
};

const span = (list) => ({ from: Math.min(...list), to: Math.max(...list) });

function cropSentence(h, w) {
  const rows = tn("{n} row", "{n} rows", h.padding);
  const cols = tn("{n} column", "{n} columns", w.padding);
  return t(" The padding crops {rows} from the top and the bottom and {cols} from each side", { rows, cols });
}

function extraSentence(h, w) {
  const rows = tn("{n} row", "{n} rows", h.output_padding);
  const cols = tn("{n} column", "{n} columns", w.output_padding);
  return t("; the output padding ({rows}, {cols}) keeps that many more at the bottom and right, zeros past the canvas.", { rows, cols });
}

function directNote(d) {
  const params = {
    rows: tn("{n} zero", "{n} zeros", d.gaps[0]),
    cols: d.gaps[1],
    borderRows: tn("{n} row", "{n} rows", Math.abs(d.border[0]), { n: d.border[0] }),
    borderCols: tn("{n} column", "{n} columns", Math.abs(d.border[1]), { n: d.border[1] }),
  };
  return Math.min(...d.border) < 0
    ? t(
        "The equivalent direct convolution: {rows} inserted between neighbouring input rows and {cols} between columns (s − 1), a border of d(k − 1) − p = {borderRows} and {borderCols} (negative: that many are cropped instead), the output padding's extra rows and columns at the bottom and right, then an ordinary stride-1 convolution with every kernel flipped 180° (its input and output channel axes swapped). Same numbers as the scatter.",
        params,
      )
    : t(
        "The equivalent direct convolution: {rows} inserted between neighbouring input rows and {cols} between columns (s − 1), a border of d(k − 1) − p = {borderRows} and {borderCols}, the output padding's extra rows and columns at the bottom and right, then an ordinary stride-1 convolution with every kernel flipped 180° (its input and output channel axes swapped). Same numbers as the scatter.",
        params,
      );
}

export const TEXT = {
  notWhole: (key, min, max) => t("{name} must be a whole number from {min} to {max}.", { name: LABELS[key], min, max }),
  // The API's refusals, by the field it names, as sentences next to the control that is wrong.
  refusal: {
    output_padding: (v) =>
      t(
        "Output padding ({op}) must be smaller than the stride ({s}) or the dilation ({d}): it only picks one of the output sizes a strided convolution could have come from.",
        { op: v.op, s: v.s, d: v.d },
      ),
    padding: (v) => t("With padding {p} nothing is left of the output: use less padding, or a larger input or kernel.", { p: v.p }),
    stride: (v, max) =>
      t("The output would be more than {max} cells a side, more than this page draws: use a smaller stride, dilation or kernel.", {
        max,
      }),
    input: () => t("That is too many products to step through: use a smaller input, fewer channels or fewer filters."),
  },
  refusedOther: t("This combination cannot be computed: change the values above."),
  refusalKey: { output_padding: "op", padding: "p", stride: "s", dilation: "d", input: "h", weights: "k" },
  presetCustom: t("custom (your settings)"),
  opRule: (v, holds) => {
    const params = { op: v.op, s: v.s, d: v.d };
    if (holds === null) return t("Rule: output padding ({op}) must be smaller than the stride ({s}) or the dilation ({d}).", params);
    return holds
      ? t("Rule: output padding ({op}) must be smaller than the stride ({s}) or the dilation ({d}) — it is.", params)
      : t("Rule: output padding ({op}) must be smaller than the stride ({s}) or the dilation ({d}) — it is not, so PyTorch refuses it.", params);
  },
  formula: (axis, report) =>
    axis === "height"
      ? t("Output height: {formula}", { formula: report.formula })
      : t("Output width: {formula}", { formula: report.formula }),
  full: (h, w) =>
    t("Before the crop, the canvas of stamps is (H − 1)·s + d(k − 1) + 1 = {rows} rows by {cols} columns.", { rows: h.full, cols: w.full }) +
    cropSentence(h, w) +
    (h.output_padding || w.output_padding ? extraSentence(h, w) : t(".")),
  noOutput: t("No output: change the settings above."),
  fixFirst: t("Fix the settings above to step through the transposed convolution."),
  viewNote: {
    scatter: t(
      "Scatter 散射: one step per input cell. The cell's value times the kernel is stamped onto the canvas at (row·s, column·s), spaced by the dilation; where stamps overlap they add up. The last step crops the padding from the canvas and adds the bias.",
    ),
    direct: directNote,
  },
  inputDims: (v) => `C_in×H×W = ${v.c}×${v.h}×${v.w}`,
  filterDims: (v) => t("C_in×F×k×k = {c}×{f}×{k}×{k}, bias b: {f}", { c: v.c, f: v.f, k: v.k }),
  inputCaption: (c) => t("x[{c}]  input channel {c}", { c }),
  inputLabel: (c) => t("input channel {c}", { c }),
  filterBlock: (c) => t("from input channel {c}", { c }),
  sliceCaption: (c, f) => `w[${c}, ${f}]`,
  sliceLabel: (c, f) => t("weights from input channel {c} to output channel {f}", { c, f }),
  bias: (f) => `b${f} = `,
  biasLabel: (f) => t("bias of output channel {f}", { f }),
  canvasDims: (rows, cols, F) => t("F×rows×cols = {F}×{rows}×{cols}", { F, rows, cols }),
  canvasCaption: (f) => t("canvas of output channel {f}", { f }),
  canvasLabel: (f) => t("uncropped canvas, output channel {f}", { f }),
  stuffedDims: (C, rows, cols) => t("C_in×rows×cols = {C}×{rows}×{cols}", { C, rows, cols }),
  stuffedCaption: (c) => t("input channel {c}, stuffed and bordered", { c }),
  stuffedLabel: (c) => t("zero-stuffed input channel {c}", { c }),
  flippedBlock: (f) => t("W'{f}: makes output channel {f}", { f }),
  flippedCaption: (f, c) => t("W'{f}[{c}] = w[{c}, {f}] flipped", { f, c }),
  flippedLabel: (f, c) => t("flipped kernel {f}, channel {c}", { f, c }),
  flippedDims: (F, C, k) => `F×C_in×k×k = ${F}×${C}×${k}×${k}`,
  outputCaption: (f) => t("o[{f}]  output channel {f}", { f }),
  outputLabel: (f) => t("output channel {f}", { f }),
  outputDims: ([F, Ho, Wo]) => `F×H_out×W_out = ${F}×${Ho}×${Wo}`,
  // scatter
  stampTitle: (index, count, step) =>
    t("Step {n} of {count}: input x[{c}, {row}, {col}] = {value} stamps {value} × w[{c}, f] onto the canvas", {
      n: index + 1,
      count,
      c: step.channel,
      row: step.row,
      col: step.col,
      value: step.value,
    }),
  stampWhere: (rows, cols) => {
    const r = span(rows);
    const c = span(cols);
    return t("canvas rows {r0}–{r1}, columns {c0}–{c1}; each cell: its sum so far + value·weight = its new sum", {
      r0: r.from,
      r1: r.to,
      c0: c.from,
      c1: c.to,
    });
  },
  stampFilter: (f) => t("output channel {f}:", { f }),
  cropped: t(" (cropped)"),
  cropTitle: (count, canvas, [, Ho, Wo]) =>
    t(
      "Step {count} of {count}: crop and add the bias. The output is the {ho}×{wo} block of the canvas from row {top}, column {left} (the padding), plus each channel's bias: o[f, r, c] = canvas[r + {top}, c + {left}] + b_f.",
      { count, ho: Ho, wo: Wo, top: canvas.top, left: canvas.left },
    ),
  cropLine: (f, r, c, cr, cc) => `o[${f}, ${r}, ${c}] = [${cr}, ${cc}] `,
  moreCells: (n) => t("… and {n} more: hover or focus an output cell to see its own.", { n }),
  cellTitle: (f, r, c) => t("Canvas cell [{r}, {c}] of output channel {f}: every stamp on it", { f, r, c }),
  cellNone: t("No stamp lands here: it stays 0."),
  cellSum: t("sum of the stamps = "),
  cellKept: (f, r, c) => t("kept as output o[{f}, {r}, {c}] = sum + b{f} = ", { f, r, c }),
  cellCropped: t("cropped by the padding: not in the output."),
  cellExtra: (f, r, c) => t("output o[{f}, {r}, {c}] is added by the output padding: 0 + b{f} = ", { f, r, c }),
  stampTerm: (x, i, j, c, f, m, n) => `x[${c}, ${i}, ${j}]·w[${c}, ${f}, ${m}, ${n}]`,
  // direct
  windowTitle: (index, count, step) =>
    t("Step {n} of {count}: output o[{f}, {row}, {col}] (row {row}, column {col} of output channel {f})", {
      n: index + 1,
      count,
      f: step.filter,
      row: step.row,
      col: step.col,
    }),
  window: (rows, cols, d) => {
    const r = span(rows);
    const c = span(cols);
    let text = t("window rows {r0}–{r1}, columns {c0}–{c1} of the stuffed input, stride 1", { r0: r.from, r1: r.to, c0: c.from, c1: c.to });
    if (d > 1) text += t(", every {d}th cell (dilation {d})", { d });
    return text + t("; kernel flipped 180°");
  },
  hovered: (step) => t("Output o[{f}, {row}, {col}]", { f: step.filter, row: step.row, col: step.col }),
  channelSum: (c) => t("channel {c}: Σ(x·w') = ", { c }),
  value: t("value: "),
  scale: t("output value 输出值 (cell colour)"),
  timeline: t("Transposed convolution steps"),
};
