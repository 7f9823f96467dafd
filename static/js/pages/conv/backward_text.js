// The backward mode's sentences, in one place (the Chinese interface will translate them).

const CONTROL_NAMES = {
  h: "dL/dY's height (its input height)",
  w: "dL/dY's width (its input width)",
  c: "the filters, its input channels",
  f: "the input channels, its output channels",
  k: "the kernel size",
  s: "the stride",
  p: "the padding",
  op: "the output padding",
  d: "the dilation",
};

export const BW_TEXT = {
  gradient: {
    seeded: "dL/dY: small whole numbers from the seed (turn on “Edit values” to type your own).",
  },
  loss: (words, value, fmt) => `dL/dY from the loss ${words}; here L = ${fmt(value)}.`,
  dyCaption: (f) => `dL/dY[${f}]  (output channel ${f})`,
  dyLabel: (f) => `upstream gradient, output channel ${f}`,
  dwTitle: (f) => `dL/dW${f}`,
  dwCaption: (f, c) => `dL/dW${f}[:, :, ${c}]`,
  dwLabel: (f, c) => `gradient of filter ${f} slice ${c}`,
  db: (f) => `dL/db${f} = `,
  dbLabel: (f) => `gradient of bias ${f}`,
  dxCaption: (c) => `dL/dX[:, :, ${c}]  channel ${c}, padded`,
  dxLabel: (c) => `input gradient channel ${c}, padded`,
  dxDims: (v) =>
    `${v.h}×${v.w}×${v.c}` +
    (v.p ? "; the padding ring's gradient is struck through: it is dropped" : "") +
    "; a cell no window covered gets 0",
  weightTitle: (index, count, s) =>
    `Step ${index + 1} of ${count}: dL/dW${s.filter}[${s.row}, ${s.col}, ${s.channel}] ` +
    `(filter ${s.filter}, channel ${s.channel}, row ${s.row}, column ${s.col})`,
  weightRule: (s, v) => {
    const flipped = v.mode === "convolution"; // the slid kernel is flipped: this weight sat at tap (k−1−m, k−1−n)
    const m = flipped ? v.k - 1 - s.row : s.row;
    const n = flipped ? v.k - 1 - s.col : s.col;
    return (
      `= Σ over output cells (i, j) of x[${s.channel}, i·${v.s} + ${m}·${v.d}, j·${v.s} + ${n}·${v.d}] · ` +
      `dL/dY[${s.filter}, i, j] on the padded input` +
      (flipped ? ` (kernel flipped: this weight sat at tap ${m}, ${n})` : "")
    );
  },
  biasTitle: (index, count, f) => `Step ${index + 1} of ${count}: dL/db${f} = Σ dL/dY[${f}] (every cell of dL/dY[${f}])`,
  inputTitle: (index, count, s, v) =>
    s.is_padding
      ? `Step ${index + 1} of ${count}: padding cell (row ${s.row}, column ${s.col}) of channel ${s.channel}`
      : `Step ${index + 1} of ${count}: dL/dX[${s.row - v.p}, ${s.col - v.p}, ${s.channel}] ` +
        `(padded row ${s.row}, column ${s.col} of channel ${s.channel})`,
  inputRule: (s) =>
    `= Σ w · dL/dY over the ${s.terms.product.length} window position(s) that covered this cell ` +
    "(the receptive-field links, run backwards)",
  term: "w[f, c, m, n]·dL/dY[f, i, j]",
  total: "total: ",
  dropped: "summed, then dropped: padding is neither an input nor a parameter",
  transposeSay: (v, op) =>
    `dL/dX is the transposed convolution (转置卷积) of dL/dY with the same filters, stride ${v.s}, ` +
    `padding ${v.p} and dilation ${v.d}, and output padding ${op} (the rows the forward's floor dropped), ` +
    "so its size comes back to the input's. Its weights are these filters read in PyTorch's transposed " +
    "layout C_in×F×KH×KW with C_in the F filters: w[f][c] keeps its indices" +
    (v.mode === "convolution" ? ", each kernel flipped 180° as it was slid." : "."),
  transposeLink: "Open this transposed convolution on /conv-transpose",
  transposeMissing: (problems) =>
    "/conv-transpose cannot show this one: " +
    problems
      .map((p) =>
        p.key === "op" && p.rows !== undefined
          ? `it takes one output padding for both axes, this needs ${p.rows} on the rows and ${p.cols} on the columns`
          : `${CONTROL_NAMES[p.key]} would be ${p.value}, it takes ${p.min} to ${p.max}`,
      )
      .join("; ") +
    ".",
  refused: (sentence) => `The backward pass was refused. ${sentence}`,
  fixFirst: "Fix the configuration above to step through the gradients.",
};
