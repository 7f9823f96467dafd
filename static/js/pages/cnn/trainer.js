// Play, pause, one step, and "train to a step" (a replayed link) for a section's runs: one chunk
// per view update, one request in flight at a time for the whole page (the page's `serial`),
// the runs of a comparison advanced in turn. Timing only: what a chunk holds comes from run.js's
// planChunk (planned when the chunk is sent, from the run as it is then), what it shows from the
// section's onChunk. A pause lets the chunk in flight land (mode "pausing" until then), so the
// view ends on the run's real step.
//
// createTrainer({ runs, settings, serial, onChunk, onStop, onError, onPlaying }) ->
//   { play(), pause(), step(), trainTo(step), playing(), mode() }
//   runs()      the section's current runs (a run that is no longer listed is left alone)
//   settings()  { perChunk, updateMs, budgetMs, most, evalEvery, statsEvery, filters, target }
//   serial(fn)  runs fn after every request already queued on the page has finished
// play() and trainTo() resolve when the loop stops.

import { planChunk, updatePace } from "./run.js";

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// The run to advance next: the one furthest behind that has not diverged or reached the target.
export function nextRun(runs, target) {
  let best = null;
  for (const run of runs) {
    if (run.divergedAt !== null || run.step >= target || run.error) continue;
    if (best === null || run.step < best.step) best = run;
  }
  return best;
}

export function createTrainer({ runs, settings, serial, onChunk, onStop, onError, onPlaying }) {
  let mode = null; // null | "play" | "fast" | "step" | "pausing"
  let generation = 0;
  let inFlight = false;
  let pace = null; // ms per step, measured

  function setMode(next) {
    mode = next;
    if (onPlaying) onPlaying(mode);
  }

  function stopped() {
    setMode(null);
    if (onStop) onStop();
  }

  // One chunk of the run `choose()` picks when the page's queue reaches it: { run, response }, or
  // null when there is nothing to do (paused meanwhile, or every run at its target).
  async function send(gen, choose) {
    let picked = null;
    try {
      return await serial(async () => {
        if (gen !== generation) return null;
        picked = choose(settings());
        if (!picked) return null;
        const { run, plan, s } = picked;
        inFlight = true;
        const started = performance.now();
        const response = await run.advance(plan.steps, { evaluate: plan.evaluate, filters: s.filters, statsEvery: s.statsEvery });
        if (!plan.evaluate) pace = updatePace(pace, plan.steps, performance.now() - started);
        return { run, response };
      });
    } catch (error) {
      if (!picked) throw error;
      picked.run.error = error;
      if (runs().includes(picked.run) && onError) onError(picked.run, error);
      return null;
    } finally {
      inFlight = false;
      if (mode === "pausing") stopped();
    }
  }

  function chooser(target, fast) {
    return (s) => {
      const goal = Math.min(target, s.target ?? Infinity);
      const run = nextRun(runs(), goal);
      if (!run || !(s.most > 0)) return null;
      const plan = planChunk({
        step: run.step,
        target: goal,
        perChunk: fast ? s.most : s.perChunk,
        msPerStep: fast ? null : pace,
        budgetMs: s.budgetMs ?? s.updateMs,
        most: s.most,
        evalEvery: s.evalEvery,
      });
      return plan ? { run, plan, s } : null;
    };
  }

  async function loop(gen, target, fast) {
    const choose = chooser(target, fast);
    while (gen === generation) {
      const started = performance.now();
      const done = await send(gen, choose);
      if (!done || !runs().includes(done.run)) break;
      onChunk(done.run, done.response);
      const wait = fast ? 0 : settings().updateMs - (performance.now() - started);
      await sleep(Math.max(0, wait)); // lets the view draw between chunks, even when fast
    }
    if (gen === generation) {
      generation++;
      stopped();
    }
  }

  function start(next, target, fast) {
    generation++;
    setMode(next);
    return loop(generation, target, fast);
  }

  return {
    play: () => start("play", Infinity, false),
    trainTo: (step) => start("fast", step, true),
    pause() {
      if (mode === null || mode === "pausing") return;
      generation++;
      if (inFlight) setMode("pausing");
      else stopped();
    },
    // One batch: one step of every run (a comparison's in turn).
    async step() {
      this.pause();
      generation++;
      const gen = generation;
      setMode("step");
      const target = settings().target ?? Infinity;
      for (const run of runs().filter((r) => nextRun([r], target) === r)) {
        const done = await send(gen, (s) => ({ run, plan: { steps: 1, evaluate: (run.step + 1) % s.evalEvery === 0 }, s }));
        if (done && runs().includes(done.run)) onChunk(done.run, done.response);
        if (gen !== generation) return;
      }
      generation++;
      stopped();
    },
    playing: () => mode === "play" || mode === "fast",
    mode: () => mode,
  };
}

// The page's one request in flight: serial(fn) waits for the requests queued before it.
export function createSerial() {
  let last = Promise.resolve();
  return (fn) => {
    const mine = last.then(fn, fn);
    last = mine.catch(() => {});
    return mine;
  };
}
