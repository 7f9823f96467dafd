// What the initialisation experiment shows, in words, for the scheme and activation chosen.

import { formatNumber as fmt } from "../../format.js";
import { t } from "../../i18n.js";

const percent = (share) => `${(100 * share).toFixed(1)}%`;

const zeros = (n, here) =>
  t(
    "Every weight is 0, so every unit of a layer computes exactly the same value (spread across units = {spread}; here even the value itself is {mean}). Worse, they all receive the same gradient, so after any number of updates they are still identical: the symmetry is never broken and a layer of {n} units behaves like one unit. Random initial weights exist to break that symmetry.",
    { spread: fmt(here.unit_spread), mean: fmt(here.mean), n },
  );

const small = (n, { first, here, last, layer, L }) =>
  t(
    "Each layer multiplies the spread by about 0.01·√n = {factor}: std {first} at layer 1, {std} at layer {layer}, {last} at layer {L}. The activations collapse towards zero layer by layer, and since a weight's gradient is multiplied by the activation feeding it, the deep layers hardly learn. Fine for a small network, broken for a deep one.",
    { factor: fmt(0.01 * Math.sqrt(n)), first: fmt(first), std: fmt(here.std), layer, last: fmt(last), L },
  );

const large = (n, act, { here, layer }) =>
  act === "tanh"
    ? t(
        "Weights of std 1 make every pre-activation huge (std ≈ √n = {root}): {share} of the tanh outputs of layer {layer} are beyond ±0.99, where tanh' ≈ 0. Saturated units pass almost no gradient back.",
        { root: fmt(Math.sqrt(n)), share: percent(here.saturated), layer },
      )
    : t(
        "ReLU never saturates, but each layer multiplies the spread by about √(n/2) = {factor}: std {std} at layer {layer}. Values explode layer by layer.",
        { factor: fmt(Math.sqrt(n / 2)), std: fmt(here.std), layer },
      );

const xavier = (act, { first, last, L }) =>
  act === "tanh"
    ? t(
        "Var(W) = 1/n makes Var(h·W) = n·Var(W)·Var(h) = Var(h): tanh (≈ the identity near 0) keeps the activations spread, std {first} at layer 1 and still {last} at layer {L}. This is the lecture's \"calibrate the variance with 1/√n\".",
        { first: fmt(first), last: fmt(last), L },
      )
    : t(
        "ReLU sets half of its inputs to 0, which halves the variance at every layer: std {first} at layer 1, {last} at layer {L}. Xavier is calibrated for tanh; for ReLU use He, twice the variance.",
        { first: fmt(first), last: fmt(last), L },
      );

const he = (act, { first, here, last, layer, L }) =>
  act === "relu"
    ? t(
        "Var(W) = 2/n makes up for the half of the inputs ReLU zeroes: the std stays about the same through all {L} layers ({first} at layer 1, {last} at layer {L}). He (Kaiming) initialisation is PyTorch's standard choice for ReLU networks (not in the lecture notes).",
        { first: fmt(first), last: fmt(last), L },
      )
    : t(
        "For tanh, He's weights are √2 times too large: std {last} at layer {L}, with {share} of layer {layer}'s units beyond ±0.99. Xavier suits tanh better.",
        { last: fmt(last), L, share: percent(here.saturated), layer },
      );

// v: the state; r: the chosen scheme's response; layer: the layer read (1-based).
export function explain(v, r, layer) {
  const n = Number(v.width);
  const facts = {
    first: r.layers[0].std,
    last: r.layers[r.layers.length - 1].std,
    here: r.layers[layer - 1],
    layer,
    L: r.layers.length,
  };
  if (v.scheme === "zeros") return zeros(n, facts.here);
  if (v.scheme === "small") return small(n, facts);
  if (v.scheme === "large") return large(n, v.act, facts);
  if (v.scheme === "xavier") return xavier(v.act, facts);
  return he(v.act, facts);
}
