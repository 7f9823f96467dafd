// The convolution lesson's sentences, in one place (the Chinese interface will translate them).

export const TEXT = {
  refused: (sentence) => `This combination does not work. ${sentence}`,
  // A typed cell the API refused, from its field: "input[0][1][2]" -> "The input value at ...".
  cellName: (field) => {
    const at = (field.match(/\d+/g) || []).map(Number);
    if (field.startsWith("input") && at.length === 3) return `The input value at channel ${at[0]}, row ${at[1]}, column ${at[2]}`;
    if (field.startsWith("weights") && at.length === 4) return `Filter W${at[0]}'s weight at channel ${at[1]}, row ${at[2]}, column ${at[3]}`;
    if (field.startsWith("bias") && at.length === 1) return `Bias b${at[0]}`;
    return undefined;
  },
  noOutput: "No output: change the kernel size, padding, dilation or stride above.",
  fixFirst: "Fix the configuration above to step through the convolution.",
  flip: {
    convolution:
      "Convolution (the textbook formula Σ I(m,n)·K(i−m, j−n)) slides each kernel rotated by 180°; " +
      "the arithmetic below uses the flipped values.",
    "cross-correlation": "Cross-correlation Σ I(i+m, j+n)·K(m,n): what CNN layers (and PyTorch's conv2d) compute.",
  },
  inputDims: (v, Hp, Wp) => `${v.h}×${v.w}×${v.c}, padded to ${Hp}×${Wp}×${v.c}`,
  filterDims: (v) => `${v.f} × (${v.k}×${v.k}×${v.c})`,
  inputCaption: (c) => `x[:, :, ${c}]  channel ${c}`,
  inputLabel: (c) => `input channel ${c}, padded`,
  filterTitle: (f, v) => `Filter W${f} (${v.k}×${v.k}×${v.c})`,
  sliceCaption: (f, c) => `W${f}[:, :, ${c}]`,
  sliceLabel: (f, c) => `filter ${f} slice ${c}`,
  bias: (f) => `Bias b${f} = `,
  biasLabel: (f) => `bias ${f}`,
  outputCaption: (f) => `o[:, :, ${f}]  from W${f}`,
  outputLabel: (f) => `output channel ${f}`,
  window: (rows, cols, v) =>
    `window rows ${Math.min(...rows)}–${Math.max(...rows)}, columns ${Math.min(...cols)}–${Math.max(...cols)} ` +
    `of the padded input${v.d > 1 ? `, every ${v.d}th cell (dilation ${v.d})` : ""}` +
    `${v.mode === "convolution" ? "; kernel flipped 180°" : ""}`,
  channelSum: (c) => `channel ${c}: Σ(x·w) = `,
  value: "value: ",
  step: (index, count, step) =>
    `Step ${index + 1} of ${count}: output o[${step.row}, ${step.col}, ${step.filter}] ` +
    `(row ${step.row}, column ${step.col} of feature map ${step.filter})`,
  hovered: (f, r, c) => `Hovered output o[${r}, ${c}, ${f}]`,
  overhang: (report) =>
    `${report.numerator} / ${report.stride} is not a whole number: the last window would overhang by ` +
    `${report.stride - report.leftover}, so frameworks take the floor and drop it.`,
  fits: (axis, fits) => `Along the ${axis}, these fit exactly: ${fits.join("; ")}.`,
  unvisited: (lines, list) => `Input ${lines} never visited by any window: ${list.join(", ")}.`,
};
