// Surface: a 2-D field as a heatmap with contour lines, plus paths, markers and arrows on top.
// Used for loss surfaces f(x, y) and for the hyper-parameter search's map of final loss. Draws
// only; the page fetches. Scaled by devicePixelRatio, pointer events (touch works), redraws on
// resize and on the `cnnlab:resize` window event.
//
// createSurface(el, options) -> { update(data), toData(clientX, clientY), destroy() }
//
// options: label, xLabel, yLabel, formatX, formatY (tick formatters), aspect ([min, max] of
//   height / width), onPick(x, y) (a click or tap, in data units)
// data (every key optional; update merges):
//   domain     [[x0, x1], [y0, y1]]
//   field      { xs, ys, values: rows along y (values[i][j] at xs[j], ys[i]), scale: "log" |
//              "linear", floor: subtracted before the log (f_min), hatch: true to draw null
//              values with the HATCH pattern (f not finite) }  null values are drawn grey
//   contours   number of contour levels (0: none)
//   minima     [[x, y], ...] drawn as white stars
//   start      [x, y], a hollow ring
//   paths      [{ points: [[x, y], ...], upTo, color, width, dash, end: "diverged" }]
//   arrows     [{ from: [x, y], to: [x, y], color, pixels (fixed length, direction only), label }]
//   markers    [{ x, y, shape: "circle" | "square" | "ring", color, size, title }]
// After each draw, colorRange() gives the colour scale's [min, max] in the scale's units.

import { prepareCanvas } from "../canvas.js";
import { sequential } from "../colormap.js";
import { formatTick } from "../format.js";
import { linearTicks } from "../ticks.js";
import { t } from "../i18n.js";

const MARGIN = { left: 48, right: 12, top: 10, bottom: 34 };

// Where a field is not finite, with `hatch`: dark diagonal lines on light grey, unlike any colour
// of viridis (for every kind of colour vision); site.css's .optim-key.hatch is its legend key.
export const HATCH = { background: "#d9d9d9", line: "#1b1f24", spacing: 6 };

// Runs of null (non-finite) entries per row: [[i, j0, j1], ...], cells j0..j1-1 of row i.
export function holeRuns(values) {
  const runs = [];
  values.forEach((row, i) => {
    let start = -1;
    row.forEach((v, j) => {
      const hole = v === null || v === undefined || !Number.isFinite(v);
      if (hole && start < 0) start = j;
      if (!hole && start >= 0) {
        runs.push([i, start, j]);
        start = -1;
      }
    });
    if (start >= 0) runs.push([i, start, row.length]);
  });
  return runs;
}

// Colour value of a field entry: log10(v - floor) on a log scale (clamped at tiny), v otherwise.
export function colorValue(v, scale, floor, tiny) {
  if (v === null || v === undefined || !Number.isFinite(v)) return NaN;
  if (scale !== "log") return v;
  return Math.log10(Math.max(v - floor, tiny));
}

// Marching squares: line segments where the grid crosses `level`, in grid coordinates.
export function contourSegments(grid, nx, ny, level) {
  const segments = [];
  const at = (i, j) => grid[i * nx + j];
  for (let i = 0; i < ny - 1; i++) {
    for (let j = 0; j < nx - 1; j++) {
      const a = at(i, j);
      const b = at(i, j + 1);
      const c = at(i + 1, j + 1);
      const d = at(i + 1, j);
      if (!(Number.isFinite(a) && Number.isFinite(b) && Number.isFinite(c) && Number.isFinite(d))) continue;
      const points = [];
      const edge = (v0, v1, p0, p1) => {
        if ((v0 < level) !== (v1 < level)) {
          const t = (level - v0) / (v1 - v0);
          points.push([p0[0] + (p1[0] - p0[0]) * t, p0[1] + (p1[1] - p0[1]) * t]);
        }
      };
      edge(a, b, [j, i], [j + 1, i]);
      edge(b, c, [j + 1, i], [j + 1, i + 1]);
      edge(c, d, [j + 1, i + 1], [j, i + 1]);
      edge(d, a, [j, i + 1], [j, i]);
      if (points.length === 2) segments.push(points);
      else if (points.length === 4) segments.push([points[0], points[1]], [points[2], points[3]]);
    }
  }
  return segments;
}

