// The /cnn lesson's sentences, section by section, in one place, in the page's language (the
// `cnn` catalogue, docs/i18n.md). Numbers in them all come from the API's responses.

import { formatNumber as fmt } from "../../format.js";
import { lang, t, tn } from "../../i18n.js";

const pct = (v) => (v === null || v === undefined ? "—" : `${Number((100 * v).toFixed(1))}%`);
export { pct };

const count = (n) => n.toLocaleString("en");

// A name the catalogue gives in English and Chinese: both side by side in English (the Chinese
// as a gloss), the Chinese alone in Chinese.
export function both(en, zh) {
  if (lang === "zh") return zh || en;
  return zh && zh !== en ? `${en} ${zh}` : en;
}

// Class k of a data set (the catalogue's or an API answer's classes and classes_zh).
export const classOf = (data, k) => (lang === "zh" && data.classes_zh ? data.classes_zh[k] : data.classes[k]);
export const classBoth = (data, k) => (lang === "zh" ? classOf(data, k) : `${data.classes[k]} ${data.classes_zh[k]}`);

// A layer type as the tables and choices name it: the API's name (conv, maxpool) in English, the
// catalogue's label in Chinese.
export const typeName = (types, type) => (lang === "zh" && types[type] ? types[type].label_zh : type);

// An optimiser (GET /api/optimizers' entry) by name: its Chinese label in Chinese.
export const optimizerName = (info) => (lang === "zh" && info.label_zh ? info.label_zh : info.label);

