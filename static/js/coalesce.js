// Coalesced requests for controls a hand moves quickly (a slider drag, typing, hover): after
// `delay` ms without a new target the latest target is sent (and at least every `maxWait` ms
// while targets keep coming, so a long drag still shows where it is); at most one request is in
// flight, and while one is, newer targets wait and only the latest of them is sent next. Answers
// for targets that are no longer the latest are dropped, so the view always ends on the latest
// target.
//
// createCoalescer(send, { delay, maxWait, onResult, onError, timers }) -> { request(target), cancel() }
// send(target) -> Promise of the answer. timers: { set, clear, now } (setTimeout, clearTimeout
// and performance.now by default; tests pass their own).
//
// coalesced(send, options) -> call(...args) -> Promise: the same as a function that returns the
// answer. A call overtaken by a newer one rejects with an AbortError (isAbort in api.js), so a
// page awaits it like a fetch and ignores the superseded ones.

export function createCoalescer(send, { delay = 60, maxWait = Infinity, onResult, onError, timers } = {}) {
  const set = timers ? timers.set : (fn, ms) => setTimeout(fn, ms);
  const clear = timers ? timers.clear : (id) => clearTimeout(id);
  const now = timers && timers.now ? timers.now : () => performance.now();
  let timer = null;
  let waiting = null; // the latest target not yet sent
  let since = 0; // when the oldest unsent target arrived
  let latest = null; // the latest target asked for
  let busy = false;

  async function flush() {
    timer = null;
    if (busy || waiting === null) return;
    const target = waiting;
    waiting = null;
    busy = true;
    try {
      const answer = await send(target);
      if (target === latest && onResult) onResult(answer, target);
    } catch (error) {
      if (target === latest && onError) onError(error, target);
    } finally {
      busy = false;
      if (waiting !== null && timer === null) flush(); // else the pending timer sends it
    }
  }

  return {
    request(target) {
      if (waiting === null) since = now();
      latest = target;
      waiting = target;
      if (timer !== null) clear(timer);
      timer = set(flush, Math.max(0, Math.min(delay, since + maxWait - now())));
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

export function coalesced(send, { delay = 80, maxWait = 400, timers } = {}) {
  let last = null; // the latest call's { resolve, reject }
  const coalescer = createCoalescer((call) => send(...call.args), {
    delay,
    maxWait,
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