export function createSurface(el, options = {}) {
  let data = { contours: 10, paths: [], arrows: [], markers: [], minima: [] };
  let frame = null;
  let cache = null; // the field's image and contours, rebuilt when the field changes
  let box = null;
  let range = [0, 1];

  el.classList.add("surface");
  const canvas = document.createElement("canvas");
  canvas.className = "surface-canvas";
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", options.label || t("Surface"));
  el.replaceChildren(canvas);

  const fmtX = options.formatX || formatTick;
  const fmtY = options.formatY || formatTick;
  const [minAspect, maxAspect] = options.aspect || [0.55, 1];

  function buildCache() {
    const field = data.field;
    if (!field) return null;
    const nx = field.xs.length;
    const ny = field.ys.length;
    const flat = field.values.flat();
    const finite = flat.filter((v) => v !== null && Number.isFinite(v));
    const floor = field.floor ?? (finite.length ? Math.min(...finite) : 0);
    const spread = finite.length ? Math.max(...finite) - floor : 1;
    const tiny = field.tiny ?? Math.max(spread * 1e-6, 1e-300);
    const grid = new Float64Array(nx * ny);
    let lo = Infinity;
    let hi = -Infinity;
    flat.forEach((v, k) => {
      const c = colorValue(v, field.scale, floor, tiny);
      grid[k] = c;
      if (Number.isFinite(c)) {
        lo = Math.min(lo, c);
        hi = Math.max(hi, c);
      }
    });
    if (!(hi > lo)) hi = lo + 1;
    const image = document.createElement("canvas");
    image.width = nx;
    image.height = ny;
    const ctx = image.getContext("2d");
    const pixels = ctx.createImageData(nx, ny);
    for (let i = 0; i < ny; i++) {
      for (let j = 0; j < nx; j++) {
        const c = grid[i * nx + j];
        const rgb = Number.isFinite(c) ? sequential((c - lo) / (hi - lo)) : [190, 190, 190];
        // Row i is ys[i]; the image's first row is the top of the plot (largest y).
        pixels.data.set([...rgb, 255], ((ny - 1 - i) * nx + j) * 4);
      }
    }
    ctx.putImageData(pixels, 0, 0);
    const levels = [];
    const count = data.contours || 0;
    for (let k = 1; k <= count; k++) levels.push(lo + ((hi - lo) * k) / (count + 1));
    const contours = levels.map((level) => contourSegments(grid, nx, ny, level));
    const holes = field.hatch ? holeRuns(field.values) : [];
    return { field, image, contours, holes, nx, ny, lo, hi };
  }

  function size() {
    const width = Math.max(200, el.clientWidth || 400);
    const [[x0, x1], [y0, y1]] = data.domain || [[0, 1], [0, 1]];
    const aspect = Math.min(maxAspect, Math.max(minAspect, (y1 - y0) / (x1 - x0)));
    const plotWidth = width - MARGIN.left - MARGIN.right;
    return { width, height: Math.round(plotWidth * aspect) + MARGIN.top + MARGIN.bottom };
  }

  function draw() {
    frame = null;
    const { width, height } = size();
    canvas.style.height = `${height}px`;
    const ctx = prepareCanvas(canvas, width, height);
    const [[x0, x1], [y0, y1]] = data.domain || [[0, 1], [0, 1]];
    box = { left: MARGIN.left, top: MARGIN.top, width: width - MARGIN.left - MARGIN.right };
    box.height = height - MARGIN.top - MARGIN.bottom;
    Object.assign(box, { x0, x1, y0, y1 });
    const px = (x) => box.left + ((x - x0) / (x1 - x0)) * box.width;
    const py = (y) => box.top + (1 - (y - y0) / (y1 - y0)) * box.height;
    const style = getComputedStyle(el);
    const font = parseFloat(style.fontSize) || 16;
    ctx.font = `${Math.round(font * 0.75)}px ${style.fontFamily}`;
    if (data.field && (!cache || cache.field !== data.field)) cache = buildCache();
    const v = { ctx, box, px, py };
    if (cache) {
      range = [cache.lo, cache.hi];
      drawField(v, cache);
    }
    drawAxes(v, height, { fmtX, fmtY, xLabel: options.xLabel, yLabel: options.yLabel });
    ctx.save();
    ctx.beginPath();
    ctx.rect(box.left, box.top, box.width, box.height);
    ctx.clip();
    for (const [mx, my] of data.minima || []) star(ctx, px(mx), py(my), 7);
    for (const path of data.paths || []) drawPath(v, path);
    for (const marker of data.markers || []) drawMarker(ctx, px(marker.x), py(marker.y), marker);
    for (const arrow of data.arrows || []) drawDataArrow(v, arrow);
    if (data.start) drawStart(v, data.start);
    ctx.restore();
  }

  function schedule() {
    if (frame) window.cancelAnimationFrame(frame);
    frame = window.requestAnimationFrame(draw);
  }

  function toData(clientX, clientY) {
    if (!box) return null;
    const rect = canvas.getBoundingClientRect();
    const tx = (clientX - rect.left - box.left) / box.width;
    const ty = (clientY - rect.top - box.top) / box.height;
    if (tx < 0 || tx > 1 || ty < 0 || ty > 1) return null;
    return [box.x0 + tx * (box.x1 - box.x0), box.y1 - ty * (box.y1 - box.y0)];
  }

  canvas.addEventListener("pointerdown", (event) => {
    if (!options.onPick) return;
    const point = toData(event.clientX, event.clientY);
    if (point) options.onPick(point[0], point[1]);
  });
  if (options.onPick) canvas.classList.add("pickable");
  const observer = typeof ResizeObserver === "function" ? new ResizeObserver(schedule) : null;
  if (observer) observer.observe(el);
  window.addEventListener("cnnlab:resize", schedule);

  return {
    update(next = {}) {
      data = { ...data, ...next };
      if ("field" in next || "contours" in next) cache = null;
      schedule();
    },
    // The colour scale's [min, max] in its units (log10 on a log scale), after the field is set.
    colorRange() {
      if (data.field && (!cache || cache.field !== data.field)) cache = buildCache();
      return cache ? [cache.lo, cache.hi] : range;
    },
    toData,
    destroy() {
      if (frame) window.cancelAnimationFrame(frame);
      if (observer) observer.disconnect();
      window.removeEventListener("cnnlab:resize", schedule);
      el.replaceChildren();
    },
  };
}

