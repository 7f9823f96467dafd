// One card per optimiser in the race: its colour and name, a log-scale learning-rate slider, its
// other hyper-parameters (ranges from the catalogue) and a remove button; and the "numbers of"
// menu.

import { byId, el, fillSelect } from "../../dom.js";
import { lang, t } from "../../i18n.js";
import { colorOf, raceSpecs } from "./race.js";
import { formatOpts, paramName } from "./presets.js";

function setParam(page, race, r, key, value, control) {
  const specs = raceSpecs(page);
  if (!specs[r]) return;
  specs[r][key] = Number.isFinite(value) ? value : 0;
  // A rate of 0 or less cannot be written in the race's link: the server says why, next to it.
  if (key === "lr" && !(value > 0)) {
    race.checkRate({ ...specs[r], lr: value }, control);
    return;
  }
  page.editingCard = true; // keep this card's DOM (a slider mid-drag)
  page.state.set({ opts: formatOpts(specs) });
  page.editingCard = false;
}

function cardTitle(page, info, r) {
  const title = el("div", "optim-card-title");
  const swatch = el("span", "swatch");
  swatch.style.background = colorOf(r);
  const zh = el("span", "", info.label_zh !== info.label ? ` ${info.label_zh}` : "");
  zh.lang = "zh";
  const remove = el("button", "optim-remove", "×");
  remove.type = "button";
  remove.title = t("Remove {name}", { name: info.label });
  remove.setAttribute("aria-label", t("Remove {name}", { name: info.label }));
  remove.addEventListener("click", () => {
    const next = raceSpecs(page).filter((_, k) => k !== r);
    page.state.set({ opts: formatOpts(next), sel: Math.min(page.state.get().sel, Math.max(0, next.length - 1)) });
  });
  title.append(swatch, el("strong", "", info.label), zh, remove);
  return title;
}

function rateControl(page, race, info, spec, r) {
  const label = el("label", "optim-lr");
  const slider = el("input");
  Object.assign(slider, { type: "range", min: "-6", max: "1", step: "0.05", value: String(Math.log10(spec.lr)) });
  slider.setAttribute("aria-label", t("{name} learning rate (log scale)", { name: info.label }));
  const number = el("input");
  Object.assign(number, { type: "number", step: "any", value: String(spec.lr) });
  number.setAttribute("aria-label", t("{name} learning rate", { name: info.label }));
  slider.addEventListener("input", () => {
    const lr = Number((10 ** Number(slider.value)).toPrecision(3));
    number.value = String(lr);
    setParam(page, race, r, "lr", lr);
  });
  number.dataset.param = "lr";
  number.addEventListener("change", () => setParam(page, race, r, "lr", Number(number.value), number));
  label.append(el("span", "", info.params.lr.description), slider, number);
  return label;
}

function otherParams(page, race, info, spec, r) {
  const others = el("div", "controls");
  for (const [key, param] of Object.entries(info.params)) {
    if (key === "lr") continue;
    const name = paramName(info, key, lang);
    const label = el("label", "", name);
    label.title = param.description;
    const input = el("input");
    Object.assign(input, { type: "number", step: "any", min: String(param.min), max: String(param.max), value: String(spec[key] ?? param.default) });
    input.setAttribute("aria-label", `${info.label} ${name}`);
    input.dataset.param = key;
    input.addEventListener("change", () => setParam(page, race, r, key, Number(input.value), input));
    label.append(input);
    others.append(label);
  }
  return others;
}

export function renderCards(page, race) {
  const specs = raceSpecs(page);
  const cards = specs.map((spec, r) => {
    const info = page.optimizers.get(spec.name);
    const item = el("li", "optim-card");
    item.dataset.optimizer = spec.name;
    item.append(cardTitle(page, info, r), rateControl(page, race, info, spec, r));
    const others = otherParams(page, race, info, spec, r);
    if (others.childElementCount) item.append(others);
    return item;
  });
  byId("race-optimizers").replaceChildren(...cards);
  const select = byId("race-selected");
  fillSelect(select, specs.map((spec, r) => [String(r), `${r + 1}. ${page.optimizers.get(spec.name).label}`]));
  select.value = String(Math.min(page.state.get().sel, Math.max(0, specs.length - 1)));
  byId("race-add").disabled = specs.length >= page.catalogue.max_optimizers;
}
