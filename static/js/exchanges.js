// The numbers the page received: the latest request and response per endpoint, kept for the
// Share menu's JSON and CSV downloads (api.js records them; nothing else writes here).
//
// Requests sent together (a page that asks for several curves at once) are kept together: a
// request to an endpoint more than BURST_MS after the previous one starts a new set.

const BURST_MS = 250;
const MAX_PER_ENDPOINT = 32;
const byEndpoint = new Map();

// Records a request as it is sent; returns the entry, whose response api.js fills in.
export function begin(method, url, request) {
  const endpoint = url.split("?")[0];
  const now = performance.now();
  let set = byEndpoint.get(endpoint);
  if (!set || now - set.started > BURST_MS) {
    set = { started: now, entries: [] };
    byEndpoint.set(endpoint, set);
  }
  const entry = { method, url, request: request === undefined ? null : request, response: undefined };
  if (set.entries.length < MAX_PER_ENDPOINT) set.entries.push(entry);
  return entry;
}

// Every answered exchange of the latest sets, in the order the endpoints were first used.
export function exchanges() {
  const all = [];
  for (const set of byEndpoint.values()) {
    for (const entry of set.entries) if (entry.response !== undefined) all.push(entry);
  }
  return all;
}

// The latest answered request to one endpoint, or null.
export function latest(endpoint) {
  const set = byEndpoint.get(endpoint);
  const done = set ? set.entries.filter((entry) => entry.response !== undefined) : [];
  return done.length ? done[done.length - 1] : null;
}
