// The backward mode's sentences, in one place, in the page's language (the conv catalogue).

import { lang, t } from "../../i18n.js";

const SEP = t("; "); // between the reasons of a list

const CONTROL_NAMES = {
  h: t("dL/dY's height (its input height)"),
  w: t("dL/dY's width (its input width)"),
  c: t("the filters, its input channels"),
  f: t("the input channels, its output channels"),
  k: t("the kernel size"),
  s: t("the stride"),
  p: t("the padding"),
  op: t("the output padding"),
  d: t("the dilation"),
};

function problemText(p) {
  if (p.key === "op" && p.rows !== undefined) {
    return t("it takes one output padding for both axes, this needs {rows} on the rows and {cols} on the columns", {
      rows: p.rows,
      cols: p.cols,
    });
  }
  return t("{name} would be {value}, it takes {min} to {max}", { name: CONTROL_NAMES[p.key], value: p.value, min: p.min, max: p.max });
}

export const BW_TEXT = {
  gradient: {
    seeded: t("dL/dY: small whole numbers from the seed (turn on “Edit values” to type your own)."),
  },
  loss: (words, value, fmt) => t("dL/dY from the loss {words}; here L = {value}.", { words, value: fmt(value) }),
  dyCaption: (f) => t("dL/dY[{f}]  (output channel {f})", { f }),
  dyLabel: (f) => t("upstream gradient, output channel {f}", { f }),
  dwTitle: (f) => `dL/dW${f}`,
  dwCaption: (f, c) => `dL/dW${f}[:, :, ${c}]`,
  dwLabel: (f, c) => t("gradient of filter {f} slice {c}", { f, c }),
  db: (f) => `dL/db${f} = `,
  dbLabel: (f) => t("gradient of bias {f}", { f }),
  dxCaption: (c) => t("dL/dX[:, :, {c}]  channel {c}, padded", { c }),
  dxLabel: (c) => t("input gradient channel {c}, padded", { c }),
  dxDims: (v) =>
    `${v.h}×${v.w}×${v.c}` +
    (v.p ? t("; the padding ring's gradient is struck through: it is dropped") : "") +
    t("; a cell no window covered gets 0"),
  weightTitle: (index, count, s) =>
    t("Step {n} of {count}: dL/dW{f}[{row}, {col}, {c}] (filter {f}, channel {c}, row {row}, column {col})", {
      n: index + 1,
      count,
      f: s.filter,
      c: s.channel,
      row: s.row,
      col: s.col,
    }),
  weightRule: (s, v) => {
    const flipped = v.mode === "convolution"; // the slid kernel is flipped: this weight sat at tap (k−1−m, k−1−n)
    const m = flipped ? v.k - 1 - s.row : s.row;
    const n = flipped ? v.k - 1 - s.col : s.col;
    const params = { c: s.channel, f: s.filter, s: v.s, d: v.d, m, n };
    const rule = t("= Σ over output cells (i, j) of x[{c}, i·{s} + {m}·{d}, j·{s} + {n}·{d}] · dL/dY[{f}, i, j] on the padded input", params);
    return flipped ? rule + t(" (kernel flipped: this weight sat at tap {m}, {n})", params) : rule;
  },
  biasTitle: (index, count, f) =>
    t("Step {n} of {count}: dL/db{f} = Σ dL/dY[{f}] (every cell of dL/dY[{f}])", { n: index + 1, count, f }),
  inputTitle: (index, count, s, v) =>
    s.is_padding
      ? t("Step {n} of {count}: padding cell (row {row}, column {col}) of channel {c}", {
          n: index + 1,
          count,
          row: s.row,
          col: s.col,
          c: s.channel,
        })
      : t("Step {n} of {count}: dL/dX[{i}, {j}, {c}] (padded row {row}, column {col} of channel {c})", {
          n: index + 1,
          count,
          i: s.row - v.p,
          j: s.col - v.p,
          row: s.row,
          col: s.col,
          c: s.channel,
        }),
  inputRule: (s) =>
    t("= Σ w · dL/dY over the {n} window position(s) that covered this cell (the receptive-field links, run backwards)", {
      n: s.terms.product.length,
    }),
  dropped: t("summed, then dropped: padding is neither an input nor a parameter"),
  transposeSay: (v, op) => {
    const params = { s: v.s, p: v.p, d: v.d, op };
    return v.mode === "convolution"
      ? t(
          "dL/dX is the transposed convolution (转置卷积) of dL/dY with the same filters, stride {s}, padding {p} and dilation {d}, and output padding {op} (the rows the forward's floor dropped), so its size comes back to the input's. Its weights are these filters read in PyTorch's transposed layout C_in×F×KH×KW with C_in the F filters: w[f][c] keeps its indices, each kernel flipped 180° as it was slid.",
          params,
        )
      : t(
          "dL/dX is the transposed convolution (转置卷积) of dL/dY with the same filters, stride {s}, padding {p} and dilation {d}, and output padding {op} (the rows the forward's floor dropped), so its size comes back to the input's. Its weights are these filters read in PyTorch's transposed layout C_in×F×KH×KW with C_in the F filters: w[f][c] keeps its indices.",
          params,
        );
  },
  transposeLink: t("Open this transposed convolution on /conv-transpose"),
  transposeMissing: (problems) =>
    t("/conv-transpose cannot show this one: {problems}.", { problems: problems.map(problemText).join(SEP) }),
  refused: (sentence) => t("The backward pass was refused. {sentence}", { sentence }),
  fixFirst: t("Fix the configuration above to step through the gradients."),
  sentenceGap: lang === "zh" ? "" : " ", // Chinese puts no space after 。
};
