// Play, pause, one step, and "train to a step" (a replayed link) for a section's runs: one chunk
// per view update, one request in flight at a time for the whole page (the page's `serial`),
// the runs of a comparison advanced in turn. Timing only: what a chunk holds comes from run.js's
// planChunk, what it shows from the section's onChunk.
//
// createTrainer({ runs, settings, serial, onChunk, onStop, onError, onPlaying }) ->
//   { play(), pause(), step(), trainTo(step), playing(), mode() }
//   runs()      the section's current runs (a run that is no longer listed is left alone)
//   settings()  { perChunk, updateMs, budgetMs, most, evalEvery, statsEvery, filters, target }
//   serial(fn)  runs fn after every request already queued on the page has finished

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
  let mode = null; // null | "play" | "fast" | "step"
  let generation = 0;
  let pace = null; // ms per step, measured

  function setMode(next) {
    mode = next;
    if (onPlaying) onPlaying(mode);
  }

  async function chunk(run, steps, evaluate, s) {
    const started = performance.now();
    const response = await serial(() =>
      run.advance(steps, { evaluate, filters: s.filters, statsEvery: s.statsEvery }),
    );
    const ms = performance.now() - started;
    if (!evaluate) pace = updatePace(pace, steps, ms);
    return response;
  }

  async function loop(gen, target, fast) {
    while (gen === generation) {
      const s = settings();
      const goal = Math.min(target, s.target ?? Infinity);
      const run = nextRun(runs(), goal);
      if (!run || !(s.most > 0)) break;
      const started = performance.now();
      const plan = planChunk({
        step: run.step,
        target: goal,
        perChunk: fast ? s.most : s.perChunk,
        msPerStep: fast ? null : pace,
        budgetMs: s.budgetMs ?? s.updateMs,
        most: s.most,
        evalEvery: s.evalEvery,
      });
      if (!plan) break;
      let response;
      try {
        response = await chunk(run, plan.steps, plan.evaluate, s);
      } catch (error) {
        run.error = error;
        if (runs().includes(run) && onError) onError(run, error);
        break;
      }
      if (!runs().includes(run)) break; // the section started again meanwhile
      onChunk(run, response);
      const wait = fast ? 0 : s.updateMs - (performance.now() - started);
      await sleep(Math.max(0, wait)); // lets the view draw between chunks, even when fast
    }
    if (gen === generation) {
      generation++;
      setMode(null);
      if (onStop) onStop();
    }
  }

  // Resolves when the loop stops (paused, at the target, or refused).
  function start(next, target, fast) {
    generation++;
    setMode(next);
    return loop(generation, target, fast);
  }

  return {
    play: () => start("play", Infinity, false),
    trainTo: (step) => start("fast", step, true),
    pause() {
      if (mode === null) return;
      generation++;
      setMode(null);
      if (onStop) onStop();
    },
    // One batch: one step of every run (a comparison's in turn).
    async step() {
      if (mode !== null) this.pause();
      const s = settings();
      const target = s.target ?? Infinity;
      const chosen = runs().filter((run) => nextRun([run], target) === run);
      if (!chosen.length) return;
      generation++;
      const gen = generation;
      setMode("step");
      for (const run of chosen) {
        try {
          const response = await chunk(run, 1, (run.step + 1) % s.evalEvery === 0, s);
          if (runs().includes(run)) onChunk(run, response);
        } catch (error) {
          run.error = error;
          if (runs().includes(run) && onError) onError(run, error);
        }
        if (gen !== generation) return;
      }
      if (gen === generation) {
        generation++;
        setMode(null);
        if (onStop) onStop();
      }
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
