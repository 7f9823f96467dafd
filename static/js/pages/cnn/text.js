// The /cnn lesson's sentences, section by section, in one place (the Chinese interface will
// translate them). Numbers in them all come from the API's responses.

import { formatNumber as fmt } from "../../format.js";

const pct = (v) => (v === null || v === undefined ? "—" : `${Number((100 * v).toFixed(1))}%`);
export { pct };

export const TEXT = {
  build: {
    input: (shape) => `Input: one ${shape.join("×")} image (C×H×W)`,
    summary: (out) =>
      `${out.layers.length} layers, ${out.num_params.toLocaleString("en")} parameters: ` +
      `${out.input_shape.join("×")} in, ${out.classes} class scores out (softmax cross-entropy).`,
    notTrainable: (message) => `It fits, but it cannot be trained here: ${message}`,
    notFit: "It does not fit yet: the layer marked below explains why.",
    pending: "Checking the network…",
    out: (layer) => `→ ${layer.output_shape.join("×")}`,
    params: (n) => (n === 1 ? "1 parameter" : `${n.toLocaleString("en")} parameters`),
    noParams: "no parameters",
    notReached: "not computed: an earlier layer does not fit",
    axis: (report) => `${report.axis === "height" ? "H" : "W"}_out = ${report.formula}`,
    square: (report) => `H_out = W_out = ${report.formula}`,
    overhang: (r) =>
      `${r.numerator} / ${r.stride} is not whole: the last window would overhang by ${r.stride - r.leftover}, so ` +
      `the size is floored and the border is dropped.`,
    unvisited: (r) => `Input ${r.axis === "height" ? "rows" : "columns"} no window visits: ${r.unvisited.join(", ")}.`,
    fits: (r) => {
      const fits = [];
      if (r.fitting_paddings.length) fits.push(`padding ${r.fitting_paddings.join(" or ")}`);
      if (r.fitting_strides.length) fits.push(`stride ${r.fitting_strides.join(", ")}`);
      return fits.length ? `These fit exactly: ${fits.join("; ")}.` : "";
    },
    strideDefault: "= size",
    at: (i, layer) => `before layer ${i} (${layer.type})`,
    atEnd: "the end",
    up: (i) => `Move layer ${i} up`,
    down: (i) => `Move layer ${i} down`,
    remove: (i) => `Remove layer ${i}`,
    typeOf: (i) => `Layer ${i} type`,
    option: (i, key) => `Layer ${i} ${key}`,
    dataNote: (d) => `${d.description}. ${d.train_size.toLocaleString("en")} training images; source: ${d.source}; licence ${d.licence}.`,
    example: (name, zh) => `${name} ${zh}`,
  },
  train: {
    play: "▶ Train",
    pause: "❚❚ Pause",
    stopReplay: "❚❚ Stop replay",
    pausing: "Pausing…",
    speeds: (s) => (s === 0 ? "as fast as it goes" : `up to ${s} steps/s`),
    evalEvery: (n) => `${n} steps`,
    notReady: "Fix the network above to train it.",
    ready: "Step 0: press Train or Step one batch. The first step also measures the initial loss.",
    status: (run) => {
      const i = run.losses.length - 1;
      const last = run.evals[run.evals.length - 1];
      const parts = [
        `Step ${run.step} (epoch ${fmt(run.epoch)})`,
        `loss ${fmt(run.losses[i])}, smoothed ${fmt(run.smoothed[i])}`,
        `batch accuracy ${pct(run.batchAccuracy[i])}`,
      ];
      if (last) parts.push(`test accuracy ${pct(last.test_accuracy)} at step ${last.step}`);
      return parts.join(" · ");
    },
    diverged: (step) =>
      `The loss or a parameter became infinite or NaN at step ${step}: the run stops before it (the learning rate is too high). Reset, or lower it.`,
    replaying: (step, target) => `Replaying the run from its link: step ${step} of ${target}…`,
    replayed: (target) => `Replayed from the link to step ${target}, with the same numbers.`,
    cut: (asked, bound) =>
      `This link asks for step ${asked.toLocaleString("en")}; a link replays at most ${bound.toLocaleString("en")} ` +
      `steps of this network at once (about ten requests of work), so the run stopped at step ${bound.toLocaleString("en")}.`,
    continueTo: (asked) => `Continue to step ${asked.toLocaleString("en")}`,
    refused: (sentence) => `The server refused the next chunk of training. ${sentence}`,
  },
  watch: {
    raw: "loss of each batch",
    smoothed: (beta) => `smoothed (β = ${beta})`,
    lnC: (lnC) => `ln C = ${fmt(lnC)}`,
    initial: (loss) => `initial loss ${fmt(loss)}`,
    lossNote: (run) =>
      run.initialLoss === null
        ? "Log scale. The dashed line is ln C, where the loss of an untrained network starts."
        : `Log scale. The first batch's loss was ${fmt(run.initialLoss)} (the dot), next to ln C = ${fmt(run.lnClasses)} (dashed). ` +
          `The smoothed curve is a moving average of about the last 20 batches, computed by the server.`,
    train: "train (1,000 fixed examples)",
    test: "test (1,000 fixed examples)",
    accNote: (every) => `Evaluated on fixed subsets of the training and test sets every ${every} steps (batch norm in evaluation mode).`,
    noEval: (every) => `The accuracy appears at step ${every}, the first evaluation.`,
    rule: "rule of thumb ≈ 1e-3",
    ratioNote: (every) =>
      `‖Δw‖ / ‖w‖ of each layer's weights (γ for batch norm) in one step, every ${every} steps, log scale. About 1e-3 is ` +
      "healthy; far below, the layer hardly learns (learning rate too low); far above, it may be unstable.",
    filtersNote: (run, limit) =>
      run.filters
        ? `Layer ${run.filters.layer}'s filters after step ${run.filtersStep}: blue negative, orange positive, white 0 (±${fmt(limit)}).`
        : "The filters appear after the first step.",
    noConv: "This network has no conv layer, so it has no filters to draw.",
    statsHead: ["layer", "type", "‖w‖", "‖dL/dw‖", "update / weight", "output mean", "output std", "dead units", "outputs ≤ 0"],
    statsNote: (step) =>
      `At step ${step}, on its batch. Dead units: ReLU-like outputs (channel × position) that are ≤ 0 for every example of the batch, ` +
      "so no gradient flows through them. ‖w‖ is of the weight (γ for batch norm).",
  },
  checks: {
    initialPending: "Take the first step to see the initial loss.",
    initial: (run, scale) =>
      `Initial loss on the first batch: ${fmt(run.initialLoss)}. ln C = ${fmt(run.lnClasses)}. With C classes and ` +
      `scores near 0, softmax gives every class about 1/C, so the loss is −ln(1/C) = ln C. The last layer's ` +
      `weights start × ${scale}, which keeps the scores near 0; a much larger initial loss means the scores ` +
      `start large (try the randn initialisation).`,
    gcRunning: "Checking…",
    gcSummary: (out) =>
      `At step ${out.step}, loss ${fmt(out.loss)}, h = ${out.h}: the largest relative error is ` +
      `${fmt(out.max_relative_error)} (${out.verdict}).`,
    gcHead: ["layer", "parameter", "shape", "entries", "largest |a − n| / max(|a|, |n|)", "verdict", "worst entry: analytic a", "numerical n"],
    gcNoRun: "Train at least one step to check the gradients at the current step.",
    ofIntro: (n, steps) =>
      `Train the same network with the same optimiser on ${n} training examples only, all ${n} in every batch, ` +
      `for ${steps} steps. A network that cannot drive this loss to near zero has a bug, or too little capacity, ` +
      `or a learning rate that does not work.`,
    ofPlay: "▶ Overfit",
    ofPause: "❚❚ Pause",
    ofStatus: (run, steps) =>
      `Step ${run.step} of ${steps}: loss ${fmt(run.losses[run.losses.length - 1])}, accuracy on the ${run.subset ? run.subset.length : ""} examples ${pct(run.batchAccuracy[run.batchAccuracy.length - 1])}.`,
    ofReady: "Press Overfit.",
    ofLoss: "loss on the tiny batch",
  },
  compare: {
    play: "▶ Compare",
    pause: "❚❚ Pause",
    ready: (n) => `Press Compare: each optimiser trains ${n} steps, in turn, one chunk at a time.`,
    status: (runs, n) => `Steps: ${runs.map((r) => r.step).join(", ")} of ${n}.`,
    head: ["optimiser", "loss at step 1", "step", "loss (smoothed)", "test accuracy", "at step"],
    sameStart:
      "The loss at step 1 is the same for every optimiser: the same initial weights on the same first batch, before any update.",
    diverged: (step) => `diverged at step ${step}`,
    tooMany: (max) => `At most ${max} optimisers.`,
    tooFew: "Compare at least two optimisers.",
  },
};
