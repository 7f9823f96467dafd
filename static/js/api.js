// The only module that talks to the server. Errors carry the server's `detail` message.

import { begin } from "./exchanges.js";
import { lang } from "./i18n.js";

// Every call says the page's language, so error messages come back in it (app/language.py).
const LANGUAGE = { "Accept-Language": lang === "zh" ? "zh-CN" : "en" };

export class ApiError extends Error {
  constructor(status, detail, field) {
    super(detail);
    this.status = status;
    this.field = field;
  }
}

async function parse(response) {
  let body = null;
  try {
    body = await response.json();
  } catch (error) {
    if (isAbort(error)) throw error; // aborted while the body was read: not an empty answer
    body = null;
  }
  if (!response.ok) {
    const detail = body && typeof body.detail === "string" ? body.detail : `HTTP ${response.status}`;
    throw new ApiError(response.status, detail, body && body.field);
  }
  return body;
}

// A busy worker answers 503 with Retry-After (app/server.py): wait that long and ask again, a few
// times, before showing its sentence.
const BUSY_RETRIES = 3;
const MAX_RETRY_WAIT_MS = 5000;

function wait(ms, signal) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(new DOMException("aborted", "AbortError"));
    }, { once: true });
  });
}

// Pages name what they call by its path on the site ("/api/conv2d"), and the site may be mounted
// under any prefix (https://school.example/cnnlab/, behind a proxy): each path is resolved against
// the site's root, which the server writes into every page as <meta name="cnnlab-root"> (a path
// relative to the page, e.g. "./" or "../../"; app/pages.py: root_path).
export function siteUrl(path) {
  if (typeof document === "undefined") return path; // node's tests: no page to resolve against
  const meta = document.querySelector('meta[name="cnnlab-root"]');
  const root = new URL(meta ? meta.content : "./", document.baseURI);
  return new URL(String(path).replace(/^\/+/, ""), root).href;
}

async function send(path, init) {
  const url = siteUrl(path);
  for (let attempt = 0; ; attempt += 1) {
    const response = await fetch(url, init);
    const header = response.headers.get("Retry-After");
    const retryAfter = header === null ? NaN : Number(header);
    if (response.status !== 503 || attempt >= BUSY_RETRIES || !Number.isFinite(retryAfter)) {
      return parse(response);
    }
    await wait(Math.min(MAX_RETRY_WAIT_MS, Math.max(0, retryAfter) * 1000 + Math.random() * 500), init.signal);
  }
}

export async function getJSON(url, { signal } = {}) {
  const exchange = begin("GET", url);
  exchange.response = await send(url, { signal, headers: { Accept: "application/json", ...LANGUAGE } });
  return exchange.response;
}

export async function postJSON(url, payload, { signal } = {}) {
  const exchange = begin("POST", url, payload);
  exchange.response = await send(url, {
    method: "POST",
    signal,
    headers: { "Content-Type": "application/json", Accept: "application/json", ...LANGUAGE },
    body: JSON.stringify(payload),
  });
  return exchange.response;
}

export async function postForm(url, formData, { signal } = {}) {
  return send(url, { method: "POST", body: formData, signal, headers: LANGUAGE });
}

// Runs the latest request only: a new call aborts the one still in flight.
export function latestOnly(request) {
  let controller = null;
  return async (...args) => {
    if (controller) controller.abort();
    controller = new AbortController();
    const mine = controller;
    try {
      return await request(...args, { signal: mine.signal });
    } finally {
      if (controller === mine) controller = null;
    }
  };
}

export function isAbort(error) {
  return error && error.name === "AbortError";
}
