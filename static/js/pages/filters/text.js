// The image lab's words: samples, colour modes, stage names and messages, in one place.

import { t, tn } from "../../i18n.js";

export const SAMPLES = [
  ["shapes", t("Shapes"), t("edges and corners")],
  ["stripes", t("Stripes"), t("edge orientation: Sobel x vs y")],
  ["checkerboard", t("Checkerboard"), t("edges both ways, corners")],
  ["gradients", t("Gradients"), t("smooth intensity, colour channels")],
  ["text", t("Text"), t("fine detail: blur and sharpen")],
  ["landscape", t("Landscape"), t("a photo-like scene with noise")],
];

export const COLOR_EXPLAIN = {
  gray: t("One channel: each pixel's luma 0.299 R + 0.587 G + 0.114 B, divided by 255. A K×K kernel gives one feature map."),
  rgb: t("Three channels, each convolved on its own with the same K×K kernel: three maps, shown together as a colour picture, as an image editor does."),
  full: t("Three channels and a kernel of depth 3 (one K×K slice per channel): the products are summed over all channels into one feature map, as a CNN layer does. A preset becomes three slices of one third each."),
};

export const DISPLAY_EXPLAIN = {
  robust: (lo, hi) =>
    t("Robust range: each stage is drawn from its {lo}st to its {hi}th percentile, so that a few strong values do not leave the rest of a photo near the middle of the scale; the values outside are drawn at the ends, and their share is said under the map.", { lo, hi }),
  full: () => t("Full range: each stage is drawn from its min to its max; nothing is clipped, but a few strong edges can leave the rest faint."),
  signed: t("Signed: negative and positive values in two colours."),
  magnitude: t("Magnitude: |value|, so that an edge shows alike whichever way it goes (dark to bright or bright to dark)."),
};

// Sizes on this page are written width×height; arrays come as [..., H, W].
export const size = (shape) => `${shape[shape.length - 1]}×${shape[shape.length - 2]}`;

export const STAGE_TITLES = { conv: t("convolution"), activation: t("activation"), pool: t("pooling") };
export const CHANNEL_NAMES = ["R", "G", "B"];

export const TEXT = {
  codeTooLarge: (width, height, side) =>
    t("the image the filters see is {width}×{height}; a program holds its pixels only up to {side}×{side} (more would be megabytes of numbers): pick a sample, or an image of at most {side} pixels a side.", { width, height, side }),
  pickImage: t("Pick a sample, or drop, paste or pick an image of your own."),
  pickFilter: t("Choose at least one preset or add your own kernel: with no filter there is no feature map to show."),
  computing: t("Computing…"),
  preparingImage: t("Reading the image…"),
  done: (count, data, seconds) =>
    tn("{n} filter on {width}×{height} (width×height) in {seconds} s", "{n} filters on {width}×{height} (width×height) in {seconds} s", count, {
      width: data.width,
      height: data.height,
      seconds: seconds.toFixed(2),
    }),
  imageUsed: (data, scale) =>
    data.channels === 1
      ? t("Image used: {width}×{height} (width×height), grayscale, values ÷ {scale}.", { width: data.width, height: data.height, scale })
      : t("Image used: {width}×{height} (width×height), RGB, values ÷ {scale}.", { width: data.width, height: data.height, scale }),
  preparing: t("Preparing the full-size PNG…"),
  zooming: t("Fetching the full-resolution map…"),
  refused: t("No feature maps are shown: the last request was refused (the reason is next to its control). Change it, or pick another image."),
  probeFailed: t("This pixel's arithmetic could not be computed; point at the map again, or pick another pixel."),
  network: t("The server could not be reached: check the connection and try again."),
  stageTitle: (name, data) => {
    if (name === "activation") return data.activation === "relu" ? "ReLU max(0, x)" : t("no activation");
    if (name === "pool") {
      const { mode, size: k, stride } = data.pool;
      const params = { k, stride: stride || k };
      return mode === "max" ? t("max pool {k}×{k}, stride {stride}", params) : t("average pool {k}×{k}, stride {stride}", params);
    }
    return STAGE_TITLES[name];
  },
  preview: (factor) => t(" · preview 1:{factor} (block means)", { factor }),
  drawn: (stage, fmt) => {
    const params = { low: fmt(stage.display_min), high: fmt(stage.display_max) };
    const magnitude = stage.view === "magnitude";
    if (stage.contrast === "full") {
      return magnitude
        ? t("Drawn over the full range (|value| {low} to {high}); nothing clipped.", params)
        : t("Drawn over the full range (values {low} to {high}); nothing clipped.", params);
    }
    params.share = `${stage.clipped_percent.toFixed(1)}%`;
    return magnitude
      ? t("Drawn over the robust range, |value| {low} to {high}: {share} of the values lie outside it and are drawn at its ends.", params)
      : t("Drawn over the robust range, values {low} to {high}: {share} of the values lie outside it and are drawn at its ends.", params);
  },
  uploadNote: (original, sent, bytes, type) =>
    t("Downscaled in your browser from {original} to {sent} (width×height) and sent as a {kb} KB {type}; the original file is not uploaded.", {
      original,
      sent,
      kb: Math.round(bytes / 1024),
      type,
    }),
  sentAsIs: (bytes) => t("Sent as it is ({kb} KB).", { kb: Math.round(bytes / 1024) }),
  sampleFailed: (name) => t("the sample {name} could not be loaded", { name }),
  pastedImage: t("pasted image"),
};
