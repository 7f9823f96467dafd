"""The image filter lab's sample images, into static/img/samples/: python tools/make_samples.py.

Each sample shows something a filter extracts: edges and corners (shapes, checkerboard), the
orientation of edges (stripes, for Sobel/Prewitt x versus y), smooth intensity (gradients, for
blur versus edge filters) and fine detail (text, for blur and sharpen). Deterministic: the same
bytes every run.
"""

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

OUT = Path(__file__).resolve().parent.parent / "static" / "img" / "samples"
SIZE = 256


def shapes() -> Image.Image:
    im = Image.new("RGB", (SIZE, SIZE), (235, 232, 220))
    d = ImageDraw.Draw(im)
    d.rectangle((24, 28, 112, 116), fill=(0, 114, 178))
    d.ellipse((140, 24, 232, 116), fill=(230, 159, 0))
    d.polygon([(40, 232), (128, 140), (128, 232)], fill=(0, 158, 115))
    d.line((150, 150, 236, 236), fill=(40, 40, 40), width=6)
    d.rectangle((160, 200, 236, 240), outline=(213, 94, 0), width=5)
    return im


def checkerboard() -> Image.Image:
    y, x = np.mgrid[0:SIZE, 0:SIZE]
    board = ((x // 32 + y // 32) % 2) * 200 + 28
    return Image.fromarray(board.astype(np.uint8), "L")


def stripes() -> Image.Image:
    y, x = np.mgrid[0:SIZE, 0:SIZE]
    half = SIZE // 2
    vertical = (x // 12) % 2  # vertical stripes: Sobel x responds
    horizontal = (y // 12) % 2  # horizontal stripes: Sobel y responds
    diagonal = ((x + y) // 17) % 2  # diagonal: both respond
    rings = ((np.hypot(x - 3 * half / 2, y - 3 * half / 2) // 10) % 2).astype(int)
    out = np.where(
        y < half, np.where(x < half, vertical, horizontal), np.where(x < half, diagonal, rings)
    )
    return Image.fromarray((out * 190 + 40).astype(np.uint8), "L")


def gradients() -> Image.Image:
    y, x = np.mgrid[0:SIZE, 0:SIZE] / (SIZE - 1)
    r = 255 * x
    g = 255 * y
    b = 255 * np.clip(1 - 1.6 * np.hypot(x - 0.5, y - 0.5), 0, 1)
    return Image.fromarray(np.stack([r, g, b], -1).round().astype(np.uint8), "RGB")


def text() -> Image.Image:
    im = Image.new("L", (SIZE, SIZE), 250)
    d = ImageDraw.Draw(im)
    font = ImageFont.load_default(size=44)
    small = ImageFont.load_default(size=18)
    d.text((18, 30), "CNN lab", font=font, fill=20)
    d.text((18, 100), "conv - ReLU - pool", font=small, fill=30)
    d.text((18, 130), "edges · blur · sharpen", font=small, fill=90)
    for i in range(8):
        d.line((18 + i * 28, 180, 18 + i * 28 + 20, 240), fill=40, width=1 + i % 3)
    return im


def landscape() -> Image.Image:
    rng = np.random.default_rng(7)
    y, x = np.mgrid[0:SIZE, 0:SIZE].astype(float)
    sky = np.stack([120 + 0.3 * y, 170 + 0.2 * y, 235 - 0.1 * y], -1)
    img = sky.copy()
    sun = np.hypot(x - 190, y - 60) < 26
    img[sun] = (252, 220, 90)
    hills = 160 + 22 * np.sin(x / 30) + 10 * np.sin(x / 11 + 1)
    ground = y > hills
    grass = np.stack([70 + 0.2 * y, 130 + 0.1 * y, 60 + 0 * y], -1)
    img[ground] = grass[ground]
    img[ground] += rng.normal(0, 10, (ground.sum(), 1))
    return Image.fromarray(np.clip(img, 0, 255).round().astype(np.uint8), "RGB")


SAMPLES = {
    "shapes": shapes,
    "checkerboard": checkerboard,
    "stripes": stripes,
    "gradients": gradients,
    "text": text,
    "landscape": landscape,
}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, make in SAMPLES.items():
        make().save(OUT / f"{name}.png", optimize=True)
        print(OUT / f"{name}.png")


if __name__ == "__main__":
    main()
