// The Share menu on every lesson page (and, in an embedded view, the "open in cnnlab" link).
// Mounted on #share from base.html; reads the view from the URL when it is opened, so it always
// offers the view as it is now.

import { ApiError, postJSON } from "./api.js";
import { el } from "./dom.js";
import { exchanges, latest } from "./exchanges.js";
import { lang, t } from "./i18n.js";
import {
  EMBED_SIZE,
  embedUrl,
  frameAncestorsLine,
  fullViewUrl,
  iframeSnippet,
  numbersCsv,
  numbersJson,
} from "./export/share_links.js";

const mount = document.getElementById("share");

// The stepped lessons the server animates: the endpoint whose body it takes, and which of that
// endpoint's requests is the stepped view (on /optimizers the race: the learning-rate lesson asks
// for no internals, and adding an optimiser first probes it with one step).
const ANIMATED = {
  conv: { endpoint: "/api/conv2d", accept: () => true },
  pooling: { endpoint: "/api/pool2d", accept: () => true },
  optimizers: { endpoint: "/api/optimize", accept: (body) => body.internals !== false && body.steps > 1 },
};

function download(blob, filename) {
  const url = URL.createObjectURL(blob);
  const link = el("a");
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function base64Blob(data, type) {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  return new Blob([bytes], { type });
}

async function copy(text, field, status) {
  try {
    await navigator.clipboard.writeText(text);
    status.textContent = t("Copied.");
  } catch {
    field.focus();
    field.select();
    status.textContent = t("Selected: press Ctrl+C (⌘C) to copy.");
  }
}

function openLink(lesson) {
  // Small, in a corner: the full view in a new tab, the URL read when it is used.
  const link = el("a", "share-open", t("open in cnnlab ↗"));
  link.target = "_blank";
  link.rel = "noopener";
  const refresh = () => {
    link.href = fullViewUrl(window.location.href, lang);
  };
  refresh();
  for (const type of ["pointerenter", "focus", "click", "contextmenu"]) link.addEventListener(type, refresh);
  link.dataset.lesson = lesson;
  mount.append(link);
}

function row(labelText, field, button) {
  const wrap = el("div", "share-row");
  const label = el("label", null, labelText);
  label.append(field);
  wrap.append(label);
  if (button) wrap.append(button);
  return wrap;
}

function menu({ lesson, title, titleZh }) {
  const details = el("details", "share-menu");
  const summary = el("summary", "btn secondary", t("Share & export"));
  const panel = el("div", "share-panel");
  details.append(summary, panel);
  const status = el("p", "share-status");
  status.setAttribute("role", "status");

  const linkField = el("input");
  linkField.readOnly = true;
  linkField.id = "share-link";
  const copyLink = el("button", "btn secondary", t("Copy link"));
  copyLink.type = "button";

  const hideControls = el("input");
  hideControls.type = "checkbox";
  hideControls.id = "share-hide-controls";
  const hideText = el("input");
  hideText.type = "checkbox";
  hideText.id = "share-hide-text";
  const flags = el("div", "share-flags");
  const flagLabel = (box, text) => {
    const label = el("label", "inline");
    label.append(box, ` ${text}`);
    return label;
  };
  flags.append(flagLabel(hideControls, t("hide the controls")), flagLabel(hideText, t("hide the explanations")));
  const snippetField = el("textarea");
  snippetField.readOnly = true;
  snippetField.rows = 3;
  snippetField.id = "share-snippet";
  const copySnippet = el("button", "btn secondary", t("Copy snippet"));
  copySnippet.type = "button";
  const serverNote = el("p", "share-note");
  // One sentence around the setting: its translation places {setting} where its grammar wants.
  const note = t("Embedding on another site: the cnnlab server must allow that site's origin, e.g. {setting} (space-separated origins). Without it browsers refuse to show the frame.");
  const [before, after = ""] = note.split("{setting}");
  serverNote.append(before, el("code", null, frameAncestorsLine()), after);

  const exportRow = el("div", "share-exports");
  const button = (text, id) => {
    const b = el("button", "btn secondary", text);
    b.type = "button";
    b.id = id;
    exportRow.append(b);
    return b;
  };
  const pngButton = button(t("PNG for slides"), "share-png");
  const animButton = ANIMATED[lesson] ? button(t("Animated GIF of the steps"), "share-gif") : null;
  const jsonButton = button(t("Numbers (JSON)"), "share-json");
  const csvButton = button(t("Numbers (CSV)"), "share-csv");

  panel.append(
    el("h2", null, t("Share this view")),
    row(t("Link to this view"), linkField, copyLink),
    el("h3", null, t("Embed in a course page")),
    flags,
    row(t("Snippet ({width}×{height})", EMBED_SIZE), snippetField, copySnippet),
    serverNote,
    el("h3", null, t("Export")),
    exportRow,
    status,
  );

  const close = el("button", "btn secondary share-close", t("Close"));
  close.type = "button";
  close.addEventListener("click", () => {
    details.open = false;
    summary.focus();
  });
  panel.append(close);

  const fullTitle = lang === "zh" || title === titleZh ? `cnnlab: ${title}` : `cnnlab: ${title} (${titleZh})`;
  const slideTitle = lang === "zh" || title === titleZh ? `cnnlab · ${title}` : `cnnlab · ${title} ${titleZh}`;
  const refresh = () => {
    linkField.value = fullViewUrl(window.location.href, lang);
    const src = embedUrl(window.location.href, { controls: !hideControls.checked, text: !hideText.checked, lang });
    snippetField.value = iframeSnippet(src, fullTitle);
  };
  details.addEventListener("toggle", () => {
    if (details.open) refresh();
  });
  hideControls.addEventListener("change", refresh);
  hideText.addEventListener("change", refresh);
  copyLink.addEventListener("click", () => copy(linkField.value, linkField, status));
  copySnippet.addEventListener("click", () => copy(snippetField.value, snippetField, status));
  details.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && details.open) {
      details.open = false;
      summary.focus();
    }
  });

  const busy = async (b, work) => {
    b.disabled = true;
    status.textContent = t("Working…");
    try {
      status.textContent = await work();
    } catch (error) {
      status.textContent = error instanceof ApiError ? error.message : t("Export failed: {reason}", { reason: error.message });
    } finally {
      b.disabled = false;
    }
  };
  const received = () => {
    // The lesson's numbers: not the Share menu's own animation request, nor the Code panel's programs.
    const all = exchanges().filter((exchange) => !/^\/api\/(export\/|code$)/.test(exchange.url));
    if (!all.length) throw new Error(t("the page has no numbers yet: wait for the view to load"));
    return all;
  };
  pngButton.addEventListener("click", () =>
    busy(pngButton, async () => {
      const { slidePng } = await import("./export/png.js");
      download(await slidePng(lesson, slideTitle, fullViewUrl(window.location.href, lang)), `cnnlab-${lesson}.png`);
      return t("Downloaded the PNG (1920×1080).");
    }),
  );
  if (animButton) {
    animButton.addEventListener("click", () =>
      busy(animButton, async () => {
        const exchange = latest(ANIMATED[lesson].endpoint, ANIMATED[lesson].accept);
        if (!exchange) throw new Error(t("the page has no steps yet: wait for the view to load"));
        const result = await postJSON("/api/export/animation", { lesson, body: exchange.request, format: "gif" });
        download(base64Blob(result.data, result.media_type), `cnnlab-${lesson}.gif`);
        return t("Downloaded the GIF: {frames} frames of {steps} steps, {kb} kB.", { frames: result.frames, steps: result.steps, kb: Math.ceil(result.bytes / 1024) });
      }),
    );
  }
  jsonButton.addEventListener("click", () =>
    busy(jsonButton, async () => {
      download(new Blob([numbersJson(lesson, fullViewUrl(window.location.href, lang), received())], { type: "application/json" }), `cnnlab-${lesson}.json`);
      return t("Downloaded the numbers as JSON.");
    }),
  );
  csvButton.addEventListener("click", () =>
    busy(csvButton, async () => {
      download(new Blob([numbersCsv(received())], { type: "text/csv" }), `cnnlab-${lesson}.csv`);
      return t("Downloaded the numbers as CSV (endpoint, part, path, value).");
    }),
  );
  mount.append(details);
}

if (mount) {
  const info = { lesson: mount.dataset.lesson, title: mount.dataset.title, titleZh: mount.dataset.titleZh };
  if (document.body.classList.contains("embed")) openLink(info.lesson);
  else menu(info);
}
