// The numbers the page received: the latest request and response per endpoint, kept for the
// Share menu's JSON and CSV downloads (api.js records them; nothing else writes here).
//
// Requests sent together (a page that asks for several curves at once) are kept together: a
// request more than BURST_MS after the previous one starts a new set. Sets are kept per endpoint
// and per calling module, so two sections of a page that use one endpoint (the optimiser race
// and the learning-rate lesson both post /api/optimize) do not replace each other's numbers.

const BURST_MS = 250;
const MAX_PER_SET = 32;
const sets = new Map();

// The module that called api.js, from the stack (a grouping key only; "" when unknown).
function caller() {
  const lines = (new Error().stack || "").split("\n");
  const frame = lines.find((line) => /\.m?js/.test(line) && !/\/(api|exchanges)\.js/.test(line));
  const match = frame && frame.match(/([^\s(@]+\.m?js)/);
  return match ? match[1] : "";
}

// Records a request as it is sent; returns the entry, whose response api.js fills in.
export function begin(method, url, request) {
  const endpoint = url.split("?")[0];
  const key = `${endpoint} ${caller()}`;
  const now = performance.now();
  let set = sets.get(key);
  if (!set || now - set.started > BURST_MS) {
    set = { endpoint, started: now, entries: [] };
    sets.set(key, set);
  }
  const entry = { method, url, request: request === undefined ? null : request, response: undefined };
  if (set.entries.length < MAX_PER_SET) set.entries.push(entry);
  return entry;
}

// Every answered exchange of the latest sets, in the order the sets were first used.
export function exchanges() {
  const all = [];
  for (const set of sets.values()) {
    for (const entry of set.entries) if (entry.response !== undefined) all.push(entry);
  }
  return all;
}

// The most recent answered request to one endpoint that `accept` takes, or null.
export function latest(endpoint, accept = () => true) {
  const done = [...sets.values()]
    .filter((set) => set.endpoint === endpoint)
    .sort((a, b) => a.started - b.started)
    .flatMap((set) => set.entries)
    .filter((entry) => entry.response !== undefined && accept(entry.request));
  return done.length ? done[done.length - 1] : null;
}
