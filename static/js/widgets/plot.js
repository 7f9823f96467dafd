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

const PALETTE = ["#0072b2", "#e69f00", "#009e73", "#d55e00", "#cc79a7", "#56b4e9", "#000000"];
const RANGE_FILL = "rgba(213, 94, 0, 0.13)";
const MAX_PIXEL = 1e5; // keeps huge values from overflowing canvas coordinates

export function niceStep(span, count) {
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10;
  return nice * power;
}

export function linearTicks(lo, hi, count) {
  if (!(hi > lo)) return [lo];
  const step = niceStep(hi - lo, count);
  const ticks = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) {
    ticks.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
  }
  return ticks;
}

// Ticks for a log axis given log10 bounds: whole decades, thinned when there are many.
export function logTicks(lo, hi, count) {
  const first = Math.ceil(lo - 1e-9);
  const last = Math.floor(hi + 1e-9);
  if (last - first < 1) return linearTicks(10 ** lo, 10 ** hi, count).filter((v) => v > 0);
  const every = Math.max(1, Math.ceil((last - first + 1) / Math.max(2, count)));
  const ticks = [];
  for (let e = first; e <= last; e++) if ((e - first) % every === 0) ticks.push(10 ** e);
  return ticks;
}

export function formatNumber(v) {
  if (v === 0) return "0";
  const abs = Math.abs(v);
  if (abs >= 1e5 || abs < 1e-3) {
    const [mantissa, exponent] = v.toExponential(1).split("e");
    const m = mantissa.replace(/\.0$/, "");
    return `${m === "1" ? "" : m === "-1" ? "-" : `${m}×`}1e${Number(exponent)}`;
  }
  return String(Number(v.toPrecision(4)));
}

