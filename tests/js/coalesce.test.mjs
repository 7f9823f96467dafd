import assert from "node:assert/strict";
import { test } from "node:test";

import { coalesced, createCoalescer } from "../../static/js/coalesce.js";

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
  assert.equal(sent.length, 1); // c waits its turn (quiet for delay), not sent at once
  fire();
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

test("maxWait: a target that keeps changing is still sent every maxWait ms", () => {
  let clock = 0;
  const waits = [];
  const timers = { set: (fn, ms) => (waits.push(ms), waits.length), clear: () => {}, now: () => clock };
  const coalescer = createCoalescer(() => new Promise(() => {}), { delay: 80, maxWait: 200, timers });
  coalescer.request("a");
  clock = 150;
  coalescer.request("b");
  clock = 190;
  coalescer.request("c");
  assert.deepEqual(waits, [80, 50, 10]);
});

test("coalesced: overtaken calls reject as aborted, the latest resolves with its own answer", async () => {
  const pending = [];
  const timers = { set: (fn) => (pending.push(fn), pending.length), clear: () => {}, now: () => 0 };
  const sent = [];
  const call = coalesced(
    (x) =>
      new Promise((resolve) => {
        sent.push(x);
        resolve(x * 10);
      }),
    { timers },
  );
  const a = call(1);
  const b = call(2);
  pending.at(-1)();
  await assert.rejects(a, (error) => error.name === "AbortError");
  assert.equal(await b, 20);
  assert.deepEqual(sent, [2]);
});

test("coalesced: an error reaches the latest caller", async () => {
  const pending = [];
  const timers = { set: (fn) => (pending.push(fn), pending.length), clear: () => {}, now: () => 0 };
  const call = coalesced(() => Promise.reject(new Error("refused")), { timers });
  const a = call();
  pending.at(-1)();
  await assert.rejects(a, /refused/);
});

test("gap: a target asked for soon after a request waits until the gap has passed", async () => {
  let clock = 0;
  const waits = [];
  const fns = [];
  const timers = { set: (fn, ms) => (waits.push(ms), fns.push(fn), fns.length), clear: () => {}, now: () => clock };
  const coalescer = createCoalescer(() => Promise.resolve("ok"), { delay: 80, gap: 500, timers });
  coalescer.request("a");
  clock = 80;
  fns.at(-1)(); // a goes out at t = 80
  await new Promise((resolve) => setImmediate(resolve));
  clock = 200;
  coalescer.request("b");
  assert.deepEqual(waits, [80, 380]); // not before 80 + 500
});
