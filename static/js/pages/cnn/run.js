// A training run, kept in one place: its configuration (the body of POST /api/cnn/train without
// state and steps), the signed state string, everything its chunks returned step by step, and
// checkpoints (the state at evaluation steps) for the views that look inside the network at an
// earlier step. The page reads runs; only advance() changes one. No DOM: node's test runner
// checks it with a fake server (tests/js/cnn.test.mjs).
//
// createRun(config, send) -> run
//   send(body) -> Promise of the response (the page passes postJSON to /api/cnn/train)
//   run.advance(steps, { evaluate, filters, statsEvery }) -> Promise of the response

const MAX_CHECKPOINTS = 32; // then every other one is dropped, so they stay spread over the run

export function createRun(config, send) {
  const run = {
    config,
    state: null,
    step: 0,
    steps: [], // 1, 2, ...: the x of every per-step series
    losses: [],
    smoothed: [],
    batchAccuracy: [],
    evals: [], // { step, train_accuracy, test_accuracy, train_loss, test_loss }
    stats: [], // { step, layers } at every stats_every-th step
    lastStats: null, // the layer statistics of the last step
    lastStatsStep: 0,
    filters: null, // the first conv layer's filters after the last chunk, and the step
    filtersStep: 0,
    initialLoss: null,
    lnClasses: null,
    stepsPerEpoch: null,
    epoch: 0,
    smoothing: null,
    divergedAt: null,
    subset: null,
    lastBatch: null,
    checkpoints: [], // { step, state }
    error: null, // the server's refusal of the last chunk (the run stops there)
    busy: false,
    advance,
  };

  function keepCheckpoint(step, state) {
    run.checkpoints.push({ step, state });
    if (run.checkpoints.length > MAX_CHECKPOINTS) run.checkpoints = run.checkpoints.filter((_, i) => i % 2 === 1);
  }

  function absorb(response) {
    run.state = response.state;
    run.step = response.step;
    response.losses.forEach((loss, k) => {
      run.steps.push(response.first_step + k);
      run.losses.push(loss);
      run.smoothed.push(response.smoothed_losses[k]);
      run.batchAccuracy.push(response.batch_accuracy[k]);
    });
    if (response.initial_loss !== null && response.initial_loss !== undefined) run.initialLoss = response.initial_loss;
    run.lnClasses = response.ln_classes;
    run.stepsPerEpoch = response.steps_per_epoch;
    run.epoch = response.epoch;
    run.smoothing = response.smoothing;
    if (response.diverged_at !== null) run.divergedAt = response.diverged_at;
    if (response.subset) run.subset = response.subset;
    for (const entry of response.layer_stats_history) run.stats.push(entry);
    if (response.layer_stats && response.losses.length) {
      run.lastStats = response.layer_stats;
      run.lastStatsStep = response.step;
    }
    if (response.first_filters) {
      run.filters = response.first_filters;
      run.filtersStep = response.step;
    }
    if (response.batches.length) run.lastBatch = response.batches[response.batches.length - 1];
    if (response.eval) {
      run.evals.push({ step: response.step, ...response.eval });
      keepCheckpoint(response.step, response.state);
    }
  }

  async function advance(steps, { evaluate = false, filters = false, statsEvery = null } = {}) {
    if (run.busy) throw new Error("a chunk of this run is already in flight");
    run.busy = true;
    try {
      const body = { ...config, state: run.state, steps, eval: evaluate, filters, stats_every: statsEvery };
      const response = await send(body);
      absorb(response);
      return response;
    } finally {
      run.busy = false;
    }
  }

  return run;
}

// The next chunk of a run: { steps, evaluate } or null when it has reached its target.
//   step       the run's step
//   target     where it stops (Infinity: until paused)
//   perChunk   steps per update: a fixed speed's, or null to fit the time budget
//   msPerStep  the measured time of a step (null before the first chunk)
//   budgetMs   the time one chunk may take when perChunk is null
//   most       the largest chunk the server takes (POST /api/cnn/network: max_chunk_steps)
//   evalEvery  evaluations happen at every evalEvery-th step, so a replay shows the same ones:
//              a chunk ends there, and evaluates
export function planChunk({ step, target, perChunk, msPerStep, budgetMs, most, evalEvery }) {
  if (step >= target) return null;
  let steps = perChunk;
  if (steps === null || steps === undefined) steps = msPerStep ? Math.floor(budgetMs / msPerStep) : 1;
  const nextEval = (Math.floor(step / evalEvery) + 1) * evalEvery;
  steps = Math.max(1, Math.min(steps, most, nextEval - step, target - step));
  return { steps, evaluate: (step + steps) % evalEvery === 0 };
}

// The replay of a link: the step it asks for, bounded by what replays at once.
export function replayTarget(asked, bound) {
  if (!(asked > 0)) return { target: 0, cut: false };
  if (bound === null || bound === undefined || asked <= bound) return { target: asked, cut: false };
  return { target: bound, cut: true };
}

// A running estimate of the milliseconds one step takes, from a chunk's steps and its time (the
// chunk's fixed cost spread over its steps, as the next chunk of the same size will pay it).
export function updatePace(previous, steps, ms) {
  const now = ms / Math.max(1, steps);
  return previous === null || previous === undefined ? now : 0.6 * previous + 0.4 * now;
}
