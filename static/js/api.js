// The only module that talks to the server. Errors carry the server's `detail` message.

import { begin } from "./exchanges.js";

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

export async function getJSON(url, { signal } = {}) {
  const exchange = begin("GET", url);
  exchange.response = await parse(await fetch(url, { signal, headers: { Accept: "application/json" } }));
  return exchange.response;
}

export async function postJSON(url, payload, { signal } = {}) {
  const exchange = begin("POST", url, payload);
  const response = await fetch(url, {
    method: "POST",
    signal,
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(payload),
  });
  exchange.response = await parse(response);
  return exchange.response;
}

export async function postForm(url, formData, { signal } = {}) {
  return parse(await fetch(url, { method: "POST", body: formData, signal }));
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
