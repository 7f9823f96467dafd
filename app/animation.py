"""Animated exports of the stepped lessons: frames drawn with Pillow from the lesson's numbers.

The numbers come from the same handlers the pages call (a conv2d or pool2d trace, an optimiser
race); this module only draws them. Every frame is FRAME_SIZE, a 16:9 picture that scales onto a
slide; a trace longer than the frame budget is sampled evenly, its first and last steps kept.
Frames are reduced to one fixed palette as they are drawn, so memory is frames × width × height
bytes at most (the budget below), and the file is encoded in memory, never written to disk.
"""

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

FRAME_SIZE = (960, 540)
MAX_FRAMES = 120
DEFAULT_FRAMES = 60
# The encoded file is refused above this (a 120-frame race is about 1 MB).
MAX_BYTES = 8_000_000
# Milliseconds per frame: a stepped lesson is read step by step, a race is watched.
STEP_MS = 600
RACE_MS = 80

# The site's maps (static/js/colormap.js): blue–white–orange for signed values, viridis for
# magnitudes, and the Okabe–Ito colours for the optimisers, in the race's order.
DIVERGING = [
    (33, 102, 172), (103, 169, 207), (209, 229, 240), (247, 247, 247),
    (254, 224, 182), (241, 163, 64), (179, 88, 6),
]  # fmt: skip
VIRIDIS = [
    (68, 1, 84), (72, 40, 120), (62, 74, 137), (49, 104, 142), (38, 130, 142),
    (31, 158, 137), (53, 183, 121), (110, 206, 88), (181, 222, 43), (253, 231, 37),
]  # fmt: skip
OKABE_ITO = [
    (0, 114, 178), (213, 94, 0), (0, 158, 115), (204, 121, 167),
    (86, 180, 233), (230, 159, 0), (0, 0, 0), (240, 228, 66),
]  # fmt: skip
INK = (17, 24, 39)
MUTED = (75, 85, 99)
LINE = (203, 213, 225)
PAD = (226, 232, 240)
WHITE = (255, 255, 255)
WINDOW = (0, 0, 0)


def ramp(anchors, t: float) -> tuple[int, int, int]:
    x = min(max(t, 0.0), 1.0) * (len(anchors) - 1)
    i = min(int(x), len(anchors) - 2)
    f = x - i
    return tuple(round(a + (b - a) * f) for a, b in zip(anchors[i], anchors[i + 1], strict=True))


def build_palette() -> Image.Image:
    """One palette for every frame: both ramps, greys and the UI colours (GIF allows 256)."""
    colours = [ramp(DIVERGING, i / 111) for i in range(112)]
    colours += [ramp(VIRIDIS, i / 79) for i in range(80)]
    colours += [(g, g, g) for g in range(0, 256, 8)]
    colours += OKABE_ITO + [INK, MUTED, LINE, PAD, WHITE]
    colours += [WHITE] * (256 - len(colours))
    palette = Image.new("P", (1, 1))
    palette.putpalette([v for c in colours for v in c])
    return palette


PALETTE = build_palette()


def font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size)


def number(value: float) -> str:
    text = f"{value:.3g}"
    return "0" if text == "-0" else text


@dataclass
class Animation:
    data: bytes
    frames: int
    width: int
    height: int
    duration_ms: int


def sample_steps(count: int, frames: int) -> list[int]:
    """`frames` step indices spread evenly over 0..count-1, the first and the last included."""
    if count <= frames:
        return list(range(count))
    return sorted({round(i * (count - 1) / (frames - 1)) for i in range(frames)})


def encode(frames: list[Image.Image], fmt: str, duration: int) -> Animation:
    buffer = io.BytesIO()
    options = {"save_all": True, "append_images": frames[1:], "duration": duration, "loop": 0}
    if fmt == "webp":
        frames[0].save(buffer, "WEBP", lossless=True, method=0, **options)
    else:
        frames[0].save(buffer, "GIF", optimize=False, **options)
    width, height = frames[0].size
    return Animation(buffer.getvalue(), len(frames), width, height, duration)