// Linear interpolation of (xs, ys) at x; xs ascending. null outside the data or across a gap.
export function interpolate(xs, ys, x) {
  const n = Math.min(xs.length, ys.length);
  if (!n || x < xs[0] || x > xs[n - 1]) return null;
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] <= x) lo = mid;
    else hi = mid;
  }
  if (xs[hi] === x) return ys[hi];
  if (xs[lo] === x || hi === lo) return ys[lo];
  const t = (x - xs[lo]) / (xs[hi] - xs[lo]);
  const y = ys[lo] + (ys[hi] - ys[lo]) * t;
  return Number.isFinite(y) ? y : null;
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

  function extent() {
    let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
    for (const s of state.series) {
      const n = Math.min(s.x.length, s.y.length);
      for (let i = 0; i < n; i++) {
        const x = s.x[i];
        const y = s.y[i];
        if (!usable(x, y)) continue;
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        const ty = toY(y);
        if (ty < y0) y0 = ty;
        if (ty > y1) y1 = ty;
      }
    }
    if (state.xDomain) [x0, x1] = state.xDomain;
    if (!Number.isFinite(x0)) [x0, x1] = [0, 1];
    if (x1 <= x0) [x0, x1] = [x0 - 1, x0 + 1];
    if (state.yDomain) {
      [y0, y1] = state.yDomain.map(toY);
    } else if (Number.isFinite(y0)) {
      const margin = (y1 - y0) * 0.05 || (isLog() ? 0.5 : Math.abs(y0) * 0.1 || 1);
      [y0, y1] = [y0 - margin, y1 + margin];
    } else {
      [y0, y1] = isLog() ? [-1, 1] : [0, 1];
    }
    if (!(y1 > y0)) [y0, y1] = [y0 - 1, y0 + 1];
    return [x0, x1, y0, y1];
  }

  function layout(width, height, font, yTicks) {
    const ctx = canvas.getContext("2d");
    ctx.font = `${font}px ${getComputedStyle(canvas).fontFamily}`;
    const labelWidth = Math.max(...yTicks.map((t) => ctx.measureText(state.formatY ? state.formatY(t) : formatNumber(t)).width), font);
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
    const family = style.fontFamily;
    const ink = style.color || "#1b1f24";
    const [x0, x1, y0, y1] = extent();
    const guess = Math.max(2, Math.round(rect.height / (font * 3.2)));
    const yTicks = isLog() ? logTicks(y0, y1, guess) : linearTicks(y0, y1, guess);
    const box = layout(rect.width, rect.height, font, yTicks);
    const px = (x) => box.left + ((x - x0) / (x1 - x0)) * box.width;
    const pyT = (ty) => box.top + (1 - (ty - y0) / (y1 - y0)) * box.height;
    const py = (y) => Math.min(MAX_PIXEL, Math.max(-MAX_PIXEL, pyT(toY(y))));
    view = { box, x0, x1, px, py };
    ctx.font = `${font}px ${family}`;
    ctx.lineJoin = "round";

    // Shaded ranges, under everything else.
    for (const range of state.ranges || []) {
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

    // Grid and ticks.
    ctx.strokeStyle = "#e3e6ea";
    ctx.lineWidth = 1;
    ctx.fillStyle = ink;
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (const t of yTicks) {
      const y = Math.round(py(t)) + 0.5;
      if (y < box.top - 1 || y > box.top + box.height + 1) continue;
      ctx.beginPath();
      ctx.moveTo(box.left, y);
      ctx.lineTo(box.left + box.width, y);
      ctx.stroke();
      ctx.fillText(state.formatY ? state.formatY(t) : formatNumber(t), box.left - font * 0.4, y);
    }
    const xTicks = linearTicks(x0, x1, Math.max(2, Math.round(box.width / (font * 5))));
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    for (const t of xTicks) {
      const x = Math.round(px(t)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(x, box.top);
      ctx.lineTo(x, box.top + box.height);
      ctx.stroke();
      ctx.fillText(state.formatX ? state.formatX(t) : formatNumber(t), x, box.top + box.height + font * 0.4);
    }

    // Axes: the frame, and x = 0 / y = 0 when visible.
    ctx.strokeStyle = "#8a939e";
    ctx.strokeRect(box.left + 0.5, box.top + 0.5, box.width, box.height);
    if (state.zeroLines) {
      ctx.strokeStyle = "#5b6470";
      if (!isLog() && y0 < 0 && y1 > 0) {
        const y = Math.round(py(0)) + 0.5;
        ctx.beginPath();
        ctx.moveTo(box.left, y);
        ctx.lineTo(box.left + box.width, y);
        ctx.stroke();
      }
      if (x0 < 0 && x1 > 0) {
        const x = Math.round(px(0)) + 0.5;
        ctx.beginPath();
        ctx.moveTo(x, box.top);
        ctx.lineTo(x, box.top + box.height);
        ctx.stroke();
      }
    }

    // Axis labels.
    ctx.fillStyle = ink;
    if (state.xLabel) {
      ctx.textAlign = "center";
      ctx.textBaseline = "bottom";
      ctx.fillText(state.xLabel, box.left + box.width / 2, rect.height - 2);
    }
    if (state.yLabel) {
      ctx.save();
      ctx.translate(font * 0.2, box.top + box.height / 2);
      ctx.rotate(-Math.PI / 2);
      ctx.textAlign = "center";
      ctx.textBaseline = "top";
      ctx.fillText(state.yLabel + (isLog() ? " (log)" : ""), 0, 0);
      ctx.restore();
    }

    ctx.save();
    ctx.beginPath();
    ctx.rect(box.left, box.top, box.width, box.height);
    ctx.clip();

    for (const line of state.hlines || []) {
      if (!usable(0, line.y)) continue;
      const y = py(line.y);
      ctx.strokeStyle = line.color || "#5b6470";
      ctx.setLineDash(line.dash || [5, 4]);
      ctx.beginPath();
      ctx.moveTo(box.left, y);
      ctx.lineTo(box.left + box.width, y);
      ctx.stroke();
      if (line.label) {
        ctx.fillStyle = line.color || "#5b6470";
        ctx.textAlign = "left";
        ctx.textBaseline = "bottom";
        ctx.fillText(line.label, box.left + 4, y - 2);
      }
    }
    ctx.setLineDash([]);

    // Series.
    state.series.forEach((s, k) => {
      const color = s.color || PALETTE[k % PALETTE.length];
      const n = Math.min(s.x.length, s.y.length);
      ctx.strokeStyle = color;
      ctx.lineWidth = s.width || 2;
      ctx.setLineDash(s.dash || []);
      ctx.beginPath();
      let down = false;
      for (let i = 0; i < n; i++) {
        if (!usable(s.x[i], s.y[i])) {
          down = false;
          continue;
        }
        const x = px(s.x[i]);
        const y = py(s.y[i]);
        if (down) ctx.lineTo(x, y);
        else ctx.moveTo(x, y);
        down = true;
      }
      if (s.line !== false) ctx.stroke();
      ctx.setLineDash([]);
      if (s.dots) {
        ctx.fillStyle = color;
        for (let i = 0; i < n; i++) {
          if (!usable(s.x[i], s.y[i])) continue;
          ctx.beginPath();
          ctx.arc(px(s.x[i]), py(s.y[i]), Math.max(2.5, font * 0.22), 0, 2 * Math.PI);
          ctx.fill();
        }
      }
    });

    // Markers.
    const markers = [...(state.markers || [])];
    if (state.marker !== undefined && state.marker !== null) {
      markers.push(typeof state.marker === "number" ? { x: state.marker } : state.marker);
    }
    for (const m of markers) {
      if (!Number.isFinite(m.x) || m.x < x0 || m.x > x1) continue;
      const x = Math.round(px(m.x)) + 0.5;
      ctx.strokeStyle = m.color || "#d55e00";
      ctx.lineWidth = 2;
      ctx.setLineDash(m.dash || [6, 4]);
      ctx.beginPath();
      ctx.moveTo(x, box.top);
      ctx.lineTo(x, box.top + box.height);
      ctx.stroke();
      ctx.setLineDash([]);
      if (m.label) {
        ctx.fillStyle = m.color || "#d55e00";
        ctx.textAlign = x > box.left + box.width * 0.7 ? "right" : "left";
        ctx.textBaseline = "top";
        ctx.fillText(m.label, x + (ctx.textAlign === "left" ? 4 : -4), box.top + font * 1.4);
      }
    }

    // Hover guide and a dot on each series.
    if (hoverX !== null && hoverX >= x0 && hoverX <= x1) {
      const x = Math.round(px(hoverX)) + 0.5;
      ctx.strokeStyle = "rgba(27, 31, 36, 0.55)";
      ctx.lineWidth = 1;
      ctx.beginPath();
      ctx.moveTo(x, box.top);
      ctx.lineTo(x, box.top + box.height);
      ctx.stroke();
      state.series.forEach((s, k) => {
        if (s.hover === false) return;
        const y = interpolate(s.x, s.y, hoverX);
        if (y === null || !usable(hoverX, y)) return;
        ctx.fillStyle = "#fff";
        ctx.strokeStyle = s.color || PALETTE[k % PALETTE.length];
        ctx.lineWidth = 2;
        ctx.beginPath();
        ctx.arc(x, py(y), Math.max(3.5, font * 0.3), 0, 2 * Math.PI);
        ctx.fill();
        ctx.stroke();
      });
    }
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
        swatch.style.borderColor = s.color || PALETTE[k % PALETTE.length];
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
      const xs = state.series[0].x;
      let best = xs[0];
      for (const v of xs) if (Math.abs(v - x) < Math.abs(best - x)) best = v;
      x = best;
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

  const onMove = (event) => setHover(fromPointer(event));
  const onLeave = (event) => {
    if (event.pointerType === "mouse") setHover(null);
  };
  const onKey = (event) => {
    if (!view) return;
    const span = view.x1 - view.x0;
    const delta = span * (event.shiftKey ? 0.1 : 0.01);
    const current = hoverX === null ? (view.x0 + view.x1) / 2 : hoverX;
    const moves = {
      ArrowRight: () => Math.min(view.x1, current + delta),
      ArrowLeft: () => Math.max(view.x0, current - delta),
      Home: () => view.x0,
      End: () => view.x1,
    };
    if (event.key === "Escape") {
      setHover(null);
      return;
    }
    if (!moves[event.key]) return;
    event.preventDefault();
    event.stopPropagation(); // the chart has focus: keys move its guide, not a page timeline
    let next = moves[event.key]();
    const xs = state.snap && state.series.length ? state.series[0].x : null;
    if (xs && xs.length && (event.key === "ArrowRight" || event.key === "ArrowLeft")) {
      // Discrete data: one key press moves one data point.
      let i = 0;
      xs.forEach((v, k) => {
        if (Math.abs(v - current) < Math.abs(xs[i] - current)) i = k;
      });
      next = xs[Math.min(xs.length - 1, Math.max(0, i + (event.key === "ArrowRight" ? 1 : -1)))];
    }
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
    canvas.setAttribute("aria-label", state.label || "Line plot");
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
