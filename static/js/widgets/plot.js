// Plot: a canvas line chart with axes, ticks and labels, a linear or log y scale, named series with
// a legend, shaded x-ranges, vertical markers and a hover guide (mouse, touch, keyboard).
// Draws only; the page decides what the data mean and writes its own readout from onHover.
//
// createPlot(el, options) -> { update(data), setHover(x), hover(), destroy() }
//
// options (all optional, and every one may be changed later through update):
//   label      accessible name of the chart
//   xLabel, yLabel
//   yScale     "linear" | "log" (values <= 0 are left out on a log scale)
//   xDomain, yDomain  [min, max]; otherwise fitted to the data (y with a 5% margin)
//   series     [{ name, x: [...], y: [...], color, width, dash: [on, off], dots, line, legend }]
//              (line: false with dots: true draws points only; hover: false skips the
//              series in the hover guide and in onHover's values)
//              non-finite points break the line (a diverged run simply stops)
//   ranges     [{ from, to, color, label }] shaded x-ranges (to/from may be ±Infinity)
//   markers    [{ x, color, label, dash }] vertical lines; `marker` is the one-marker shorthand
//   hlines     [{ y, color, label, dash }] horizontal reference lines
//   zeroLines  draw the x = 0 and y = 0 axes when inside the view (default true)
//   snap       hover snaps to the nearest x of the first series (discrete data, e.g. steps)
//   legend     false hides the legend
//   formatX, formatY  tick formatters (number -> string)
//   onHover(x, values)  x in data units (null when the pointer leaves), values = [{ name, y }]
//                       with each series interpolated at x
// The chart redraws when its element resizes and on the `cnnlab:resize` window event.

import { prepareCanvas } from "../canvas.js";
import { formatTick } from "../format.js";
import { interpolate, linearTicks, logTicks, nearest } from "../ticks.js";
import { t } from "../i18n.js";

const PALETTE = ["#0072b2", "#e69f00", "#009e73", "#d55e00", "#cc79a7", "#56b4e9", "#000000"];
const RANGE_FILL = "rgba(213, 94, 0, 0.13)";
const MAX_PIXEL = 1e5; // keeps huge values from overflowing canvas coordinates

const colorOf = (s, k) => s.color || PALETTE[k % PALETTE.length];

// The drawing steps below share one view: { ctx, box, x0, x1, y0, y1, px, py, font, ink, state,
// usable }, built by draw() for the current size and data.

function line(ctx, ax, ay, bx, by) {
  ctx.beginPath();
  ctx.moveTo(ax, ay);
  ctx.lineTo(bx, by);
  ctx.stroke();
}

// Shaded x-ranges, under everything else.
function drawRanges(v) {
  const { ctx, box, px, x0, x1 } = v;
  for (const range of v.state.ranges || []) {
    const a = Math.max(box.left, px(Math.max(range.from, x0)));
    const b = Math.min(box.left + box.width, px(Math.min(range.to, x1)));
    if (!(b > a)) continue;
    ctx.fillStyle = range.color || RANGE_FILL;
    ctx.fillRect(a, box.top, b - a, box.height);
    if (range.label && b - a > ctx.measureText(range.label).width + 6) {
      ctx.fillStyle = "#7a2e00";
      ctx.textAlign = "center";
      ctx.textBaseline = "top";
      ctx.fillText(range.label, (a + b) / 2, box.top + 3);
    }
  }
}

// Grid lines with their tick labels.
function drawGrid(v, yTicks) {
  const { ctx, box, px, py, font, state } = v;
  ctx.strokeStyle = "#e3e6ea";
  ctx.lineWidth = 1;
  ctx.fillStyle = v.ink;
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  for (const t of yTicks) {
    const y = Math.round(py(t)) + 0.5;
    if (y < box.top - 1 || y > box.top + box.height + 1) continue;
    line(ctx, box.left, y, box.left + box.width, y);
    ctx.fillText((state.formatY || formatTick)(t), box.left - font * 0.4, y);
  }
  const xTicks = linearTicks(v.x0, v.x1, Math.max(2, Math.round(box.width / (font * 5))));
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  for (const t of xTicks) {
    const x = Math.round(px(t)) + 0.5;
    line(ctx, x, box.top, x, box.top + box.height);
    ctx.fillText((state.formatX || formatTick)(t), x, box.top + box.height + font * 0.4);
  }
}

