// What the activations lesson says about each function, and its colours (Okabe–Ito first).
// Labels and default α come from the core's catalogue (app/core/activations.py FUNCTIONS).

import { t } from "../../i18n.js";

export const COLORS = {
  sigmoid: "#0072b2",
  tanh: "#e69f00",
  relu: "#009e73",
  leaky_relu: "#d55e00",
  prelu: "#cc79a7",
  elu: "#56b4e9",
  maxout: "#000000",
  gelu: "#7f3c8d",
  silu: "#8c6d31",
  softplus: "#6b7f99",
};

// The state key of each function's α slider.
export const ALPHA_KEYS = { leaky_relu: "la", prelu: "pa", elu: "ea" };

// The functions of the lecture notes; the others are drawn as modern additions.
export const LECTURE = ["sigmoid", "tanh", "relu", "leaky_relu", "prelu", "elu", "maxout"];

export const MAXOUT_PRESETS = { relu: "0,0;1,0", leaky: "0.01,0;1,0", abs: "-1,0;1,0" };

export const NOTES = {
  sigmoid: t(
    "Squashes any input into (0, 1). Saturated neurons kill gradients: f' is at most 0.25 and almost 0 for large |x|. Outputs are not zero-centred (非0中心化): all positive, so the next layer's weight gradients all share one sign and updates zig-zag. Typical in fully connected layers (全连接层) and for probabilities.",
  ),
  tanh: t("Squashes into (−1, 1) and is zero-centred, an improvement on the sigmoid, but it still kills gradients when saturated (f' → 0 for large |x|)."),
  relu: t(
    "Does not saturate for x > 0, costs one comparison, and converges much faster than sigmoid/tanh. Not zero-centred. f' = 0 for x ≤ 0: it kills the gradient of every negative input, and a unit that no input activates is dead for good (experiment 2): be careful with the learning rate. The usual choice in conv layers.",
  ),
  leaky_relu: t(
    "A small slope α for x < 0: does not saturate, is cheap, converges faster than sigmoid/tanh and does not kill gradients, so a unit can always recover. (The lecture notes also show a discontinuous variant, 1 for x < 0 and αx + 1 for x ≥ 0: that is not Leaky ReLU.)",
  ),
  prelu: t(
    "Leaky ReLU whose negative slope α is a parameter of the network: back-propagation trains it like a weight, using ∂f/∂α = x for x ≤ 0 (0 for x > 0). PyTorch starts it at 0.25.",
  ),
  elu: t(
    "x for x > 0 and α(eˣ − 1) below: the benefits of ReLU, outputs closer to zero mean, and a negative side that saturates at −α, which adds robustness to noise. Costs an exponential.",
  ),
  maxout: t("The maximum of several lines w·x + b. ReLU and Leaky ReLU are special cases; it neither saturates nor dies, but every neuron needs k times the parameters."),
  gelu: t("x·Φ(x), Φ the normal CDF: a smooth ReLU, slightly negative below 0; the default in Transformers."),
  silu: t("x·σ(x) (Swish): smooth and non-monotonic, dipping to about −0.28; used in EfficientNet and YOLO."),
  softplus: t("ln(1 + eˣ): a smooth ReLU whose derivative is the sigmoid, never exactly 0."),
};

export const TEXT = {
  curvesFailed: (sentence) => t("Could not compute the curves. {sentence}", { sentence }),
  experimentFailed: (sentence) => t("Could not run the experiment. {sentence}", { sentence }),
  learnedAlpha: (x, dalpha) =>
    t("α is learned: back-propagation computes ∂L/∂α = Σ ∂L/∂f · ∂f/∂α and updates α like a weight. Here ∂f/∂α at x = {x} is {dalpha}.", { x, dalpha }),
  eluAlpha: t("α sets the level −α the negative side saturates at."),
  fixedAlpha: t("α is fixed (a hyper-parameter)."),
};
