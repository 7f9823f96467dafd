import assert from "node:assert/strict";
import { test } from "node:test";

import { createCoalescer } from "../../static/js/coalesce.js";

// Timers the test fires by hand, and requests it answers by hand.
function harness() {
  const pending = new Map();
  let next = 1;
  const timers = {
    set: (fn) => {
      pending.set(next, fn);
      return next++;
    },
    clear: (id) => pending.delete(id),
  };
  const fire = () => {
    const fns = [...pending.values()];
    pending.clear();
    fns.forEach((fn) => fn());
  };
  const sent = [];
  const send = (target) =>
    new Promise((resolve) => {
      sent.push({ target, resolve });
    });
  const shown = [];
  const coalescer = createCoalescer(send, { timers, onResult: (answer) => shown.push(answer) });
  return { coalescer, fire, sent, shown, pending };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

test("a burst of targets sends only the last one", async () => {
  const { coalescer, fire, sent, shown } = harness();
  coalescer.request("a");
  coalescer.request("b");
  coalescer.request("c");
  fire();
  assert.deepEqual(sent.map((s) => s.target), ["c"]);
  sent[0].resolve("C");
  await tick();
  assert.deepEqual(shown, ["C"]);
});

test("one request in flight: newer targets wait, the latest is sent next, stale answers dropped", async () => {
  const { coalescer, fire, sent, shown } = harness();
  coalescer.request("a");
  fire();
  coalescer.request("b");
  coalescer.request("c");
  fire(); // still busy with a: nothing new is sent
  assert.equal(sent.length, 1);
  sent[0].resolve("A"); // a is no longer the latest: not shown
  await tick();
  assert.deepEqual(sent.map((s) => s.target), ["a", "c"]);
  sent[1].resolve("C");
  await tick();
  assert.deepEqual(shown, ["C"]);
});

test("cancel drops what is waiting and the answer in flight", async () => {
  const { coalescer, fire, sent, shown, pending } = harness();
  coalescer.request("a");
  fire();
  coalescer.request("b");
  coalescer.cancel();
  assert.equal(pending.size, 0);
  sent[0].resolve("A");
  await tick();
  assert.equal(sent.length, 1);
  assert.deepEqual(shown, []);
});
