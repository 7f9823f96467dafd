// "Arithmetic of one output pixel": the window, the kernel, every product and sum, the ReLU and
// the pool window, as POST /api/image/probe computed them; and the marks on the image and maps.

import { byId, el } from "../../dom.js";
import { formatDecimal as fmt } from "../../format.js";
import { createGrid } from "../../widgets/grid.js";
import { t } from "../../i18n.js";
import { CHANNEL_NAMES, STAGE_TITLES } from "./text.js";

function grid(values, label, isPad) {
  const holder = el("div", "fl-agrid");
  holder.append(el("div", "fl-agrid-label", label));
  const box = el("div");
  holder.append(box);
  const g = createGrid(box, { rows: values.length, cols: values[0].length, label, format: fmt, isPadding: isPad });
  g.update(values);
  return holder;
}

const totalLine = (text, total) => {
  const line = el("div", "arith");
  line.append(document.createTextNode(text), el("span", "total", total));
  return line;
};

function poolPart(probe, result, channelName) {
  const { size } = result.pool;
  const max = result.pool.mode === "max";
  const part = el("div", "fl-apart");
  part.append(
    el(
      "h4",
      "",
      max
        ? t("Max pooling of a {size}×{size} window of the activation map", { size })
        : t("Average pooling of a {size}×{size} window of the activation map", { size }),
    ),
  );
  for (const pool of probe.pools) {
    const flat = pool.values.flat();
    part.append(grid(pool.values, t("activations{channel}", { channel: channelName(pool.channel) })));
    const how = max ? `max(${flat.map(fmt).join(", ")})` : `(${flat.map(fmt).join(" + ")}) / ${pool.divisor}`;
    part.append(totalLine(`${how} = `, fmt(pool.value)));
  }
  return part;
}

// The kernel grid's label: its slice (" R", or null for a single slice) and whether it is flipped.
function kernelLabel(channel, flipped) {
  if (channel === null) return flipped ? t("kernel (flipped)") : t("kernel");
  return flipped ? t("kernel slice{channel} (flipped)", { channel }) : t("kernel slice{channel}", { channel });
}

// "Convolution at row 3, column 4 (the window's maximum), channel R".
function convTitle(conv, probe, result) {
  let which = "";
  if (probe.stage === "pool") which = result.pool.mode === "max" ? t(" (the window's maximum)") : t(" (the window's first cell)");
  const channel = probe.kind === "per-channel" ? t(", channel {name}", { name: CHANNEL_NAMES[conv.channel] }) : "";
  return t("Convolution at row {row}, column {col}{which}{channel}", { row: conv.row, col: conv.col, which, channel });
}

// One conv cell: per kernel slice the window, the slice and the products, and their sum.
function convPart(conv, probe, result, title, channelName, scale) {
  const part = el("div", "fl-apart");
  part.append(el("h4", "", title));
  const K = probe.kernel[0].length;
  const pad = (a, b) => conv.is_padding[a][b];
  const slices = conv.window.length;
  const flipped = result.conv_mode === "convolution";
  conv.window.forEach((window, d) => {
    const name = channelName(conv.channel ?? (slices > 1 ? d : null));
    const kernel = probe.kernel[conv.channel === null ? d : 0];
    const grids = el("div", "fl-agrids");
    grids.append(
      grid(window, t("window{channel} (x = value ÷ {scale})", { channel: name, scale }), pad),
      el("span", "fl-op", "⊙"),
      grid(kernel, kernelLabel(slices > 1 ? name : null, flipped)),
      el("span", "fl-op", "="),
      grid(conv.products[d], t("products x·w"), pad),
    );
    part.append(grids);
    const terms = conv.products[d].flat();
    const shown = terms.length <= 9 ? terms.map(fmt).join(" + ").replaceAll("+ -", "− ") : t("sum of {n} products", { n: terms.length });
    part.append(totalLine(`Σ${name}: ${shown} = `, fmt(conv.channel_sums[d])));
  });
  if (slices > 1) part.append(totalLine(t("summed over the channels: {sums} = ", { sums: conv.channel_sums.map(fmt).join(" + ") }), fmt(conv.value)));
  const where = { top: conv.top, bottom: conv.top + K - 1, left: conv.left, right: conv.left + K - 1 };
  const text =
    result.padding === "same"
      ? t("Window rows {top}…{bottom}, columns {left}…{right} of the input (grey cells are zero padding).", where)
      : t("Window rows {top}…{bottom}, columns {left}…{right} of the input.", where);
  part.append(el("p", "fl-explain", text));
  return part;
}

// The arithmetic of the probed pixel, written into the panel.
export function showArithmetic(result, m, probe, channels, scale) {
  const channelName = (c) => (c === null || channels === 1 ? "" : ` ${CHANNEL_NAMES[c]}`);
  const heading = el("p", "fl-where");
  const where = t("{stage} · output row {row}, column {col}", { stage: STAGE_TITLES[probe.stage], row: probe.row, col: probe.col });
  heading.append(el("strong", "", m.label), document.createTextNode(` · ${where}`));
  const out = [heading];
  const pooled = probe.stage === "pool";
  if (pooled) out.push(poolPart(probe, result, channelName));
  for (const conv of probe.convs) {
    out.push(convPart(conv, probe, result, convTitle(conv, probe, result), channelName, scale));
  }
  if (result.activation === "relu") {
    out.push(totalLine("ReLU: ", probe.convs.map((conv) => `max(0, ${fmt(conv.value)}) = ${fmt(conv.activated)}`).join(" · ")));
  }
  byId("fl-arith-empty").hidden = true;
  byId("fl-arith-body").replaceChildren(...out);
}

export function clearArithmetic(page) {
  byId("fl-arith-body").replaceChildren();
  byId("fl-arith-empty").hidden = false;
  if (page.inputView) page.inputView.mark([]);
  for (const map of page.views) for (const view of Object.values(map)) view.mark([]);
  if (page.zoom) page.zoom.view.mark([]);
}

// Marks: the window (and for a pool its whole field) on the input; the pixel on its stage and
// the conv cell or pool window behind it on the other stages of its map.
export function markProbe(page, f, probe, region, pinned) {
  const K = probe.kernel[0].length;
  const conv = probe.convs[0];
  const inputMarks = [];
  if (probe.stage === "pool") inputMarks.push({ r0: region.r0, c0: region.c0, r1: region.r1 - 1, c1: region.c1 - 1, kind: "field" });
  inputMarks.push({ r0: conv.top, c0: conv.left, r1: conv.top + K - 1, c1: conv.left + K - 1, kind: "window" });
  page.inputView.mark(inputMarks);
  const pool = probe.pools[0];
  const poolWindow = pool && { r0: pool.top, c0: pool.left, r1: pool.top + pool.values.length - 1, c1: pool.left + pool.values.length - 1 };
  page.views.forEach((mapViews, g) => {
    for (const [name, view] of Object.entries(mapViews)) {
      const marks = [];
      if (g !== f) marks.length = 0;
      else if (name === probe.stage) marks.push({ r0: probe.row, c0: probe.col, r1: probe.row, c1: probe.col, kind: pinned ? "pin" : "pixel" });
      else if (poolWindow && name !== "pool") marks.push({ ...poolWindow, kind: "window" });
      else if (name !== "pool") marks.push({ r0: conv.row, c0: conv.col, r1: conv.row, c1: conv.col, kind: "window" });
      view.mark(marks);
      if (page.zoom && page.zoom.f === g && page.zoom.name === name) page.zoom.view.mark(marks);
    }
  });
}