// The drawing steps share a view { ctx, box, px, py } (box: the plot area and its domain).

// The field's image, its pixels centred on the samples (half a cell beyond the ends), and contours.
function drawField({ ctx, box, px, py }, cache) {
  const { xs, ys } = cache.field;
  const dx = (xs[xs.length - 1] - xs[0]) / Math.max(1, cache.nx - 1);
  const dy = (ys[ys.length - 1] - ys[0]) / Math.max(1, cache.ny - 1);
  ctx.save();
  ctx.beginPath();
  ctx.rect(box.left, box.top, box.width, box.height);
  ctx.clip();
  ctx.imageSmoothingEnabled = true;
  const left = px(xs[0] - dx / 2);
  const top = py(ys[ys.length - 1] + dy / 2);
  ctx.drawImage(cache.image, left, top, px(xs[xs.length - 1] + dx / 2) - left, py(ys[0] - dy / 2) - top);
  if (cache.holes.length) drawHoles(ctx, cache.holes, (j) => px(xs[0] + (j - 0.5) * dx), (i) => py(ys[0] + (i - 0.5) * dy));
  ctx.strokeStyle = "rgba(255, 255, 255, 0.45)";
  ctx.lineWidth = 1;
  const gx = (j) => px(xs[0] + j * dx);
  const gy = (i) => py(ys[0] + i * dy);
  for (const segments of cache.contours) {
    ctx.beginPath();
    for (const [[ja, ia], [jb, ib]] of segments) {
      ctx.moveTo(gx(ja), gy(ia));
      ctx.lineTo(gx(jb), gy(ib));
    }
    ctx.stroke();
  }
  ctx.restore();
}

