// The optimiser lesson's presets and the numbers panel's rows, from GET /api/optimizers (its
// catalogue: race_default, lesson, search_ranges, quantities). Pure: node's test runner checks
// these (tests/js).

import { formatPrecise as fmt } from "../../format.js";

// The words of the helpers below in English, placeholders filled. The page passes its own t
// (i18n.js, the page's language) as the last argument; this module stays free of the DOM, for node.
export function english(message, params) {
  return message.replace(/\{(\w+)\}/g, (whole, name) => (params && name in params ? String(params[name]) : whole));
}

// The default race: the optimisers with a race_default, in catalogue order, with those parameters.
export function defaultRace(optimizers) {
  return formatOpts(optimizers.filter((o) => o.race_default).map((o) => ({ name: o.name, ...o.race_default })));
}

// "adam:lr=0.05,beta1=0.9;sgd:lr=0.001" <-> [{ name, lr, beta1 }, ...]: unknown optimisers and
// parameters are skipped, at most max entries, and a missing or non-positive lr is the default.
export function parseOpts(text, optimizers, max) {
  const list = [];
  for (const part of text.split(";")) {
    const [name, rest = ""] = part.split(":");
    const info = optimizers.get(name);
    if (!info || list.length >= max) continue;
    const spec = { name };
    for (const item of rest.split(",")) {
      const [key, value] = item.split("=");
      if (key && info.params[key] && value !== "" && Number.isFinite(Number(value))) spec[key] = Number(value);
    }
    if (!(spec.lr > 0)) spec.lr = info.params.lr.default;
    list.push(spec);
  }
  return list;
}

export function formatOpts(list) {
  return list.map(({ name, ...params }) => `${name}:${Object.entries(params).map(([k, v]) => `${k}=${v}`).join(",")}`).join(";");
}

// A parameter's symbol, from its catalogue description: "β1, decay of ..." -> "β1";
// "learning rate α" -> "α".
export function paramSymbol(description) {
  const symbol = /^([^,，\s]{1,3})[,，]/.exec(description); // a Chinese description has "，"
  if (symbol) return symbol[1];
  return description.split(" ").pop();
}

// How a parameter is named beside its input: its key ("beta1", PyTorch's name) in English, its
// symbol ("β1") in Chinese, where an English word would stand out.
export function paramName(info, key, language = "en") {
  const param = info.params[key];
  return language === "zh" && param ? paramSymbol(param.description) : key;
}

// The rows of the numbers panel for step t -> t + 1 of a run: [symbol, meaning, value], value a
// number or an [x, y] pair. scheduled: a learning-rate schedule is on.
export function numbersRows(run, info, i, scheduled, t = english) {
  const rows = [
    ["x_t", t("the current point"), run.points[i]],
    ["f(x_t)", t("the loss there"), run.losses[i]],
  ];
  if (i >= run.points.length - 1) return rows;
  for (const q of info.quantities) {
    if (q.schedule_only && !scheduled) continue;
    const meaning = q.param ? `${q.meaning} (${paramSymbol(info.params[q.param].description)} = ${run.params[q.param]})` : q.meaning;
    rows.push([q.symbol, meaning, run.internals[q.name][i]]);
  }
  rows.push(["Δx = x_{t+1} − x_t", t("the update"), run.internals.update[i]]);
  rows.push(["x_{t+1}", t("the next point"), run.points[i + 1]]);
  rows.push(["f(x_{t+1})", t("the loss there"), run.losses[i + 1]]);
  return rows;
}

// What the panel's head says about step t of a run.
export function stepHead(run, i, t = english) {
  const n = run.points.length;
  if (i < n - 1) return t("{label}, step {step} (t = {step}): from x_{from} to x_{to}", { label: run.label, step: i + 1, from: i, to: i + 1 });
  if (run.diverged_at !== null) {
    return t(
      "{label} diverged at step {step}: that step's point, loss or state was not finite or ran away (|x| > 1e6 or |f| > 1e12). The last finite point is x_{last}.",
      { label: run.label, step: run.diverged_at, last: i },
    );
  }
  return t("{label}: x_{last} is the last point ({n} steps).", { label: run.label, last: i, n: n - 1 });
}

export const pair = (p) => `(${fmt(p[0])}, ${fmt(p[1])})`;
