// Weight initialisation: every scheme through the same network (POST /api/training/init), the
// chosen scheme's histograms per layer, the std per layer of all of them, and one layer read.

import { isAbort, postJSON } from "../../api.js";
import { mountCodePanel } from "../../code_mount.js";
import { coalesced } from "../../coalesce.js";
import { byId, el } from "../../dom.js";
import { explain as explainError } from "../../errors.js";
import { formatNumber as fmt } from "../../format.js";
import { t } from "../../i18n.js";
import { createHistograms } from "../../widgets/histograms.js";
import { createPlot } from "../../widgets/plot.js";
import { explain } from "./explain.js";

export const COLORS = { small: "#d55e00", large: "#cc79a7", zeros: "#000000", xavier: "#0072b2", he: "#009e73" };
const fetchInit = coalesced((payloads) =>
  Promise.all(payloads.map((payload) => postJSON("/api/training/init", payload))),
);
const actName = (act) => (act === "tanh" ? "tanh" : "ReLU");

function readoutRow(page, scheme, stats, chosen) {
  const tr = el("tr", scheme === chosen ? "selected" : "");
  tr.dataset.scheme = scheme;
  const th = el("th");
  th.scope = "row";
  const dot = el("span", "tr-dot");
  dot.style.backgroundColor = COLORS[scheme];
  th.append(dot, document.createTextNode(page.catalogue.schemes[scheme].label));
  const cells = [
    fmt(stats.mean),
    fmt(stats.std),
    fmt(stats.unit_spread),
    stats.saturated === null ? "—" : `${(100 * stats.saturated).toFixed(1)}%`,
  ].map((text) => el("td", "num", text));
  tr.append(th, ...cells);
  return tr;
}

export function createInit(page) {
  const schemes = Object.keys(page.catalogue.schemes);
  const code = mountCodePanel(byId("init-code"), "/api/training/init");
  let bodies = null; // the bodies of the last run, one per scheme
  let shownCode = null;
  const label = (scheme) => page.catalogue.schemes[scheme].label;
  let results = null; // scheme -> response
  const hists = createHistograms(byId("init-hists"), { onPick: (layer) => page.state.set({ il: layer }) });
  const stdPlot = createPlot(byId("init-plot"), {
    label: t("Standard deviation of the activations per layer, for every scheme"),
    xLabel: t("layer"),
    yLabel: t("std of activations"),
    yScale: "log",
    snap: true,
    formatX: (tick) => (Number.isInteger(tick) ? String(tick) : ""),
    onHover: (x) => {
      if (x !== null && results) page.state.set({ il: Math.round(x) });
    },
  });
  const selectedLayer = () => Math.min(page.state.get().il, page.state.get().layers);

  function renderLayer() {
    if (!results) return;
    const v = page.state.get();
    const layer = selectedLayer();
    const chosen = results[v.scheme];
    hists.select(layer);
    stdPlot.setHover(layer);
    const width = Number(v.width);
    byId("init-formula").textContent = t("{formula}: every weight has std {std} (n = {n}).", {
      formula: chosen.formula,
      std: fmt(chosen.weight_std),
      n: width,
    });
    byId("init-caption").textContent = t(
      "Layer {layer} of {layers} ({act}, n = {n}, batch {batch}, seed {seed}); input std {std}",
      { layer, layers: v.layers, act: actName(v.act), n: width, batch: v.batch, seed: v.seed, std: fmt(chosen.input_std) },
    );
    const rows = schemes.map((scheme) => readoutRow(page, scheme, results[scheme].layers[layer - 1], v.scheme));
    byId("init-readout").tBodies[0].replaceChildren(...rows);
    const stats = chosen.layers[layer - 1];
    byId("init-status").textContent = t("Layer {layer} std = {std} with {scheme} ({act}).", {
      layer,
      std: fmt(stats.std),
      scheme: label(v.scheme),
      act: actName(v.act),
    });
    byId("init-explain").textContent = explain(v, chosen, layer);
  }

  function draw() {
    if (!results) return;
    const v = page.state.get();
    const chosen = results[v.scheme];
    if (!chosen) return;
    const body = bodies[schemes.indexOf(v.scheme)];
    if (body !== shownCode) code.show((shownCode = body)); // the scheme in focus
    const edges = chosen.bin_edges;
    hists.update({ layers: chosen.layers, edges, color: COLORS[v.scheme], selected: selectedLayer() });
    byId("init-hist-range").textContent = t("({scheme}, {act}, bins from {low} to {high})", {
      scheme: label(v.scheme),
      act: actName(v.act),
      low: fmt(edges[0]),
      high: fmt(edges[edges.length - 1]),
    });
    const series = schemes.map((scheme) => ({
      name: scheme === "zeros" ? t("zeros (std = 0, not drawn)") : label(scheme),
      x: chosen.layers.map((l) => l.layer),
      y: results[scheme].layers.map((l) => l.std),
      color: COLORS[scheme],
      width: scheme === v.scheme ? 3.5 : 1.5,
      dash: scheme === v.scheme ? undefined : [5, 3],
      dots: scheme === v.scheme,
    }));
    stdPlot.update({ series, xDomain: [0.5, v.layers + 0.5] });
    renderLayer();
  }

  async function load() {
    const v = page.state.get();
    const payloads = schemes.map((scheme) => ({
      scheme,
      activation: v.act,
      layers: v.layers,
      width: Number(v.width),
      batch: Number(v.batch),
      seed: v.seed,
    }));
    byId("init-status").textContent = t("Computing…");
    let responses;
    try {
      responses = await fetchInit(payloads);
    } catch (error) {
      if (isAbort(error)) return;
      byId("init-error").textContent = t("Could not run the network. {reason}", { reason: explainError(error) });
      byId("init-status").textContent = t("The charts below still show the last settings that ran.");
      byId("init-results").classList.add("tr-stale");
      return;
    }
    byId("init-error").textContent = "";
    byId("init-results").classList.remove("tr-stale");
    results = Object.fromEntries(schemes.map((s, k) => [s, responses[k]]));
    bodies = payloads;
    draw();
  }

  return { load, draw, renderLayer };
}
