// Experiment 1: the product of f' through n layers (POST /api/activations/vanishing), against
// the sigmoid's ceiling 0.25ⁿ.

import { isAbort, postJSON } from "../../api.js";
import { mountCodePanel } from "../../code_mount.js";
import { coalesced } from "../../coalesce.js";
import { byId, el } from "../../dom.js";
import { createRefusals } from "../../errors.js";
import { formatNumber } from "../../format.js";
import { t, tn } from "../../i18n.js";
import { createPlot } from "../../widgets/plot.js";
import { COLORS, TEXT } from "./text.js";

const FUNCTIONS = ["sigmoid", "tanh", "relu"];
const fetchVanishing = coalesced((payload) => postJSON("/api/activations/vanishing", payload));
// The API's fields -> this experiment's inputs (by name), so a refusal sits next to its input.
const FIELDS = { depth: "depth", samples: "samples", distribution: "dist", loc: "loc", scale: "scale", seed: "seed" };
const refusals = createRefusals(
  document.getElementById("van-error"),
  (field) => (FIELDS[field] ? document.getElementById("van-controls").elements[FIELDS[field]] : null),
);

function readoutRow(name, label, stats, k) {
  const tr = el("tr");
  tr.dataset.name = name;
  const th = el("th");
  th.scope = "row";
  const swatch = el("span", "act-dot");
  swatch.style.backgroundColor = COLORS[name];
  th.append(swatch, document.createTextNode(label));
  th.translate = false; // a name: the same in both languages
  const values = [formatNumber(stats.mean[k - 1]), formatNumber(stats.median[k - 1]), `${(100 * stats.fraction_zero[k - 1]).toFixed(1)}%`];
  tr.append(th, ...values.map((text) => el("td", "", text)));
  return tr;
}

export function createVanishing(page) {
  const code = mountCodePanel(byId("van-code"), "/api/activations/vanishing");
  const label = (name) => page.catalogue.functions[name].label;
  let data = null;
  const plot = createPlot(byId("van-plot"), {
    label: t("Product of derivatives against the number of layers"),
    xLabel: t("layers n"),
    yLabel: t("product of f'"),
    yScale: "log",
    snap: true,
    onHover: (x) => {
      if (x !== null && data) page.state.set({ vk: Math.round(x) });
    },
  });

  function render() {
    if (!data) return;
    const v = page.state.get();
    const n = data.depth.length;
    const k = v.vk >= 1 && v.vk <= n ? v.vk : n;
    plot.setHover(k);
    byId("van-caption").textContent = tn("through n = {n} layer ({samples} samples, seed {seed})", "through n = {n} layers ({samples} samples, seed {seed})", k, { samples: v.vn, seed: v.vseed });
    byId("van-readout").tBodies[0].replaceChildren(...FUNCTIONS.map((name) => readoutRow(name, label(name), data.functions[name], k)));
    byId("van-note").textContent = [
      t("Sigmoid: never more than 0.25^{k} = {bound}, whatever the inputs.", { k, bound: formatNumber(data.sigmoid_bound[k - 1]) }),
      t("ReLU: each factor is exactly 1 or 0, so the product is 1 while every layer on the path is active and 0 once one is not; its mean is the share of paths still open (log scale: zeros are not drawn)."),
      t("Draws: mean {mean}, sd {sd}.", { mean: formatNumber(data.draws_mean), sd: formatNumber(data.draws_std) }),
    ].join(" ");
  }

  function draw() {
    if (!data) return;
    const stat = page.state.get().vstat;
    const series = FUNCTIONS.map((name) => ({
      name: label(name),
      x: data.depth,
      y: data.functions[name][stat],
      color: COLORS[name],
      dots: true,
    }));
    series.push({ name: t("0.25ⁿ (the sigmoid's ceiling)"), x: data.depth, y: data.sigmoid_bound, color: "#5b6470", dash: [4, 4], width: 1.5 });
    plot.update({ series, xDomain: [0.5, data.depth.length + 0.5] });
    render();
  }

  async function load() {
    const v = page.state.get();
    const payload = { functions: FUNCTIONS, depth: v.vd, samples: v.vn, distribution: v.vdist, loc: v.vloc, scale: v.vscale, seed: v.vseed };
    try {
      data = await fetchVanishing(payload);
    } catch (error) {
      if (!isAbort(error)) refusals.refuse(error, null, TEXT.experimentFailed);
      return;
    }
    refusals.clear();
    code.show(payload);
    draw();
  }

  return { load, draw, render };
}