def render_tile(values, scale, cell, pad=None, blank=None) -> Image.Image:
    """The cells of one grid: colours (vectorised), cell borders, and numbers when they fit."""
    rows, cols = values.shape
    t = np.clip((values / scale + 1) / 2 if scale > 0 else np.full(values.shape, 0.5), 0, 1)
    stops = np.linspace(0, 1, len(DIVERGING))
    rgb = np.stack([np.interp(t, stops, [c[k] for c in DIVERGING]) for k in range(3)], axis=-1)
    rgb = np.rint(rgb).astype(np.uint8)
    if pad is not None:
        rgb[pad] = PAD
    if blank is not None:
        rgb[blank] = WHITE
    tile = Image.fromarray(rgb).resize((cols * cell, rows * cell), Image.Resampling.NEAREST)
    if cell >= 6:
        draw = ImageDraw.Draw(tile)
        for r in range(rows):
            for c in range(cols):
                box = (c * cell, r * cell, (c + 1) * cell - 1, (r + 1) * cell - 1)
                draw.rectangle(box, outline=LINE)
                if cell >= 26 and (blank is None or not blank[r, c]):
                    centre = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
                    text_font = font(max(10, int(cell * 0.4)))
                    draw.text(centre, number(float(values[r, c])), fill=INK, font=text_font,
                              anchor="mm")  # fmt: skip
    return tile


