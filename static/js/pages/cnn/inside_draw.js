// Drawing an example of one's own: a side×side canvas (28×28, the data sets' size) painted with a
// brush whose profile is the `shapes` strokes' (value = clip(width/2 + 0.5 − distance, 0, 1), so
// it looks like the data: light anti-aliased strokes on black), with undo and clear; and the
// compact text of an image for the URL. Values are kept at 256 grey levels (k / 255), exactly
// what the link carries, so a shared link shows the same numbers.
//
// encodeImage(values) -> text: two hex digits per pixel, a run of 1 to 20 black pixels as one
// letter g..z. decodeImage(text, count) -> Float64Array or null (text that is not an image).
//
// createDrawing(el, { side, label, onChange(values) }) -> { set(values), values(), clear(),
//   undo(), canUndo() }

const RUN_LETTERS = "ghijklmnopqrstuvwxyz"; // g = 1 black pixel, ..., z = 20
export const BRUSH_WIDTH = 2.2; // pixels: the middle of the data's strokes (1.2 to 2.6)

export function quantize(values) {
  return Float64Array.from(values, (v) => Math.round(255 * Math.min(1, Math.max(0, v))) / 255);
}

export function encodeImage(values) {
  let text = "";
  let zeros = 0;
  const flush = () => {
    while (zeros > 0) {
      const n = Math.min(zeros, RUN_LETTERS.length);
      text += RUN_LETTERS[n - 1];
      zeros -= n;
    }
  };
  for (const v of values) {
    const level = Math.round(255 * Math.min(1, Math.max(0, v)));
    if (level === 0) {
      zeros += 1;
      continue;
    }
    flush();
    text += level.toString(16).padStart(2, "0");
  }
  flush();
  return text;
}

export function decodeImage(text, count) {
  if (typeof text !== "string" || !/^[0-9a-z]*$/.test(text)) return null;
  const values = [];
  for (let i = 0; i < text.length; ) {
    const run = RUN_LETTERS.indexOf(text[i]);
    if (run >= 0) {
      for (let k = 0; k <= run; k++) values.push(0);
      i += 1;
      continue;
    }
    const pair = text.slice(i, i + 2);
    if (!/^[0-9a-f]{2}$/.test(pair)) return null;
    values.push(parseInt(pair, 16) / 255);
    i += 2;
  }
  return values.length === count ? Float64Array.from(values) : null;
}

// The brush along a segment a→b (in pixel coordinates, pixel centres at integers), into values.
export function paintSegment(values, side, a, b, width = BRUSH_WIDTH) {
  const reach = width / 2 + 0.5;
  const [x0, x1] = [Math.min(a[0], b[0]) - reach, Math.max(a[0], b[0]) + reach];
  const [y0, y1] = [Math.min(a[1], b[1]) - reach, Math.max(a[1], b[1]) + reach];
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const length2 = Math.max(dx * dx + dy * dy, 1e-6);
  for (let y = Math.max(0, Math.ceil(y0)); y <= Math.min(side - 1, Math.floor(y1)); y++) {
    for (let x = Math.max(0, Math.ceil(x0)); x <= Math.min(side - 1, Math.floor(x1)); x++) {
      const t = Math.min(1, Math.max(0, ((x - a[0]) * dx + (y - a[1]) * dy) / length2));
      const d = Math.hypot(x - (a[0] + t * dx), y - (a[1] + t * dy));
      const v = Math.min(1, Math.max(0, reach - d));
      const i = y * side + x;
      if (v > values[i]) values[i] = v;
    }
  }
}

export function createDrawing(el, options) {
  const { side } = options;
  const canvas = document.createElement("canvas");
  canvas.width = side;
  canvas.height = side;
  canvas.className = "cnn-in-draw-canvas";
  canvas.tabIndex = 0;
  canvas.setAttribute("role", "img");
  canvas.setAttribute("aria-label", options.label);
  el.replaceChildren(canvas);
  let values = new Float64Array(side * side);
  const history = [];
  let last = null; // the pointer's last position while drawing
  let cursor = null; // the keyboard pen: [x, y] and whether it is down
  let penDown = false;

  function paint() {
    const ctx = canvas.getContext("2d");
    const image = ctx.createImageData(side, side);
    values.forEach((v, i) => {
      const g = Math.round(255 * v);
      image.data.set([g, g, g, 255], i * 4);
    });
    if (cursor) image.data.set(penDown ? [213, 94, 0, 255] : [0, 158, 115, 255], (cursor[1] * side + cursor[0]) * 4);
    ctx.putImageData(image, 0, 0);
  }

  function commit() {
    values = quantize(values);
    paint();
    options.onChange(values);
  }

  const at = (event) => {
    const rect = canvas.getBoundingClientRect();
    return [((event.clientX - rect.left) / rect.width) * side - 0.5, ((event.clientY - rect.top) / rect.height) * side - 0.5];
  };

  canvas.addEventListener("pointerdown", (event) => {
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    history.push(values.slice());
    last = at(event);
    paintSegment(values, side, last, last);
    paint();
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!last) return;
    const next = at(event);
    paintSegment(values, side, last, next);
    last = next;
    paint();
  });
  const end = () => {
    if (!last) return;
    last = null;
    commit();
  };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);

  // Keyboard: the arrows move a pen, space lifts or lowers it (a lowered pen draws as it moves).
  canvas.addEventListener("keydown", (event) => {
    const moves = { ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0] };
    if (moves[event.key]) {
      event.preventDefault();
      const from = cursor || [Math.floor(side / 2), Math.floor(side / 2)];
      const to = [Math.min(side - 1, Math.max(0, from[0] + moves[event.key][0])), Math.min(side - 1, Math.max(0, from[1] + moves[event.key][1]))];
      cursor = to;
      if (penDown) {
        paintSegment(values, side, from, to);
        commit();
      } else paint();
    } else if (event.key === " " || event.key === "Enter") {
      event.preventDefault();
      cursor = cursor || [Math.floor(side / 2), Math.floor(side / 2)];
      penDown = !penDown;
      if (penDown) {
        history.push(values.slice());
        paintSegment(values, side, cursor, cursor);
        commit();
      } else paint();
    }
  });
  canvas.addEventListener("blur", () => {
    cursor = null;
    penDown = false;
    paint();
  });

  paint();
  return {
    set(next) {
      values = Float64Array.from(next);
      paint();
    },
    values: () => values,
    canUndo: () => history.length > 0,
    undo() {
      if (!history.length) return;
      values = history.pop();
      commit();
    },
    clear() {
      history.push(values.slice());
      values = new Float64Array(side * side);
      commit();
    },
  };
}
