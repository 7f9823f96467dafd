// An optimiser's controls, as the optimiser lesson shows them: its name (English and Chinese) and
// colour, the learning rate on a log-scale slider with its number, every other hyper-parameter
// as a number in its range, and a remove button when it may be removed. Draws and reports only.
//
// createOptimizerCard(el, { info, spec, color, removable, onChange(spec), onRemove() }) ->
//   { update(spec), destroy() }
// info: the optimiser's entry of GET /api/optimizers (label, label_zh, params with default,
// min, max and description); spec: { name, lr, ...the parameters set }.

import { labelOf, outOfRange, showAt } from "../errors.js";
import { lang, t } from "../i18n.js";

const LOG_MIN = -6;
const LOG_MAX = 1;

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export function createOptimizerCard(el, options) {
  const { info, color, removable, onChange, onRemove } = options;
  let spec = { ...options.spec };
  el.classList.add("optim-card");
  el.dataset.optimizer = info.name;

  const title = element("div", "optim-card-title");
  const swatch = element("span", "swatch");
  if (color) swatch.style.background = color;
  const zh = element("span", "", info.label_zh !== info.label ? ` ${info.label_zh}` : "");
  zh.lang = "zh";
  title.append(swatch, element("strong", "", info.label), zh);
  if (removable) {
    const remove = element("button", "optim-remove", "×");
    remove.type = "button";
    remove.title = t("Remove {name}", { name: info.label });
    remove.setAttribute("aria-label", remove.title);
    remove.addEventListener("click", () => onRemove && onRemove());
    title.append(remove);
  }

  const rate = element("label", "optim-lr");
  const slider = element("input");
  Object.assign(slider, { type: "range", min: String(LOG_MIN), max: String(LOG_MAX), step: "0.05" });
  slider.setAttribute("aria-label", t("{name} learning rate (log scale)", { name: info.label }));
  const number = element("input");
  Object.assign(number, { type: "number", step: "any", min: "0" });
  number.setAttribute("aria-label", t("{name} learning rate", { name: info.label }));
  rate.append(element("span", "", info.params.lr.description), slider, number);

  const send = (patch) => {
    spec = { ...spec, ...patch };
    if (onChange) onChange({ ...spec });
  };
  slider.addEventListener("input", () => {
    const lr = Number((10 ** Number(slider.value)).toPrecision(3));
    number.value = String(lr);
  });
  slider.addEventListener("change", () => {
    showAt(number, null);
    send({ lr: Number(number.value) });
  });
  // A refused value stays as typed with a sentence next to it; the optimiser keeps the old one.
  const refuse = (input, text) => {
    showAt(input, text);
    return !text;
  };
  number.addEventListener("change", () => {
    const lr = Number(number.value);
    const ok = number.value.trim() !== "" && lr > 0 && lr <= info.params.lr.max;
    const text = t("{name} must be more than 0 and at most {max} (you gave {value}). It still uses {kept}.", {
      name: labelOf(number),
      max: info.params.lr.max,
      value: number.value,
      kept: spec.lr,
    });
    if (refuse(number, ok ? null : text)) send({ lr });
  });

  const others = element("div", "controls");
  const inputs = {};
  for (const [key, param] of Object.entries(info.params)) {
    if (key === "lr") continue;
    // The key (PyTorch's name, "rho") in English; in Chinese the symbol its description starts
    // with ("ρ，摩擦系数（动量）" -> "ρ"), where an English word would stand out.
    const symbol = /^([^,，\s]{1,3})[,，]/.exec(param.description);
    const name = lang === "zh" && symbol ? symbol[1] : key;
    const label = element("label", "", name);
    label.title = param.description;
    const input = element("input");
    Object.assign(input, { type: "number", step: "any", min: String(param.min), max: String(param.max) });
    input.setAttribute("aria-label", `${info.label} ${name}`);
    input.addEventListener("change", () => {
      const value = Number(input.value);
      const range = { type: "float", min: param.min, max: param.max };
      const text = outOfRange(labelOf(input), range, input.value, spec[key] ?? param.default, { optimizer: true });
      if (refuse(input, text)) send({ [key]: value });
    });
    label.append(input);
    others.append(label);
    inputs[key] = input;
  }
  el.replaceChildren(title, rate, ...(others.childElementCount ? [others] : []));

  function render() {
    slider.value = String(Math.min(LOG_MAX, Math.max(LOG_MIN, Math.log10(spec.lr))));
    number.value = String(spec.lr);
    for (const [key, input] of Object.entries(inputs)) input.value = String(spec[key] ?? info.params[key].default);
  }
  render();

  return {
    update(next) {
      spec = { ...next };
      render();
    },
    destroy() {
      el.replaceChildren();
      el.classList.remove("optim-card");
    },
  };
}