class Canvas:
    """One frame: an RGB picture reduced to PALETTE when finished."""

    def __init__(self, title: str, subtitle: str, tiles: dict | None = None):
        self.tiles = {} if tiles is None else tiles
        self.image = Image.new("RGB", FRAME_SIZE, WHITE)
        self.draw = ImageDraw.Draw(self.image)
        self.draw.text((24, 14), title, fill=INK, font=font(22))
        self.draw.text((24, 44), subtitle, fill=MUTED, font=font(15))

    def finish(self) -> Image.Image:
        return self.image.quantize(palette=PALETTE, dither=Image.Dither.NONE)

    def grid(self, x, y, cell, values, scale, label, highlight=(), pad=None, blank=None, marks=()):
        """A 2-D array as coloured cells (diverging, ±scale), numbers written when they fit.

        highlight: (row, col) cells outlined; pad: a mask of padding cells (drawn grey);
        blank: a mask of cells not computed yet (drawn empty); marks: cells with a dot.
        The cells are drawn once per label and blank mask (self.tiles, shared by the frames of
        one animation), the outlines on every frame.
        """
        self.draw.text((x, y - 18), label, fill=INK, font=font(13))
        key = (label, None if blank is None else blank.tobytes())
        if key not in self.tiles:
            self.tiles[key] = render_tile(values, scale, cell, pad, blank)
        self.image.paste(self.tiles[key], (x, y))
        width = max(2, cell // 8)
        for r, c in marks:
            cx, cy, radius = x + (c + 0.5) * cell, y + (r + 0.85) * cell, max(2, cell // 10)
            self.draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=INK)
        if highlight:
            rs = [r for r, _ in highlight]
            cs = [c for _, c in highlight]
            for r, c in highlight:
                box = (x + c * cell, y + r * cell, x + (c + 1) * cell - 1, y + (r + 1) * cell - 1)
                self.draw.rectangle(box, outline=WINDOW, width=1)
            outer = (x + min(cs) * cell, y + min(rs) * cell)
            outer += (x + (max(cs) + 1) * cell - 1, y + (max(rs) + 1) * cell - 1)
            self.draw.rectangle(outer, outline=WINDOW, width=width)

    def colorbar(self, x, y, label, low, high, anchors):
        """The scale every coloured view shows: a ramp from low to high with both ends written."""
        width, height = 220, 12
        for i in range(width):
            colour = ramp(anchors, i / (width - 1))
            self.draw.line((x + i, y, x + i, y + height), fill=colour)
        self.draw.rectangle((x, y, x + width, y + height), outline=MUTED)
        small = font(12)
        self.draw.text((x, y - 16), label, fill=INK, font=small)
        self.draw.text((x, y + height + 3), number(low), fill=INK, font=small)
        self.draw.text((x + width, y + height + 3), number(high), fill=INK, font=small, anchor="ra")


HGAP, VGAP, GROUP_GAP = 12, 26, 40  # pixels between tiles, rows of tiles (labels), groups


@dataclass
class Layout:
    cell: int
    columns: list[int]  # tiles per row, per group
    lefts: list[int]  # each group's left edge

    def tile(self, group: int, index: int, rows: int, cols: int, top: int) -> tuple[int, int]:
        """The top-left pixel of a group's index-th tile (rows × cols cells)."""
        n = self.columns[group]
        x = self.lefts[group] + (index % n) * (cols * self.cell + HGAP)
        y = top + (index // n) * (rows * self.cell + VGAP)
        return x, y


def layout(groups: list[tuple[int, int, int]], width: int, height: int) -> Layout:
    """Tiles side by side: groups of (count, rows, cols) grids, each group wrapped into the number
    of columns that gives the largest cells (2 to 44 pixels) in width × height."""

    def cell_for(columns):
        fixed_w = GROUP_GAP * (len(groups) - 1) + sum(HGAP * (n - 1) for n in columns)
        cells_w = sum(n * cols for n, (_, _, cols) in zip(columns, groups, strict=True))
        cell = (width - fixed_w) / cells_w
        for n, (count, rows, _) in zip(columns, groups, strict=True):
            lines = -(-count // n)
            cell = min(cell, (height - VGAP * (lines - 1)) / (lines * rows))
        return cell

    best = [1] * len(groups)
    for _ in range(3):  # coordinate ascent: a few passes settle for three groups
        for g, (count, _, _) in enumerate(groups):
            options = [best[:g] + [n] + best[g + 1 :] for n in range(1, count + 1)]
            best = max(options, key=cell_for)
    cell = int(max(2, min(44, cell_for(best))))
    lefts, x = [], 24
    for n, (_, _, cols) in zip(best, groups, strict=True):
        lefts.append(x)
        x += n * cols * cell + HGAP * (n - 1) + GROUP_GAP
    return Layout(cell, best, lefts)


def conv_frames(x, w, response: dict, frames: int, fmt: str, title: str) -> Animation:
    """x (C, H, W) and w (F, C, KH, KW) as sent; response as POST /api/conv2d returns it."""
    C, H, W = x.shape
    F, _, KH, KW = w.shape
    _, Hp, Wp = response["padded_shape"]
    out = np.asarray(response["output"], dtype=float)
    _, Ho, Wo = out.shape
    steps = response["steps"]
    ph, pw = (Hp - H) // 2, (Wp - W) // 2
    padded = np.zeros((C, Hp, Wp))
    padded[:, ph : ph + H, pw : pw + W] = x
    pad_mask = np.ones((Hp, Wp), dtype=bool)
    pad_mask[ph : ph + H, pw : pw + W] = False
    in_scale = float(max(np.abs(x).max(initial=0), np.abs(w).max(initial=0)))
    out_scale = float(np.abs(out).max(initial=0))
    top, bottom = 100, 80
    plan = layout(
        [(C, Hp, Wp), (C, KH, KW), (F, Ho, Wo)], FRAME_SIZE[0] - 48, FRAME_SIZE[1] - top - bottom
    )
    cell = plan.cell
    chosen = sample_steps(len(steps), frames)
    images, tiles = [], {}
    pending = np.ones((F, Ho, Wo), dtype=bool)  # output cells not computed yet
    reached = 0
    for n, index in enumerate(chosen):
        step = steps[index]
        f, row, col = step["filter"], step["row"], step["col"]
        for earlier in steps[reached : index + 1]:
            pending[earlier["filter"], earlier["row"], earlier["col"]] = False
        reached = index + 1
        sums = " + ".join(number(s) for s in step["channel_sums"])
        frame = Canvas(
            title,
            f"step {index + 1} of {len(steps)}: out[{f}, {row}, {col}] = {sums} + bias "
            f"{number(step['bias'])} = {number(step['value'])}",
            tiles,
        )
        window = [tuple(c) for c in step["cells"]]
        for c in range(C):
            frame.grid(*plan.tile(0, c, Hp, Wp, top), cell, padded[c], in_scale, f"input x[{c}]",
                       highlight=window, pad=pad_mask)  # fmt: skip
            frame.grid(
                *plan.tile(1, c, KH, KW, top), cell, w[f, c], in_scale, f"filter w[{f}, {c}]"
            )
        for g in range(F):
            current = [(row, col)] if g == f else ()
            frame.grid(*plan.tile(2, g, Ho, Wo, top), cell, out[g], out_scale, f"output [{g}]",
                       highlight=current, blank=pending[g])  # fmt: skip
        base = FRAME_SIZE[1] - 50
        frame.colorbar(24, base, "input and filters", -in_scale, in_scale, DIVERGING)
        frame.colorbar(300, base, "output", -out_scale, out_scale, DIVERGING)
        frame.draw.text((FRAME_SIZE[0] - 24, base + 18), f"frame {n + 1}/{len(chosen)}",
                        fill=MUTED, font=font(12), anchor="ra")  # fmt: skip
        images.append(frame.finish())
    return encode(images, fmt, STEP_MS)


def pool_frames(x, response: dict, frames: int, fmt: str, title: str) -> Animation:
    """x (C, H, W) as sent; response as POST /api/pool2d returns it."""
    C, H, W = x.shape
    _, Hp, Wp = response["padded_shape"]
    out = np.asarray(response["output"], dtype=float)
    _, Ho, Wo = out.shape
    steps = response["steps"]
    ph, pw = response["padding"]
    padded = np.zeros((C, Hp, Wp))
    padded[:, ph : ph + H, pw : pw + W] = x
    pad_mask = np.ones((Hp, Wp), dtype=bool)
    pad_mask[ph : ph + H, pw : pw + W] = False
    scale = float(max(np.abs(x).max(initial=0), np.abs(out).max(initial=0)))
    top, bottom = 100, 80
    plan = layout([(C, Hp, Wp), (C, Ho, Wo)], FRAME_SIZE[0] - 48, FRAME_SIZE[1] - top - bottom)
    cell = plan.cell
    chosen = sample_steps(len(steps), frames)
    images, tiles = [], {}
    pending = np.ones((C, Ho, Wo), dtype=bool)  # output cells not computed yet
    reached = 0
    for n, index in enumerate(chosen):
        step = steps[index]
        c0, row, col = step["channel"], step["row"], step["col"]
        for earlier in steps[reached : index + 1]:
            pending[earlier["channel"], earlier["row"], earlier["col"]] = False
        reached = index + 1
        if response["mode"] == "max":
            rule = f"max of the window = {number(step['value'])}"
        else:
            rule = (f"sum {number(sum(step['values']))} / {len(step['values'])} cells "
                    f"= {number(step['value'])}")  # fmt: skip
        subtitle = f"step {index + 1} of {len(steps)}: out[{c0}, {row}, {col}]: {rule}"
        frame = Canvas(title, subtitle, tiles)
        window = [tuple(c) for c in step["cells"]]
        winner = [tuple(step["winner_cell"])] if step.get("winner_cell") else []
        for c in range(C):
            here = c == c0
            frame.grid(*plan.tile(0, c, Hp, Wp, top), cell, padded[c], scale, f"input x[{c}]",
                       highlight=window if here else (), pad=pad_mask,
                       marks=winner if here else ())  # fmt: skip
            frame.grid(*plan.tile(1, c, Ho, Wo, top), cell, out[c], scale, f"output [{c}]",
                       highlight=[(row, col)] if here else (), blank=pending[c])  # fmt: skip
        base = FRAME_SIZE[1] - 50
        frame.colorbar(24, base, "values", -scale, scale, DIVERGING)
        if winner:
            frame.draw.text((300, base), "dot: the window's winner", fill=MUTED, font=font(12))
        frame.draw.text((FRAME_SIZE[0] - 24, base + 18), f"frame {n + 1}/{len(chosen)}",
                        fill=MUTED, font=font(12), anchor="ra")  # fmt: skip
        images.append(frame.finish())
    return encode(images, fmt, STEP_MS)


def race_frames(surface, response: dict, frames: int, fmt: str, title: str) -> Animation:
    """The optimisers' paths over the surface's heat map, step by step (POST /api/optimize)."""
    from app.core.surfaces import sample_grid  # the grid GET /api/surfaces/{name}/grid draws

    side = 420
    xs, ys, values = sample_grid(surface, 140)
    (x0, x1), (y0, y1) = surface.domain
    shown = np.array(values, dtype=float)
    finite = np.isfinite(shown)
    if surface.log_scale and surface.f_min is not None:
        shown = np.log10(np.maximum(shown - surface.f_min, 0) + 1e-12)
    low = float(shown[finite].min()) if finite.any() else 0.0
    high = float(shown[finite].max()) if finite.any() else 1.0
    t = np.where(finite, (shown - low) / (high - low or 1.0), 0.0)
    rgb = np.zeros(t.shape + (3,), dtype=np.uint8)
    for k in range(3):
        rgb[..., k] = np.interp(t, np.linspace(0, 1, len(VIRIDIS)), [c[k] for c in VIRIDIS])
    rgb[~finite] = PAD
    heat = Image.fromarray(rgb[::-1]).resize((side, side), Image.Resampling.BILINEAR)
    left, top = 24, 96

    runs = response["runs"]
    steps = response["steps"]
    # Each run's points in the plot's pixels, once; far-off points (a run away) are clipped to a
    # box around the plot so the drawing stays finite and cheap.
    paths = []
    for run in runs:
        points = np.asarray(run["points"], dtype=float).reshape(-1, 2)
        px = (points[:, 0] - x0) / (x1 - x0) * side
        py = (1 - (points[:, 1] - y0) / (y1 - y0)) * side
        paths.append(np.clip(np.stack([px, py], axis=1), -side, 2 * side))
    # The paths are drawn onto one plot as they grow (each segment once, however many frames).
    plot = heat.copy()
    plot_draw = ImageDraw.Draw(plot)
    drawn = [0] * len(runs)
    chosen = sample_steps(steps + 1, frames)
    images = []
    for n, index in enumerate(chosen):
        frame = Canvas(title, f"{surface.label}: step {index} of {steps}")
        for r, path in enumerate(paths):
            end = min(index, len(path) - 1)
            if end > drawn[r]:
                segment = path[drawn[r] : end + 1].ravel().tolist()
                plot_draw.line(segment, fill=OKABE_ITO[r % len(OKABE_ITO)], width=3)
                drawn[r] = end
        view = plot.copy()
        draw = ImageDraw.Draw(view)
        for r, path in enumerate(paths):
            cx, cy = path[min(index, len(path) - 1)]
            colour = OKABE_ITO[r % len(OKABE_ITO)]
            draw.ellipse((cx - 5, cy - 5, cx + 5, cy + 5), fill=colour, outline=WHITE)
        frame.image.paste(view, (left, top))
        frame.draw.rectangle((left, top, left + side, top + side), outline=MUTED)
        small = font(12)
        frame.draw.text((left, top + side + 4), f"x {number(x0)} … {number(x1)}", fill=MUTED,
                        font=small)  # fmt: skip
        frame.draw.text((left + side, top + side + 4), f"y {number(y0)} … {number(y1)}",
                        fill=MUTED, font=small, anchor="ra")  # fmt: skip
        key_x, key_y = left + side + 40, top
        for r, run in enumerate(runs):
            colour = OKABE_ITO[r % len(OKABE_ITO)]
            at = min(index, len(run["losses"]) - 1)
            frame.draw.rectangle((key_x, key_y + 4, key_x + 14, key_y + 18), fill=colour)
            state = f"loss {number(run['losses'][at])}"
            if run["diverged_at"] is not None and index >= run["diverged_at"]:
                state = f"diverged at step {run['diverged_at']}"
            lr = run["params"].get("lr")
            label = f"{run['label']}  lr {number(lr)}" if lr is not None else run["label"]
            frame.draw.text((key_x + 22, key_y), label, fill=INK, font=font(15))
            frame.draw.text((key_x + 22, key_y + 20), state, fill=MUTED, font=small)
            key_y += 46
        label = "log10(f - f_min)" if surface.log_scale and surface.f_min is not None else "f"
        frame.colorbar(key_x, FRAME_SIZE[1] - 50, label, low, high, VIRIDIS)
        frame.draw.text((FRAME_SIZE[0] - 24, FRAME_SIZE[1] - 32), f"frame {n + 1}/{len(chosen)}",
                        fill=MUTED, font=small, anchor="ra")  # fmt: skip
        images.append(frame.finish())
    return encode(images, fmt, RACE_MS)
