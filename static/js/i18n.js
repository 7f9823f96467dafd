// The page's strings in its language. The server embeds the catalogue this page needs as JSON
// (<script type="application/json" id="i18n">, built from the same gettext catalogues as the
// templates), so lookups are synchronous. Messages use {name} placeholders.

const data = (() => {
  // No document under node --test (the unit tests): English.
  const node = typeof document === "undefined" ? null : document.getElementById("i18n");
  if (!node) return {};
  try {
    return JSON.parse(node.textContent) || {};
  } catch {
    return {};
  }
})();

// "en" or "zh" (the <html lang> is "en" or "zh-CN").
export const lang = data.lang || "en";
const messages = data.messages || {};

function fill(text, params) {
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

// t("Step {step} of {total}", { step: 3, total: 9 })
export function t(message, params) {
  const translated = messages[message];
  return fill(typeof translated === "string" && translated ? translated : message, params);
}

// tn("{n} step", "{n} steps", n, { n }): plural forms as gettext's ngettext (Chinese has one).
export function tn(singular, plural, count, params) {
  const forms = messages[singular];
  let text = count === 1 ? singular : plural;
  if (Array.isArray(forms) && forms.length) {
    const chosen = forms.length === 1 ? forms[0] : forms[count === 1 ? 0 : 1];
    if (chosen) text = chosen;
  }
  return fill(text, { n: count, ...params });
}
