// Pure helpers of the Share menu: the view's links, the embed snippet, and the numbers as
// JSON and CSV. Absolute links are built from the page's own URL (the app may be served under
// any path prefix), never from a fixed origin.

export const EMBED_FLAGS = ["embed", "controls", "text"];
export const EMBED_SIZE = { width: 800, height: 600 };

// The full view: the same URL without the embed flags; with `lang` ("en"/"zh") the link opens in
// that language wherever it is opened (the sender's).
export function fullViewUrl(href, lang) {
  const url = new URL(href);
  for (const flag of EMBED_FLAGS) url.searchParams.delete(flag);
  if (lang) url.searchParams.set("lang", lang);
  url.hash = "";
  return url.toString();
}

// The embed view: embed=1, plus controls=0 / text=0 to hide the controls / explanations.
export function embedUrl(href, { controls = true, text = true, lang } = {}) {
  const url = new URL(fullViewUrl(href, lang));
  url.searchParams.set("embed", "1");
  if (!controls) url.searchParams.set("controls", "0");
  if (!text) url.searchParams.set("text", "0");
  return url.toString();
}

function escapeAttribute(value) {
  return String(value).replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export function iframeSnippet(src, title, { width, height } = EMBED_SIZE) {
  return (
    `<iframe src="${escapeAttribute(src)}" width="${width}" height="${height}" ` +
    `title="${escapeAttribute(title)}" loading="lazy"></iframe>`
  );
}

// The origin a course site must be allowed from: what CNNLAB_FRAME_ANCESTORS takes.
export function frameAncestorsLine(origin = "https://course.example.edu") {
  return `CNNLAB_FRAME_ANCESTORS="${origin}"`;
}

export function numbersJson(lesson, href, exchanges) {
  const body = {
    lesson,
    url: fullViewUrl(href),
    exchanges: exchanges.map(({ method, url, request, response }) => ({
      endpoint: url.split("?")[0],
      method,
      url,
      request,
      response,
    })),
  };
  return JSON.stringify(body, null, 1);
}

function csvField(value) {
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

// Every leaf of a JSON value as [path, value]: output[0][1][2] -> 3.5.
export function leaves(value, path = "", out = []) {
  if (Array.isArray(value)) {
    value.forEach((item, i) => leaves(item, `${path}[${i}]`, out));
  } else if (value !== null && typeof value === "object") {
    for (const [key, item] of Object.entries(value)) leaves(item, path ? `${path}.${key}` : key, out);
  } else {
    out.push([path, value === null ? "" : value]);
  }
  return out;
}

// One row per number (or label) the page received or sent: endpoint, part, path, value.
export function numbersCsv(exchanges) {
  const rows = [["endpoint", "part", "path", "value"]];
  for (const { url, request, response } of exchanges) {
    const endpoint = url.split("?")[0];
    if (request !== null) for (const [path, value] of leaves(request)) rows.push([endpoint, "request", path, value]);
    for (const [path, value] of leaves(response)) rows.push([endpoint, "response", path, value]);
  }
  return rows.map((row) => row.map(csvField).join(",")).join("\r\n") + "\r\n";
}