export const TEXT = {
  build: {
    input: (shape) => t("Input: one {shape} image (C×H×W)", { shape: shape.join("×") }),
    summary: (out) =>
      t("{layers} layers, {params} parameters: {shape} in, {classes} class scores out (softmax cross-entropy).", {
        layers: out.layers.length,
        params: count(out.num_params),
        shape: out.input_shape.join("×"),
        classes: out.classes,
      }),
    notTrainable: (message) => t("It fits, but it cannot be trained here: {message}", { message }),
    notFit: t("It does not fit yet: the layer marked below explains why."),
    pending: t("Checking the network…"),
    out: (layer) => `→ ${layer.output_shape.join("×")}`,
    params: (n) => tn("{n} parameter", "{n} parameters", n, { n: count(n) }),
    noParams: t("no parameters"),
    notReached: t("not computed: an earlier layer does not fit"),
    axis: (report) => `${report.axis === "height" ? "H" : "W"}_out = ${report.formula}`,
    square: (report) => `H_out = W_out = ${report.formula}`,
    paramsFormula: (formula) => t("parameters: {formula}", { formula }),
    overhang: (r) =>
      t("{numerator} / {stride} is not whole: the last window would overhang by {by}, so the size is floored and the border is dropped.", {
        numerator: r.numerator,
        stride: r.stride,
        by: r.stride - r.leftover,
      }),
    unvisited: (r) =>
      r.axis === "height"
        ? t("Input rows no window visits: {list}.", { list: r.unvisited.join(", ") })
        : t("Input columns no window visits: {list}.", { list: r.unvisited.join(", ") }),
    fits: (r) => {
      const paddings = r.fitting_paddings.join(t(" or "));
      const strides = r.fitting_strides.join(", ");
      if (paddings && strides) return t("These fit exactly: padding {paddings}; stride {strides}.", { paddings, strides });
      if (paddings) return t("These fit exactly: padding {paddings}.", { paddings });
      if (strides) return t("These fit exactly: stride {strides}.", { strides });
      return "";
    },
    strideDefault: t("= size"),
    at: (i, type) => t("before layer {i} ({type})", { i, type }),
    atEnd: t("the end"),
    up: (i) => t("Move layer {i} up", { i }),
    down: (i) => t("Move layer {i} down", { i }),
    remove: (i) => t("Remove layer {i}", { i }),
    typeOf: (i) => t("Layer {i} type", { i }),
    option: (i, name) => t("Layer {i} {option}", { i, option: name }),
    // The layer options' names (the API's keys, PyTorch's argument names).
    optionNames: {
      filters: t("filters"),
      size: t("size"),
      stride: t("stride"),
      padding: t("padding"),
      negative_slope: t("negative_slope"),
      alpha: t("alpha"),
      eps: t("eps"),
      momentum: t("momentum"),
      out: t("out"),
    },
    itsDefault: t("its default"),
    stillUses: (kept) => t("The network still uses {kept}.", { kept }),
    dataNote: (d) =>
      t("{description}. {count} training images; source: {source}; licence {licence}.", {
        description: d.description,
        count: count(d.train_size),
        source: d.source,
        licence: d.licence,
      }),
  },
  train: {
    play: t("▶ Train"),
    pause: t("❚❚ Pause"),
    stopReplay: t("❚❚ Stop replay"),
    pausing: t("Pausing…"),
    speeds: (s) => (s === 0 ? t("as fast as it goes") : t("up to {s} steps/s", { s })),
    evalEvery: (n) => tn("{n} step", "{n} steps", n),
    stillUses: (kept) => t("Training still uses {kept}.", { kept }),
    notReady: t("Fix the network above to train it."),
    ready: t("Step 0: press Train or Step one batch. The first step also measures the initial loss."),
    status: (run) => {
      const i = run.losses.length - 1;
      const last = run.evals[run.evals.length - 1];
      const parts = [
        t("Step {step} (epoch {epoch})", { step: run.step, epoch: fmt(run.epoch) }),
        t("loss {loss}, smoothed {smoothed}", { loss: fmt(run.losses[i]), smoothed: fmt(run.smoothed[i]) }),
        t("batch accuracy {accuracy}", { accuracy: pct(run.batchAccuracy[i]) }),
      ];
      if (last) parts.push(t("test accuracy {accuracy} at step {step}", { accuracy: pct(last.test_accuracy), step: last.step }));
      return parts.join(" · ");
    },
    diverged: (step) =>
      t("The loss or a parameter became infinite or NaN at step {step}: the run stops before it (the learning rate is too high). Reset, or lower it.", {
        step,
      }),
    replaying: (step, target) => t("Replaying the run from its link: step {step} of {target}…", { step, target }),
    replayed: (target) => t("Replayed from the link to step {target}, with the same numbers.", { target }),
    cut: (asked, bound) =>
      t(
        "This link asks for step {asked}; a link replays at most {bound} steps of this network at once (about ten requests of work), so the run stopped at step {bound}.",
        { asked: count(asked), bound: count(bound) },
      ),
    continueTo: (asked) => t("Continue to step {asked}", { asked: count(asked) }),
    refused: (sentence) => t("The server refused the next chunk of training. {sentence}", { sentence }),
  },
  watch: {
    raw: t("loss of each batch"),
    smoothed: (beta) => t("smoothed (β = {beta})", { beta }),
    lnC: (lnC) => `ln C = ${fmt(lnC)}`,
    initial: (loss) => t("initial loss {loss}", { loss: fmt(loss) }),
    lossNote: (run) =>
      run.initialLoss === null
        ? t("Log scale. The dashed line is ln C, where the loss of an untrained network starts.")
        : t(
            "Log scale. The first batch's loss was {loss} (the dot), next to ln C = {lnC} (dashed). The smoothed curve is a moving average of about the last 20 batches, computed by the server.",
            { loss: fmt(run.initialLoss), lnC: fmt(run.lnClasses) },
          ),
    train: t("train (1,000 fixed examples)"),
    test: t("test (1,000 fixed examples)"),
    accNote: (every) =>
      t("Evaluated on fixed subsets of the training and test sets every {every} steps (batch norm in evaluation mode).", { every }),
    noEval: (every) => t("The accuracy appears at step {every}, the first evaluation.", { every }),
    rule: t("rule of thumb ≈ 1e-3"),
    ratioNote: (every) =>
      t(
        "‖Δw‖ / ‖w‖ of each layer's weights (γ for batch norm) in one step, every {every} steps, log scale. About 1e-3 is healthy; far below, the layer hardly learns (learning rate too low); far above, it may be unstable.",
        { every },
      ),
    filtersNote: (run, limit) =>
      run.filters
        ? t("Layer {layer}'s filters after step {step}: blue negative, orange positive, white 0 (±{limit}).", {
            layer: run.filters.layer,
            step: run.filtersStep,
            limit: fmt(limit),
          })
        : t("The filters appear after the first step."),
    noConv: t("This network has no conv layer, so it has no filters to draw."),
    statsHead: [
      t("layer"),
      t("type"),
      "‖w‖",
      "‖dL/dw‖",
      t("update / weight"),
      t("output mean"),
      t("output std"),
      t("dead units"),
      t("outputs ≤ 0"),
    ],
    statsNote: (step) =>
      t(
        "At step {step}, on its batch. Dead units: ReLU-like outputs (channel × position) that are ≤ 0 for every example of the batch, so no gradient flows through them. ‖w‖ is of the weight (γ for batch norm).",
        { step },
      ),
    // Chart labels and read-outs.
    lossPlot: t("Loss per step, log scale"),
    accPlot: t("Train and test accuracy at each evaluation"),
    ratioPlot: t("Update to weight ratio per layer, log scale"),
    step: t("step"),
    loss: t("loss"),
    accuracy: t("accuracy"),
    readout: (x, values) => {
      const list = values.join(t(", "));
      return t("step {step}: {values}", { step: Math.round(x), values: list });
    },
    layerSeries: (entry) =>
      entry.param === "gamma"
        ? t("layer {layer} {type} (γ)", { layer: entry.layer, type: entry.type })
        : t("layer {layer} {type}", { layer: entry.layer, type: entry.type }),
    filtersLabel: t("The first layer's filters"),
    weight: t("weight"),
    weightOf: (layer) => t("weight, layer {layer}", { layer }),
  },
  checks: {
    initialPending: t("Take the first step to see the initial loss."),
    initial: (run, scale) =>
      t(
        "Initial loss on the first batch: {loss}. ln C = {lnC}. With C classes and scores near 0, softmax gives every class about 1/C, so the loss is −ln(1/C) = ln C. The last layer's weights start × {scale}, which keeps the scores near 0; a much larger initial loss means the scores start large (try the randn initialisation).",
        { loss: fmt(run.initialLoss), lnC: fmt(run.lnClasses), scale },
      ),
    gcRunning: t("Checking…"),
    gcSummary: (out) =>
      t("At step {step}, loss {loss}, h = {h}: the largest relative error is {error} ({verdict}).", {
        step: out.step,
        loss: fmt(out.loss),
        h: out.h,
        error: fmt(out.max_relative_error),
        verdict: out.label,
      }),
    gcHead: [
      t("layer"),
      t("parameter"),
      t("shape"),
      t("entries"),
      t("largest |a − n| / max(|a|, |n|)"),
      t("verdict"),
      t("worst entry: analytic a"),
      t("numerical n"),
    ],
    // The parameters' names (the API's): weight and bias, batch norm's γ and β.
    paramNames: { weight: t("weight"), bias: t("bias"), gamma: t("gamma"), beta: t("beta") },
    gcNoRun: t("Train at least one step to check the gradients at the current step."),
    gcAbove: t("above"),
    gcUpTo: (bound) => t("up to {bound}", { bound }),
    gcVerdict: (v, bound) => t("{verdict} ({bound}): {meaning}", { verdict: v.label, bound, meaning: v.meaning }),
    gcHowTo: (meaning) => t("How to read it: {meaning}.", { meaning }),
    ofIntro: (n, steps) =>
      t(
        "Train the same network with the same optimiser on {n} training examples only, all {n} in every batch, for {steps} steps. A network that cannot drive this loss to near zero has a bug, or too little capacity, or a learning rate that does not work.",
        { n, steps },
      ),
    ofPlay: t("▶ Overfit"),
    ofPause: t("❚❚ Pause"),
    ofStatus: (run, steps) =>
      t("Step {step} of {steps}: loss {loss}, accuracy on the {n} examples {accuracy}.", {
        step: run.step,
        steps,
        loss: fmt(run.losses[run.losses.length - 1]),
        n: run.subset ? run.subset.length : "",
        accuracy: pct(run.batchAccuracy[run.batchAccuracy.length - 1]),
      }),
    ofReady: t("Press Overfit."),
    ofLoss: t("loss on the tiny batch"),
    ofPlot: t("Loss on the tiny batch per step, log scale"),
    ofExamples: t("The examples of the tiny batch"),
  },
  compare: {
    play: t("▶ Compare"),
    pause: t("❚❚ Pause"),
    ready: (n) => t("Press Compare: each optimiser trains {n} steps, in turn, one chunk at a time.", { n }),
    status: (runs, n) => t("Steps: {steps} of {n}.", { steps: runs.map((r) => r.step).join(", "), n }),
    head: [t("optimiser"), t("loss at step 1"), t("step"), t("loss (smoothed)"), t("test accuracy"), t("at step")],
    sameStart: t("The loss at step 1 is the same for every optimiser: the same initial weights on the same first batch, before any update."),
    diverged: (step) => t("diverged at step {step}", { step }),
    tooFew: t("Compare at least two optimisers."),
    plot: t("Smoothed loss per step of each optimiser, log scale"),
    smoothedLoss: t("loss (smoothed)"),
  },
};