// The frame, x = 0 and y = 0 when visible, and the axis labels.
function drawAxes(v, height) {
  const { ctx, box, px, py, font, state } = v;
  ctx.strokeStyle = "#8a939e";
  ctx.strokeRect(box.left + 0.5, box.top + 0.5, box.width, box.height);
  if (state.zeroLines) {
    ctx.strokeStyle = "#5b6470";
    if (state.yScale !== "log" && v.y0 < 0 && v.y1 > 0) {
      const y = Math.round(py(0)) + 0.5;
      line(ctx, box.left, y, box.left + box.width, y);
    }
    if (v.x0 < 0 && v.x1 > 0) {
      const x = Math.round(px(0)) + 0.5;
      line(ctx, x, box.top, x, box.top + box.height);
    }
  }
  ctx.fillStyle = v.ink;
  if (state.xLabel) {
    ctx.textAlign = "center";
    ctx.textBaseline = "bottom";
    ctx.fillText(state.xLabel, box.left + box.width / 2, height - 2);
  }
  if (state.yLabel) {
    ctx.save();
    ctx.translate(font * 0.2, box.top + box.height / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    ctx.fillText(state.yScale === "log" ? t("{label} (log)", { label: state.yLabel }) : state.yLabel, 0, 0);
    ctx.restore();
  }
}

function drawHlines(v) {
  const { ctx, box, py } = v;
  for (const hline of v.state.hlines || []) {
    if (!v.usable(0, hline.y)) continue;
    const y = py(hline.y);
    ctx.strokeStyle = hline.color || "#5b6470";
    ctx.setLineDash(hline.dash || [5, 4]);
    line(ctx, box.left, y, box.left + box.width, y);
    if (hline.label) {
      ctx.fillStyle = hline.color || "#5b6470";
      ctx.textAlign = "left";
      ctx.textBaseline = "bottom";
      ctx.fillText(hline.label, box.left + 4, y - 2);
    }
  }
  ctx.setLineDash([]);
}

// Each series: a line broken at non-finite points, and dots when asked.
function drawSeries(v) {
  const { ctx, px, py, font } = v;
  v.state.series.forEach((s, k) => {
    const n = Math.min(s.x.length, s.y.length);
    ctx.strokeStyle = colorOf(s, k);
    ctx.lineWidth = s.width || 2;
    ctx.setLineDash(s.dash || []);
    ctx.beginPath();
    let down = false;
    for (let i = 0; i < n; i++) {
      if (!v.usable(s.x[i], s.y[i])) {
        down = false;
        continue;
      }
      if (down) ctx.lineTo(px(s.x[i]), py(s.y[i]));
      else ctx.moveTo(px(s.x[i]), py(s.y[i]));
      down = true;
    }
    if (s.line !== false) ctx.stroke();
    ctx.setLineDash([]);
    if (!s.dots) return;
    ctx.fillStyle = colorOf(s, k);
    for (let i = 0; i < n; i++) {
      if (!v.usable(s.x[i], s.y[i])) continue;
      ctx.beginPath();
      ctx.arc(px(s.x[i]), py(s.y[i]), Math.max(2.5, font * 0.22), 0, 2 * Math.PI);
      ctx.fill();
    }
  });
}

function drawMarkers(v) {
  const { ctx, box, px, font, state } = v;
  const markers = [...(state.markers || [])];
  if (state.marker !== undefined && state.marker !== null) {
    markers.push(typeof state.marker === "number" ? { x: state.marker } : state.marker);
  }
  for (const m of markers) {
    if (!Number.isFinite(m.x) || m.x < v.x0 || m.x > v.x1) continue;
    const x = Math.round(px(m.x)) + 0.5;
    ctx.strokeStyle = m.color || "#d55e00";
    ctx.lineWidth = 2;
    ctx.setLineDash(m.dash || [6, 4]);
    line(ctx, x, box.top, x, box.top + box.height);
    ctx.setLineDash([]);
    if (m.label) {
      ctx.fillStyle = m.color || "#d55e00";
      ctx.textAlign = x > box.left + box.width * 0.7 ? "right" : "left";
      ctx.textBaseline = "top";
      ctx.fillText(m.label, x + (ctx.textAlign === "left" ? 4 : -4), box.top + font * 1.4);
    }
  }
}

// The hover guide and a dot on each series.
function drawHover(v, hoverX) {
  const { ctx, box, px, py, font } = v;
  if (hoverX === null || hoverX < v.x0 || hoverX > v.x1) return;
  const x = Math.round(px(hoverX)) + 0.5;
  ctx.strokeStyle = "rgba(27, 31, 36, 0.55)";
  ctx.lineWidth = 1;
  line(ctx, x, box.top, x, box.top + box.height);
  v.state.series.forEach((s, k) => {
    if (s.hover === false) return;
    const y = interpolate(s.x, s.y, hoverX);
    if (y === null || !v.usable(hoverX, y)) return;
    ctx.fillStyle = "#fff";
    ctx.strokeStyle = colorOf(s, k);
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.arc(x, py(y), Math.max(3.5, font * 0.3), 0, 2 * Math.PI);
    ctx.fill();
    ctx.stroke();
  });
}

// [x0, x1, y0, y1] of the view (y in log10 on a log scale): the domains asked for, else the data.
export function extentOf(state) {
  const log = state.yScale === "log";
  const toY = (y) => (log ? (y > 0 ? Math.log10(y) : NaN) : y);
  let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
  for (const s of state.series) {
    const n = Math.min(s.x.length, s.y.length);
    for (let i = 0; i < n; i++) {
      const x = s.x[i];
      const ty = toY(s.y[i]);
      if (!Number.isFinite(x) || !Number.isFinite(ty)) continue;
      x0 = Math.min(x0, x);
      x1 = Math.max(x1, x);
      y0 = Math.min(y0, ty);
      y1 = Math.max(y1, ty);
    }
  }
  if (state.xDomain) [x0, x1] = state.xDomain;
  if (!Number.isFinite(x0)) [x0, x1] = [0, 1];
  if (x1 <= x0) [x0, x1] = [x0 - 1, x0 + 1];
  if (state.yDomain) {
    [y0, y1] = state.yDomain.map(toY);
  } else if (Number.isFinite(y0)) {
    const margin = (y1 - y0) * 0.05 || (log ? 0.5 : Math.abs(y0) * 0.1 || 1);
    [y0, y1] = [y0 - margin, y1 + margin];
  } else {
    [y0, y1] = log ? [-1, 1] : [0, 1];
  }
  if (!(y1 > y0)) [y0, y1] = [y0 - 1, y0 + 1];
  return [x0, x1, y0, y1];
}

export function createPlot(el, options = {}) {
  let state = {
    yScale: "linear",
    series: [],
    ranges: [],
    markers: [],
    hlines: [],
    zeroLines: true,
    legend: true,
    ...options,
  };
  let hoverX = null;
  let frame = null;
  let view = null; // the last drawn layout: pixel <-> data

  el.classList.add("plot");
  const canvas = document.createElement("canvas");
  canvas.className = "plot-canvas";
  canvas.tabIndex = 0;
  canvas.setAttribute("role", "img");
  const legend = document.createElement("div");
  legend.className = "plot-legend";
  el.replaceChildren(canvas, legend);

  const isLog = () => state.yScale === "log";
  const toY = (v) => (isLog() ? (v > 0 ? Math.log10(v) : NaN) : v);
  const usable = (x, y) => Number.isFinite(x) && Number.isFinite(y) && (!isLog() || y > 0);

  function layout(ctx, width, height, font, yTicks) {
    const format = state.formatY || formatTick;
    const labelWidth = Math.max(...yTicks.map((t) => ctx.measureText(format(t)).width), font);
    const left = Math.ceil(labelWidth + font * (state.yLabel ? 2.2 : 0.9));
    const bottom = Math.ceil(font * (state.xLabel ? 3.1 : 1.9));
    const top = Math.ceil(font * 0.9);
    const right = Math.ceil(font * 1.2);
    return { left, top, width: Math.max(10, width - left - right), height: Math.max(10, height - top - bottom) };
  }

  function draw() {
    frame = null;
    const rect = canvas.getBoundingClientRect();
    if (rect.width < 20 || rect.height < 20) return;
    const ctx = prepareCanvas(canvas, rect.width, rect.height);
    const style = getComputedStyle(canvas);
    const font = (parseFloat(style.fontSize) || 16) * 0.8;
    ctx.font = `${font}px ${style.fontFamily}`;
    ctx.lineJoin = "round";
    const [x0, x1, y0, y1] = extentOf(state);
    const guess = Math.max(2, Math.round(rect.height / (font * 3.2)));
    const yTicks = isLog() ? logTicks(y0, y1, guess) : linearTicks(y0, y1, guess);
    const box = layout(ctx, rect.width, rect.height, font, yTicks);
    const px = (x) => box.left + ((x - x0) / (x1 - x0)) * box.width;
    const pyT = (ty) => box.top + (1 - (ty - y0) / (y1 - y0)) * box.height;
    const py = (y) => Math.min(MAX_PIXEL, Math.max(-MAX_PIXEL, pyT(toY(y))));
    view = { ctx, box, x0, x1, y0, y1, px, py, font, ink: style.color || "#1b1f24", state, usable };
    drawRanges(view);
    drawGrid(view, yTicks);
    drawAxes(view, rect.height);
    ctx.save();
    ctx.beginPath();
    ctx.rect(box.left, box.top, box.width, box.height);
    ctx.clip();
    drawHlines(view);
    drawSeries(view);
    drawMarkers(view);
    drawHover(view, hoverX);
    ctx.restore();
  }

  function renderLegend() {
    legend.hidden = state.legend === false;
    const items = state.series
      .map((s, k) => [s, k])
      .filter(([s]) => s.name && s.legend !== false)
      .map(([s, k]) => {
        const item = document.createElement("span");
        item.className = "plot-legend-item";
        const swatch = document.createElement("span");
        swatch.className = s.line === false ? "plot-swatch dot" : s.dash ? "plot-swatch dashed" : "plot-swatch";
        swatch.style.borderColor = colorOf(s, k);
        item.append(swatch, document.createTextNode(s.name));
        return item;
      });
    legend.replaceChildren(...items);
  }

  function schedule() {
    if (frame) window.cancelAnimationFrame(frame);
    frame = window.requestAnimationFrame(draw);
  }

  function valuesAt(x) {
    return state.series
      .filter((s) => s.hover !== false)
      .map((s) => ({ name: s.name, y: x === null ? null : interpolate(s.x, s.y, x) }));
  }

  function setHover(x, notify = true) {
    if (x !== null && state.snap && state.series.length && state.series[0].x.length) {
      x = nearest(state.series[0].x, x);
    }
    hoverX = x;
    schedule();
    if (notify && state.onHover) state.onHover(x, valuesAt(x));
  }

  function fromPointer(event) {
    if (!view) return null;
    const rect = canvas.getBoundingClientRect();
    const offset = event.clientX - rect.left - view.box.left;
    const t = Math.min(Math.max(offset / view.box.width, 0), 1);
    return view.x0 + t * (view.x1 - view.x0);
  }

  // The guide's next x for a key: 1% of the view (10% with Shift), or one data point when
  // snapping (a tenth of the points with Shift).
  function keyTarget(event) {
    const span = view.x1 - view.x0;
    const delta = span * (event.shiftKey ? 0.1 : 0.01);
    const current = hoverX === null ? (view.x0 + view.x1) / 2 : hoverX;
    const moves = {
      ArrowRight: () => Math.min(view.x1, current + delta),
      ArrowLeft: () => Math.max(view.x0, current - delta),
      Home: () => view.x0,
      End: () => view.x1,
    };
    if (!moves[event.key]) return undefined;
    const xs = state.snap && state.series.length ? state.series[0].x : null;
    if (!xs || !xs.length || (event.key !== "ArrowRight" && event.key !== "ArrowLeft")) return moves[event.key]();
    let i = 0;
    xs.forEach((v, k) => {
      if (Math.abs(v - current) < Math.abs(xs[i] - current)) i = k;
    });
    const by = event.shiftKey ? Math.max(2, Math.round(xs.length / 10)) : 1;
    return xs[Math.min(xs.length - 1, Math.max(0, i + (event.key === "ArrowRight" ? by : -by)))];
  }

  const onMove = (event) => setHover(fromPointer(event));
  const onLeave = (event) => {
    if (event.pointerType === "mouse") setHover(null);
  };
  const onKey = (event) => {
    if (!view) return;
    if (event.key === "Escape") {
      setHover(null);
      return;
    }
    const next = keyTarget(event);
    if (next === undefined) return;
    event.preventDefault();
    event.stopPropagation(); // the chart has focus: keys move its guide, not a page timeline
    setHover(next);
  };
  canvas.addEventListener("pointermove", onMove);
  canvas.addEventListener("pointerdown", onMove);
  canvas.addEventListener("pointerleave", onLeave);
  canvas.addEventListener("keydown", onKey);
  const observer = typeof ResizeObserver === "function" ? new ResizeObserver(schedule) : null;
  if (observer) observer.observe(el);
  window.addEventListener("resize", schedule);
  window.addEventListener("cnnlab:resize", schedule);

  function apply(next) {
    state = { ...state, ...next };
    canvas.setAttribute("aria-label", state.label || t("Line plot"));
    renderLegend();
    schedule();
  }
  apply({});

  return {
    update(next = {}) {
      apply(next);
    },
    setHover(x) {
      setHover(x, false);
    },
    hover: () => hoverX,
    destroy() {
      if (frame) window.cancelAnimationFrame(frame);
      if (observer) observer.disconnect();
      window.removeEventListener("resize", schedule);
      window.removeEventListener("cnnlab:resize", schedule);
      el.replaceChildren();
      el.classList.remove("plot");
    },
  };
}
