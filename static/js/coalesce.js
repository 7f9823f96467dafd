// Coalesced requests for controls a hand moves quickly (a slider drag, typing, hover): after
// `delay` ms without a new target the latest target is sent (and at least every `maxWait` ms
// while targets keep coming, so a long drag still shows where it is); at most one request is in
// flight, and while one is, newer targets wait and only the latest of them is sent next, by the
// same rule. Answers for targets that are no longer the latest are dropped, so the view always
// ends on the latest target. A slow server therefore gets fewer requests, not a queue.
//
// createCoalescer(send, { delay, maxWait, gap, onResult, onError, timers }) -> { request(target), cancel() }
// gap: the least time between two requests going out.
// send(target) -> Promise of the answer. timers: { set, clear, now } (setTimeout, clearTimeout
// and performance.now by default; tests pass their own).
//
// coalesced(send, options) -> call(...args) -> Promise: the same as a function that returns the
// answer. A call overtaken by a newer one rejects with an AbortError (isAbort in api.js), so a
// page awaits it like a fetch and ignores the superseded ones.

export function createCoalescer(send, { delay = 60, maxWait = Infinity, gap = 0, onResult, onError, timers } = {}) {
  const set = timers ? timers.set : (fn, ms) => setTimeout(fn, ms);
  const clear = timers ? timers.clear : (id) => clearTimeout(id);
  const now = timers && timers.now ? timers.now : () => performance.now();
  let timer = null;
  let waiting = null; // the latest target not yet sent
  let since = 0; // when the oldest unsent target arrived
  let latest = null; // the latest target asked for
  let asked = 0; // when the latest target arrived
  let sentAt = -Infinity; // when the last request went out
  let busy = false;

  // Quiet for `delay`, or the oldest unsent target has waited `maxWait`; and `gap` after the
  // last request, so a slow hand (or a slow machine) cannot send one request per move.
  const due = () => Math.max(0, Math.max(Math.min(asked + delay, since + maxWait), sentAt + gap) - now());

  async function flush() {
    timer = null;
    if (busy || waiting === null) return;
    const target = waiting;
    waiting = null;
    busy = true;
    sentAt = now();
    try {
      const answer = await send(target);
      if (target === latest && onResult) onResult(answer, target);
    } catch (error) {
      if (target === latest && onError) onError(error, target);
    } finally {
      busy = false;
      // Targets that came in meanwhile wait their turn like any other (a timer may be set).
      if (waiting !== null && timer === null) timer = set(flush, due());
    }
  }

  return {
    request(target) {
      asked = now();
      if (waiting === null) since = asked;
      latest = target;
      waiting = target;
      if (timer !== null) clear(timer);
      timer = set(flush, due());
    },
    cancel() {
      latest = null;
      waiting = null;
      if (timer !== null) clear(timer);
      timer = null;
    },
  };
}

function superseded() {
  const error = new Error("superseded by a newer request");
  error.name = "AbortError";
  return error;
}

export function coalesced(send, { delay = 80, maxWait = 750, gap = 500, timers } = {}) {
  let last = null; // the latest call's { resolve, reject }
  const coalescer = createCoalescer((call) => send(...call.args), {
    delay,
    maxWait,
    gap,
    timers,
    onResult: (answer, call) => call.resolve(answer),
    onError: (error, call) => call.reject(error),
  });
  return (...args) =>
    new Promise((resolve, reject) => {
      if (last) last.reject(superseded()); // settled promises ignore it
      last = { args, resolve, reject };
      coalescer.request(last);
    });
}
