// Coalesced requests for pointer-driven views (hover): after `delay` ms without a new target the
// latest target is sent; at most one request is in flight, and while one is, newer targets wait
// and only the latest of them is sent next. Answers for targets that are no longer the latest
// are dropped, so the view always ends on the latest target.
//
// createCoalescer(send, { delay, onResult, onError, timers }) -> { request(target), cancel() }
// send(target) -> Promise of the answer. timers: { set, clear } (setTimeout/clearTimeout by
// default; tests pass their own).

export function createCoalescer(send, { delay = 60, onResult, onError, timers } = {}) {
  const set = timers ? timers.set : (fn, ms) => setTimeout(fn, ms);
  const clear = timers ? timers.clear : (id) => clearTimeout(id);
  let timer = null;
  let waiting = null; // the latest target not yet sent
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
      latest = target;
      waiting = target;
      if (timer !== null) clear(timer);
      timer = set(flush, delay);
    },
    cancel() {
      latest = null;
      waiting = null;
      if (timer !== null) clear(timer);
      timer = null;
    },
  };
}
