// A feature map (or the input image) drawn from a source canvas at its own resolution, scaled to
// fit its box (crisp pixels when enlarged) and sharp on high-DPI screens, with outlined marks.
// Pointer events (mouse, pen and touch alike) report the map pixel under the pointer; the arrow
// keys move a cursor and Enter picks, so the keyboard works too.
//
// createFeatureMap(el, { label, onPoint(r, c), onPick(r, c), onLeave() }) ->
//   { draw(source, size), mark(marks), size(), destroy() }
// source: a canvas (or ImageBitmap); size: the map's { rows, cols } when the source is a smaller
// preview of it (default: the source's height × width). Pointer positions and marks are in map
// pixels: marks [{ r0, c0, r1, c1, kind }], inclusive; kind "window" | "pixel" | "pin" | "field".

const MARK_COLOURS = { window: "#e69f00", pixel: "#d55e00", pin: "#009e73", field: "#56b4e9" };

export function createFeatureMap(el, options = {}) {
  const canvas = document.createElement("canvas");
  canvas.className = "fm-canvas";
  canvas.tabIndex = 0;
  canvas.setAttribute("role", "img");
  if (options.label) canvas.setAttribute("aria-label", options.label);
  el.replaceChildren(canvas);
  let source = null;
  let grid = { rows: 1, cols: 1 };
  let marks = [];
  let cursor = null;
  let frame = null;

  const rows = () => grid.rows;
  const cols = () => grid.cols;

  function render() {
    frame = null;
    const rect = canvas.getBoundingClientRect();
    const dpr = window.devicePixelRatio || 1;
    const width = Math.max(1, Math.round(rect.width * dpr));
    const height = Math.max(1, Math.round(rect.height * dpr));
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    const ctx = canvas.getContext("2d");
    ctx.clearRect(0, 0, width, height);
    if (!source) return;
    // Enlarged maps keep square pixels; shrunk ones are smoothed rather than aliased.
    ctx.imageSmoothingEnabled = width < source.width;
    ctx.drawImage(source, 0, 0, width, height);
    const sx = width / cols();
    const sy = height / rows();
    const line = Math.max(2, Math.round(2 * dpr));
    for (const m of marks) {
      const x = m.c0 * sx;
      const y = m.r0 * sy;
      const w = (m.c1 - m.c0 + 1) * sx;
      const h = (m.r1 - m.r0 + 1) * sy;
      ctx.lineWidth = line + 2;
      ctx.strokeStyle = "rgba(255, 255, 255, 0.9)";
      ctx.strokeRect(x - line / 2, y - line / 2, w + line, h + line);
      ctx.lineWidth = line;
      ctx.strokeStyle = MARK_COLOURS[m.kind] || MARK_COLOURS.window;
      ctx.strokeRect(x - line / 2, y - line / 2, w + line, h + line);
      // A mark only a few screen pixels wide also gets a ring, so that it can be found.
      const ring = 12 * dpr;
      if (Math.max(w, h) < ring) {
        ctx.beginPath();
        ctx.arc(x + w / 2, y + h / 2, ring, 0, 2 * Math.PI);
        ctx.stroke();
      }
    }
  }

  function schedule() {
    if (frame === null) frame = window.requestAnimationFrame(render);
  }

  function at(event) {
    const rect = canvas.getBoundingClientRect();
    const c = Math.floor(((event.clientX - rect.left) / rect.width) * cols());
    const r = Math.floor(((event.clientY - rect.top) / rect.height) * rows());
    if (r < 0 || c < 0 || r >= rows() || c >= cols()) return null;
    return [r, c];
  }

  canvas.addEventListener("pointermove", (event) => {
    const rc = source && at(event);
    if (rc && options.onPoint) options.onPoint(rc[0], rc[1]);
  });
  canvas.addEventListener("pointerleave", () => options.onLeave && options.onLeave());
  canvas.addEventListener("click", (event) => {
    const rc = source && at(event);
    if (rc && options.onPick) options.onPick(rc[0], rc[1]);
  });
  canvas.addEventListener("keydown", (event) => {
    if (!source) return;
    const moves = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
    if (moves[event.key]) {
      event.preventDefault();
      const [dr, dc] = moves[event.key];
      const [r, c] = cursor || [Math.floor(rows() / 2), Math.floor(cols() / 2)];
      cursor = [Math.min(rows() - 1, Math.max(0, r + dr)), Math.min(cols() - 1, Math.max(0, c + dc))];
      if (options.onPoint) options.onPoint(cursor[0], cursor[1]);
    } else if (event.key === "Enter" && options.onPick) {
      event.preventDefault();
      const [r, c] = cursor || [Math.floor(rows() / 2), Math.floor(cols() / 2)];
      options.onPick(r, c);
    }
  });

  const observer = new ResizeObserver(schedule);
  observer.observe(canvas);
  window.addEventListener("cnnlab:resize", schedule);

  return {
    draw(next, size) {
      source = next;
      grid = size || { rows: next.height, cols: next.width };
      cursor = null;
      // The box keeps the map's aspect ratio (CSSOM, not a style attribute: the CSP forbids those).
      canvas.style.aspectRatio = `${grid.cols} / ${grid.rows}`;
      schedule();
    },
    mark(next) {
      marks = next || [];
      schedule();
    },
    size: () => ({ rows: rows(), cols: cols() }),
    destroy() {
      observer.disconnect();
      window.removeEventListener("cnnlab:resize", schedule);
      if (frame !== null) window.cancelAnimationFrame(frame);
      el.replaceChildren();
    },
  };
}
