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

export const STAGE_TITLES = { conv: "convolution", activation: "activation", pool: "pooling" };
export const CHANNEL_NAMES = ["R", "G", "B"];

export const TEXT = {
  pickImage: "Pick a sample, or drop, paste or pick an image of your own.",
  pickFilter: "Choose at least one preset or add your own kernel.",
  computing: "Computing…",
  done: (count, data, seconds) => `${count} filter${count === 1 ? "" : "s"} on ${data.width}×${data.height} in ${seconds.toFixed(2)} s`,
  imageUsed: (data) => `Image used: ${data.width}×${data.height}, ${data.channels === 1 ? "grayscale" : "RGB"}, values ÷ ${data.input.scale}.`,
  preparing: "Preparing the full-size PNG…",
  probeFailed: (message) => `Could not compute this pixel's arithmetic: ${message}`,
  stageTitle: (name, data) => {
    if (name === "activation") return data.activation === "relu" ? "ReLU max(0, x)" : "no activation";
    if (name === "pool") {
      const { mode, size, stride } = data.pool;
      return `${mode === "max" ? "max" : "average"} pool ${size}×${size}, stride ${stride || size}`;
    }
    return STAGE_TITLES[name];
  },
  preview: (factor) => ` · drawn 1:${factor} (block means)`,
  clipped: (below, above) => `Drawn as colour, 0 to 1: ${below} of values below 0 shown as 0, ${above} above 1 shown as 1.`,
  inRange: "Drawn as colour: every value lies in [0, 1].",
};