// The hatch over the non-finite cells; cx(j), cy(i): the pixel of cell corner (j, i).
function drawHoles(ctx, holes, cx, cy) {
  const tile = document.createElement("canvas");
  tile.width = tile.height = HATCH.spacing;
  const t = tile.getContext("2d");
  t.fillStyle = HATCH.background;
  t.fillRect(0, 0, HATCH.spacing, HATCH.spacing);
  t.strokeStyle = HATCH.line;
  t.lineWidth = 1.3;
  t.beginPath();
  for (const k of [-1, 0, 1]) {
    t.moveTo(k * HATCH.spacing, HATCH.spacing);
    t.lineTo((k + 1) * HATCH.spacing, 0);
  }
  t.stroke();
  const path = new Path2D();
  for (const [i, j0, j1] of holes) {
    const [x0, x1, y0, y1] = [cx(j0), cx(j1), cy(i), cy(i + 1)];
    path.rect(x0, Math.min(y0, y1), x1 - x0, Math.abs(y1 - y0));
  }
  ctx.fillStyle = ctx.createPattern(tile, "repeat");
  ctx.fill(path);
}

// The frame, ticks and axis labels.
function drawAxes({ ctx, box, px, py }, height, { fmtX, fmtY, xLabel, yLabel }) {
  ctx.strokeStyle = "#5b6470";
  ctx.fillStyle = "#1b1f24";
  ctx.strokeRect(box.left, box.top, box.width, box.height);
  ctx.textAlign = "center";
  ctx.textBaseline = "top";
  for (const t of linearTicks(box.x0, box.x1, Math.max(3, Math.floor(box.width / 80)))) {
    ctx.fillText(fmtX(t), px(t), box.top + box.height + 4);
  }
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  for (const t of linearTicks(box.y0, box.y1, Math.max(3, Math.floor(box.height / 50)))) {
    ctx.fillText(fmtY(t), box.left - 5, py(t));
  }
  ctx.textAlign = "center";
  ctx.textBaseline = "bottom";
  if (xLabel) ctx.fillText(xLabel, box.left + box.width / 2, height - 1);
  if (yLabel) {
    ctx.save();
    ctx.translate(12, box.top + box.height / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = "middle";
    ctx.fillText(yLabel, 0, 0);
    ctx.restore();
  }
}

// A path up to point upTo: a white halo under its colour, a dot at its head, a cross if diverged.
function drawPath({ ctx, px, py }, path) {
  const points = path.points || [];
  const last = Math.min(points.length - 1, path.upTo ?? points.length - 1);
  if (last < 0) return;
  ctx.lineJoin = "round";
  ctx.lineCap = "round";
  for (const [colour, width] of [["rgba(255, 255, 255, 0.85)", (path.width || 2) + 2.5], [path.color, path.width || 2]]) {
    ctx.beginPath();
    ctx.setLineDash(path.dash || []);
    ctx.strokeStyle = colour;
    ctx.lineWidth = width;
    for (let i = 0; i <= last; i++) {
      const [x, y] = points[i];
      if (i === 0) ctx.moveTo(px(x), py(y));
      else ctx.lineTo(px(x), py(y));
    }
    ctx.stroke();
  }
  ctx.setLineDash([]);
  const [hx, hy] = points[last];
  ctx.beginPath();
  ctx.arc(px(hx), py(hy), 5, 0, 2 * Math.PI);
  ctx.fillStyle = path.color;
  ctx.fill();
  ctx.lineWidth = 1.5;
  ctx.strokeStyle = "#fff";
  ctx.stroke();
  if (path.end === "diverged" && last === points.length - 1) cross(ctx, px(hx), py(hy), 8, path.color);
}

// An arrow in data units; with `pixels`, only its direction counts and it is that long.
function drawDataArrow({ ctx, px, py }, arrow) {
  const ax = px(arrow.from[0]);
  const ay = py(arrow.from[1]);
  let bx = px(arrow.to[0]);
  let by = py(arrow.to[1]);
  const length = Math.hypot(bx - ax, by - ay);
  if (!(length > 0.5)) return;
  if (arrow.pixels) {
    bx = ax + ((bx - ax) / length) * arrow.pixels;
    by = ay + ((by - ay) / length) * arrow.pixels;
  }
  drawArrow(ctx, ax, ay, bx, by, arrow.color, arrow.dash);
}

function drawStart({ ctx, px, py }, start) {
  ctx.beginPath();
  ctx.arc(px(start[0]), py(start[1]), 7, 0, 2 * Math.PI);
  ctx.lineWidth = 3;
  ctx.strokeStyle = "#fff";
  ctx.stroke();
  ctx.lineWidth = 1.5;
  ctx.strokeStyle = "#111";
  ctx.stroke();
}

function star(ctx, x, y, r) {
  ctx.beginPath();
  for (let k = 0; k < 10; k++) {
    const radius = k % 2 ? r * 0.45 : r;
    const angle = -Math.PI / 2 + (k * Math.PI) / 5;
    ctx.lineTo(x + radius * Math.cos(angle), y + radius * Math.sin(angle));
  }
  ctx.closePath();
  ctx.fillStyle = "#fff";
  ctx.fill();
  ctx.lineWidth = 1;
  ctx.strokeStyle = "#111";
  ctx.stroke();
}

function cross(ctx, x, y, r, colour) {
  ctx.beginPath();
  ctx.moveTo(x - r, y - r);
  ctx.lineTo(x + r, y + r);
  ctx.moveTo(x + r, y - r);
  ctx.lineTo(x - r, y + r);
  ctx.lineWidth = 3;
  ctx.strokeStyle = colour;
  ctx.stroke();
}

function drawMarker(ctx, x, y, marker) {
  const r = marker.size || 4;
  ctx.beginPath();
  if (marker.shape === "square") ctx.rect(x - r, y - r, 2 * r, 2 * r);
  else ctx.arc(x, y, r, 0, 2 * Math.PI);
  if (marker.shape === "ring") {
    ctx.lineWidth = 3;
    ctx.strokeStyle = "#fff";
    ctx.stroke();
    ctx.lineWidth = 1.5;
    ctx.strokeStyle = marker.color || "#111";
    ctx.stroke();
    return;
  }
  ctx.fillStyle = marker.color || "#fff";
  ctx.fill();
  ctx.lineWidth = 1;
  ctx.strokeStyle = "#111";
  ctx.stroke();
}

function drawArrow(ctx, ax, ay, bx, by, colour, dash) {
  const angle = Math.atan2(by - ay, bx - ax);
  const head = 8;
  for (const [stroke, width] of [["#fff", 4.5], [colour, 2.2]]) {
    ctx.beginPath();
    ctx.setLineDash(dash || []);
    ctx.moveTo(ax, ay);
    ctx.lineTo(bx, by);
    ctx.strokeStyle = stroke;
    ctx.lineWidth = width;
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.beginPath();
    ctx.moveTo(bx, by);
    ctx.lineTo(bx - head * Math.cos(angle - 0.45), by - head * Math.sin(angle - 0.45));
    ctx.moveTo(bx, by);
    ctx.lineTo(bx - head * Math.cos(angle + 0.45), by - head * Math.sin(angle + 0.45));
    ctx.stroke();
  }
}
