// Choices a learner makes once for the whole site (projector mode, the Chinese terms): remembered
// in localStorage, while an explicit URL parameter (?large=1, ?zh=0) always wins over what is
// remembered. A change made in the page is remembered and, if the URL names it, written there too,
// so a reload shows what the learner chose.

// "1" or "0" from the URL first, then from storage, else the fallback.
export function pick(fromUrl, remembered, fallback) {
  for (const value of [fromUrl, remembered]) {
    if (value === "1" || value === "0") return value === "1";
  }
  return fallback;
}

function stored(key) {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null; // storage disabled: the choice lasts for this page only
  }
}

// createPreference({ param, storageKey, fallback, apply }) -> { get(), set(on), toggle() }
export function createPreference({ param, storageKey, fallback, apply }) {
  let value = pick(new URLSearchParams(window.location.search).get(param), stored(storageKey), fallback);
  apply(value);
  function set(on) {
    value = on;
    try {
      window.localStorage.setItem(storageKey, on ? "1" : "0");
    } catch {
      // not remembered, still applied
    }
    const url = new URL(window.location.href);
    if (url.searchParams.has(param)) {
      url.searchParams.set(param, on ? "1" : "0");
      window.history.replaceState(window.history.state, "", url);
    }
    apply(value);
  }
  return { get: () => value, set, toggle: () => set(!value) };
}
