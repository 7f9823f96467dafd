// The image lab's words: samples, colour modes, stage names and messages, in one place.

export const SAMPLES = [
  ["shapes", "Shapes", "edges and corners"],
  ["stripes", "Stripes", "edge orientation: Sobel x vs y"],
  ["checkerboard", "Checkerboard", "edges both ways, corners"],
  ["gradients", "Gradients", "smooth intensity, colour channels"],
  ["text", "Text", "fine detail: blur and sharpen"],
  ["landscape", "Landscape", "a photo-like scene with noise"],
];

export const COLOR_EXPLAIN = {
  gray: "One channel: each pixel's luma 0.299 R + 0.587 G + 0.114 B, divided by 255. A K×K kernel gives one feature map.",
  rgb: "Three channels, each convolved on its own with the same K×K kernel: three maps, shown together as a colour picture, as an image editor does.",
  full: "Three channels and a kernel of depth 3 (one K×K slice per channel): the products are summed over all channels into one feature map, as a CNN layer does. A preset becomes three slices of one third each.",
};

export const DISPLAY_EXPLAIN = {
  robust: (lo, hi) =>
    `Robust range: each stage is drawn from its ${lo}st to its ${hi}th percentile, so that a few strong values do not leave the rest of a photo near the middle of the scale; the values outside are drawn at the ends, and their share is said under the map.`,
  full: () => "Full range: each stage is drawn from its min to its max; nothing is clipped, but a few strong edges can leave the rest faint.",
  signed: "Signed: negative and positive values in two colours.",
  magnitude: "Magnitude: |value|, so that an edge shows alike whichever way it goes (dark to bright or bright to dark).",
};

// Sizes on this page are written width×height; arrays come as [..., H, W].
export const size = (shape) => `${shape[shape.length - 1]}×${shape[shape.length - 2]}`;

export const STAGE_TITLES = { conv: "convolution", activation: "activation", pool: "pooling" };
export const CHANNEL_NAMES = ["R", "G", "B"];

export const TEXT = {
  pickImage: "Pick a sample, or drop, paste or pick an image of your own.",
  pickFilter: "Choose at least one preset or add your own kernel: with no filter there is no feature map to show.",
  computing: "Computing…",
  preparingImage: "Reading the image…",
  done: (count, data, seconds) => `${count} filter${count === 1 ? "" : "s"} on ${data.width}×${data.height} (width×height) in ${seconds.toFixed(2)} s`,
  imageUsed: (data, scale) => `Image used: ${data.width}×${data.height} (width×height), ${data.channels === 1 ? "grayscale" : "RGB"}, values ÷ ${scale}.`,
  preparing: "Preparing the full-size PNG…",
  zooming: "Fetching the full-resolution map…",
  refused: "No feature maps are shown: the last request was refused (the reason is next to its control). Change it, or pick another image.",
  probeFailed: "This pixel's arithmetic could not be computed; point at the map again, or pick another pixel.",
  network: "The server could not be reached: check the connection and try again.",
  stageTitle: (name, data) => {
    if (name === "activation") return data.activation === "relu" ? "ReLU max(0, x)" : "no activation";
    if (name === "pool") {
      const { mode, size: k, stride } = data.pool;
      return `${mode === "max" ? "max" : "average"} pool ${k}×${k}, stride ${stride || k}`;
    }
    return STAGE_TITLES[name];
  },
  preview: (factor) => ` · preview 1:${factor} (block means)`,
  drawn: (stage, fmt) => {
    const what = stage.view === "magnitude" ? "|value|" : "values";
    const range = `${what} ${fmt(stage.display_min)} to ${fmt(stage.display_max)}`;
    if (stage.contrast === "full") return `Drawn over the full range (${range}); nothing clipped.`;
    const share = stage.clipped_percent.toFixed(1);
    return `Drawn over the robust range, ${range}: ${share}% of the values lie outside it and are drawn at its ends.`;
  },
  uploadNote: (original, sent, bytes, type) =>
    `Downscaled in your browser from ${original} to ${sent} (width×height) and sent as a ${Math.round(bytes / 1024)} KB ${type}; the original file is not uploaded.`,
  sentAsIs: (bytes) => `Sent as it is (${Math.round(bytes / 1024)} KB).`,
};
