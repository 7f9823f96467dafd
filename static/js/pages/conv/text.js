// The convolution lesson's sentences, in one place, in the page's language (the conv catalogue).

import { lang, t } from "../../i18n.js";

// Separators of the lists the sentences hold.
const OR = t(" or ");
const SEP = t("; ");
const GAP = lang === "zh" ? "" : " "; // between sentences: Chinese puts none after 。

// A sentence around one formula -> [before, formula, after].
function withFormula(sentence, formula) {
  const at = sentence.indexOf("{formula}");
  return at < 0 ? [sentence, "", ""] : [sentence.slice(0, at), formula, sentence.slice(at + "{formula}".length)];
}

const span = (list) => ({ from: Math.min(...list), to: Math.max(...list) });

export const TEXT = {
  refused: (sentence) => t("This combination does not work. {sentence}", { sentence }),
  // A typed cell the API refused, from its field: "input[0][1][2]" -> "The input value at ...".
  cellName: (field) => {
    const at = (field.match(/\d+/g) || []).map(Number);
    if (field.startsWith("input") && at.length === 3) {
      return t("The input value at channel {c}, row {r}, column {col}", { c: at[0], r: at[1], col: at[2] });
    }
    if (field.startsWith("weights") && at.length === 4) {
      return t("Filter W{f}'s weight at channel {c}, row {r}, column {col}", { f: at[0], c: at[1], r: at[2], col: at[3] });
    }
    if (field.startsWith("bias") && at.length === 1) return t("Bias b{f}", { f: at[0] });
    return undefined;
  },
  noOutput: t("No output: change the kernel size, padding, dilation or stride above."),
  fixFirst: t("Fix the configuration above to step through the convolution."),
  // [text before, formula, text after]: the page draws the formula as a formula.
  flip: {
    convolution: withFormula(
      t("Convolution (the textbook formula {formula}) slides each kernel rotated by 180°; the arithmetic below uses the flipped values."),
      "Σ I(m,n)·K(i−m, j−n)",
    ),
    "cross-correlation": withFormula(
      t("Cross-correlation {formula}: what CNN layers (and PyTorch's conv2d) compute."),
      "Σ I(i+m, j+n)·K(m,n)",
    ),
  },
  inputDims: (v, Hp, Wp) => t("{h}×{w}×{c}, padded to {hp}×{wp}×{c}", { h: v.h, w: v.w, c: v.c, hp: Hp, wp: Wp }),
  filterDims: (v) => `${v.f} × (${v.k}×${v.k}×${v.c})`,
  inputCaption: (c) => t("x[:, :, {c}]  channel {c}", { c }),
  inputLabel: (c) => t("input channel {c}, padded", { c }),
  filterTitle: (f, v) => t("Filter W{f} ({k}×{k}×{c})", { f, k: v.k, c: v.c }),
  sliceCaption: (f, c) => `W${f}[:, :, ${c}]`,
  sliceLabel: (f, c) => t("filter {f} slice {c}", { f, c }),
  bias: (f) => t("Bias b{f} = ", { f }),
  biasLabel: (f) => t("bias {f}", { f }),
  outputCaption: (f) => t("o[:, :, {f}]  from W{f}", { f }),
  outputLabel: (f) => t("output channel {f}", { f }),
  window: (rows, cols, v) => {
    const r = span(rows);
    const c = span(cols);
    let text = t("window rows {r0}–{r1}, columns {c0}–{c1} of the padded input", { r0: r.from, r1: r.to, c0: c.from, c1: c.to });
    if (v.d > 1) text += t(", every {d}th cell (dilation {d})", { d: v.d });
    if (v.mode === "convolution") text += t("; kernel flipped 180°");
    return text;
  },
  channelSum: (c) => t("channel {c}: Σ(x·w) = ", { c }),
  value: t("value: "),
  step: (index, count, step) =>
    t("Step {n} of {count}: output o[{row}, {col}, {f}] (row {row}, column {col} of feature map {f})", {
      n: index + 1,
      count,
      row: step.row,
      col: step.col,
      f: step.filter,
    }),
  hovered: (f, r, c) => t("Hovered output o[{r}, {c}, {f}]", { f, r, c }),
  overhang: (report) =>
    t(
      "{numerator} / {stride} is not a whole number: the last window would overhang by {over}, so frameworks take the floor and drop it.",
      { numerator: report.numerator, stride: report.stride, over: report.stride - report.leftover },
    ),
  fitPaddings: (list) => t("padding {values}", { values: list.join(OR) }),
  fitStrides: (list) => t("stride {values}", { values: list.join(", ") }),
  fits: (axis, fits) =>
    axis === "height"
      ? t("Along the height, these fit exactly: {fits}.", { fits: fits.join(SEP) })
      : t("Along the width, these fit exactly: {fits}.", { fits: fits.join(SEP) }),
  unvisited: (axis, list) =>
    axis === "height"
      ? t("Input rows never visited by any window: {list}.", { list: list.join(", ") })
      : t("Input columns never visited by any window: {list}.", { list: list.join(", ") }),
  outputHeight: (formula) => t("Output height: {formula}", { formula }),
  outputWidth: (formula) => t("Output width: {formula}", { formula }),
  sentenceGap: GAP,
  timeline: t("Convolution steps"),
};
