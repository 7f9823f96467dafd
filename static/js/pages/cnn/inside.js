// Section 6, inside the trained network: one example (a test image, a misclassified one, a
// drawing or an upload) through the main run's network at its latest step or an earlier
// checkpoint; every layer's maps forward or backward, the softmax bars, any cell's arithmetic,
// one weight's gradient with the optimiser's next step, the first layer's kernels beside the
// filter presets, and the confusion matrix. The URL holds the example (its test index, or the
// drawing as compact text), the checkpoint, the clicked cell and weight, and the direction.

import { getJSON, postForm, postJSON } from "../../api.js";
import { mountCodePanel } from "../../code_mount.js";
import { byId, el, fillSelect } from "../../dom.js";
import { formatNumber as fmt } from "../../format.js";
import { t } from "../../i18n.js";
import { createDrawing, decodeImage, encodeImage, quantize } from "./inside_draw.js";
import { createRoving } from "./inside_keys.js";
import { layerFigure, windowMark } from "./inside_maps.js";
import { renderCell, renderWeight } from "./inside_trace.js";
import { createConfusion, renderFilters } from "./inside_views.js";
import { classBoth, classOf, optimizerName } from "./text.js";

const SIDE = 28;
const REFRESH_MS = 600; // after the last chunk of a run: the view follows when training pauses

// The section's keys in the page's state (and URL).
export function insideSchema() {
  return {
    src: { type: "string", default: "test", options: ["test", "drawn"] },
    ix: { type: "int", default: 0, min: 0, max: 1_000_000 },
    xd: { type: "string", default: "" },
    dl: { type: "int", default: -1, min: -1, max: 1023 },
    rn: { type: "int", default: 0, min: 0, max: 8 }, // 0: the main run, k: compared run k
    ck: { type: "int", default: 0, min: 0, max: 1_000_000 },
    cell: { type: "string", default: "" },
    wt: { type: "string", default: "" },
    bw: { type: "bool", default: false },
  };
}

// "3:1,5,7" -> { layer: 3, index: [1, 5, 7] }, or null.
export function parsePick(text) {
  const match = /^(\d+):(\d+(?:,\d+){0,3})$/.exec(text || "");
  return match ? { layer: Number(match[1]), index: match[2].split(",").map(Number) } : null;
}

// The status line: the network looked at (compared: the run's label), its step and the run's.
function networkStatus(compared, step, runStep) {
  if (compared === null) {
    return step !== runStep
      ? t("The network at step {step} (the run is at step {run}).", { step, run: runStep })
      : t("The network at step {step}.", { step });
  }
  return step !== runStep
    ? t("The network of the {label} run compared at step {step} (the run is at step {run}).", { label: compared, step, run: runStep })
    : t("The network of the {label} run compared at step {step}.", { label: compared, step });
}

const rows = (values) => Array.from({ length: SIDE }, (_, r) => Array.from(values.slice(r * SIDE, (r + 1) * SIDE)));

export function createInside(page) {
  const state = () => page.state.get();
  let sizes = new Map(); // test-split sizes by data set (GET /api/cnn/datasets)
  let generation = 0;
  let timer = null;
  let example = null; // { x, label, assumed, title }
  let seen = null; // POST /api/cnn/inspect's answer for it
  let net = null; // { step, state, layers }
  let netState = null; // the state the network-wide views show
  let filtersOut = null;
  let cellTrace = null; // the clicked cell's trace, for the marks
  let maps = []; // the feature-map views, destroyed before a redraw
  const testCache = new Map();
  let uploaded = false; // the drawing is an uploaded image (until drawn on)
  // The Code panels of this section: the network's numbers (from the run's state) written out.
  const codes = {
    inspect: mountCodePanel(byId("cnn-in-code"), "/api/cnn/inspect", { title: t("This example through the network, in code") }),
    cell: mountCodePanel(byId("cnn-in-cell-code"), "/api/cnn/trace", { title: t("This cell's arithmetic, in code") }),
    weight: mountCodePanel(byId("cnn-in-weight-code"), "/api/cnn/trace", { title: t("This weight's gradient and the optimiser's next step, in code") }),
    filters: mountCodePanel(byId("cnn-in-filters-code"), "/api/cnn/filters", { title: t("The filters and their presets, in code") }),
    confusion: mountCodePanel(byId("cnn-in-confusion-code"), "/api/cnn/confusion", { title: t("The confusion matrix, in code") }),
  };
  // The upload made into an example (from its decoded pixels; no network in it): shown while
  // the drawing is the upload.
  const uploadCode = mountCodePanel(byId("cnn-in-file-code"), "/api/cnn/example", { title: t("The uploaded image as an example, in code") });
  const showUpload = (body) => {
    byId("cnn-in-file-code").hidden = body === null;
    uploadCode.show(body);
  };

  const dataset = () => page.dataset();
  const className = (k) => classBoth(dataset(), k);
  const setStatus = (text) => {
    byId("cnn-in-status").textContent = text;
  };
  const setError = (id, text) => {
    byId(id).textContent = text || "";
  };

  const drawing = createDrawing(byId("cnn-in-draw"), {
    side: SIDE,
    label: t("Drawing canvas, 28×28: draw with the pointer, or arrows move the pen and space lifts or lowers it"),
    onChange(values) {
      uploaded = false;
      showUpload(null);
      page.state.set({ src: "drawn", xd: encodeImage(values), cell: "", wt: "" });
      byId("cnn-in-file-notes").replaceChildren();
      schedule(100);
    },
  });

  const confusion = createConfusion({
    pick: (index) => pickTest(index),
    examples: (indices) => getJSON(`/api/cnn/datasets/${dataset().name}/examples?split=test&indices=${indices.join(",")}`),
  });

  const probsRoving = createRoving(byId("cnn-in-probs"), {
    selector: "button",
    cols: () => 2,
    onPick: (_, button) => pickCell(Number(button.dataset.layer), [Number(button.dataset.k)]),
  });

  // The run looked at: the main one, or one of the optimisers compared (section 5).
  const chosenRun = () => (state().rn > 0 && page.compare[state().rn - 1]) || page.run;
  const runLabel = (run) => {
    const spec = run.config.optimizer;
    const info = page.optimizers.get(spec.name);
    return `${info ? optimizerName(info) : spec.name} α = ${spec.lr}`;
  };

  // The network looked at: the chosen checkpoint of the chosen run, or its latest state.
  function chosenNet() {
    const run = chosenRun();
    if (!run || !run.state) return null;
    const { ck } = state();
    const point = ck ? run.checkpoints.find((c) => c.step === ck) : null;
    const at = point || { step: run.step, state: run.state };
    return { ...at, layers: run.config.layers };
  }

  function checkpoints() {
    const runs = [["0", page.run ? t("the main run (section 2): {run}", { run: runLabel(page.run) }) : t("the main run")]];
    page.compare.forEach((r, k) => runs.push([String(k + 1), t("compared (section 5): {run}", { run: runLabel(r) })]));
    fillSelect(byId("cnn-in-run"), runs);
    byId("cnn-in-run").value = runs.some(([v]) => v === String(state().rn)) ? String(state().rn) : "0";
    const run = chosenRun();
    const select = byId("cnn-in-at");
    const entries = [["0", run && run.step ? t("the latest (step {step})", { step: run.step }) : t("the latest")]];
    if (run) [...run.checkpoints].reverse().forEach((c) => entries.push([String(c.step), t("step {step} (a checkpoint)", { step: c.step })]));
    const keep = String(state().ck);
    fillSelect(select, entries);
    select.value = entries.some(([v]) => v === keep) ? keep : "0";
  }

  async function testExample(index) {
    const key = `${dataset().name}:${index}`;
    if (!testCache.has(key)) {
      const out = await getJSON(`/api/cnn/datasets/${dataset().name}/examples?split=test&indices=${index}`);
      testCache.set(key, { x: out.x[0], label: out.labels[0] });
    }
    return testCache.get(key);
  }

  async function loadExample() {
    const v = state();
    if (v.src === "drawn") {
      const values = decodeImage(v.xd, SIDE * SIDE) || new Float64Array(SIDE * SIDE);
      drawing.set(values);
      const label = v.dl >= 0 && v.dl < dataset().classes.length ? v.dl : null;
      return { x: [rows(values)], label, title: uploaded ? t("Your image, converted") : t("Your drawing"), drawn: true };
    }
    const got = await testExample(v.ix);
    return { ...got, title: t("Test example {index}", { index: v.ix }), drawn: false };
  }

  const inspect = (body) => postJSON("/api/cnn/inspect", body);

  // The example through the chosen network, then the clicked cell and weight, then the views
  // of the whole network (when its state changed).
  async function refresh() {
    const mine = ++generation;
    checkpoints();
    net = chosenNet();
    if (!net) {
      clear();
      setStatus(
        page.network && !page.network.trainable
          ? t("Fix the network above to train it and look inside.")
          : t("Train at least one step (section {section}) to look inside the network.", { section: state().rn > 0 ? 5 : 2 }),
      );
      return;
    }
    setError("cnn-in-error", "");
    try {
      example = await loadExample();
      if (mine !== generation) return;
      setError("cnn-in-index-error", "");
      const body = { layers: net.layers, state: net.state, x: example.x };
      let label = example.label;
      example.assumed = label === null;
      if (label === null) {
        const first = await inspect(body);
        if (mine !== generation) return;
        label = first.predicted;
      }
      const out = await inspect({ ...body, label });
      if (mine !== generation) return;
      seen = { ...out, label };
      codes.inspect.show({ ...body, label });
    } catch (error) {
      if (mine !== generation) return;
      setError(state().src === "test" ? "cnn-in-index-error" : "cnn-in-error", error.message);
      return;
    }
    const run = chosenRun();
    setStatus(networkStatus(run === page.run ? null : runLabel(run), net.step, run.step));
    describeExample();
    cellTrace = null;
    renderLayers();
    renderProbs();
    await traceCell(mine);
    await traceWeight(mine);
    if (mine !== generation) return;
    await networkViews(mine);
  }

  function schedule(ms = REFRESH_MS) {
    clearTimeout(timer);
    timer = setTimeout(refresh, ms);
  }

  function describeExample() {
    const p = seen.probs[seen.predicted];
    const truth = example.assumed
      ? t("its class not given: the loss and gradients take the predicted class as the label")
      : t("true class {name}", { name: className(seen.label) });
    const verdict = example.assumed ? "" : seen.predicted === seen.label ? t(" ✓ right") : t(" ✗ wrong");
    byId("cnn-in-example").textContent = t("{title}: {truth}. Predicted {name} with p = {p}{verdict}. Loss L = −ln p_label = {loss}.", {
      title: example.title,
      truth,
      name: className(seen.predicted),
      p: fmt(p),
      verdict,
      loss: fmt(seen.loss),
    });
    byId("cnn-in-example").dataset.predicted = String(seen.predicted);
  }

  // ---------------------------------------------------------------- the layers, drawn

  function marksFor(layer, shape) {
    const pick = parsePick(state().cell);
    const tr = cellTrace;
    if (!pick || !tr) return () => [];
    return (layout) => {
      if (pick.layer === layer) return [{ ...layout.box(pick.index), kind: "pin" }];
      if (pick.layer !== layer + 1 || shape.length !== 3) return [];
      const spec = seen.layers[pick.layer].spec;
      const pad = spec.padding || 0;
      if (tr.kind === "conv") {
        const k = spec.size;
        return Array.from({ length: shape[0] }, (_, c) => windowMark(layout, shape, c, tr.top - pad, tr.left - pad, k, k));
      }
      if (tr.kind === "maxpool" || tr.kind === "avgpool") return [windowMark(layout, shape, pick.index[0], tr.top - pad, tr.left - pad, spec.size, spec.size)];
      if (tr.kind === "flatten") return [{ ...layout.box(tr.source), kind: "window" }];
      if (shape.length === 3 && pick.index.length === 3) return [{ ...layout.box(pick.index), kind: "window" }];
      return [];
    };
  }

  function renderLayers() {
    maps.forEach((m) => m.view.destroy());
    maps = [];
    const holder = byId("cnn-in-layers");
    holder.replaceChildren();
    const back = state().bw;
    const input = back ? seen.input_grad : example.x;
    maps.push(layerFigure(holder, { title: back ? t("input: dL/dx") : t("input"), shape: [1, SIDE, SIDE], values: input, grey: !back, marks: marksFor(-1, [1, SIDE, SIDE]) }));
    seen.layers.forEach((info, i) => {
      holder.append(el("span", "cnn-in-arrow", "→"));
      const values = back ? seen.grads[i] : seen.activations[i];
      const figure = layerFigure(holder, {
        title: `${i}. ${info.description}${back ? ": dL/dy" : ""}`,
        shape: info.output_shape,
        values,
        marks: marksFor(i, info.output_shape),
        onPick: (cell) => pickCell(i, cell),
      });
      figure.figure.dataset.layer = String(i);
      maps.push(figure);
    });
    byId("cnn-in-forward").setAttribute("aria-pressed", String(!back));
    byId("cnn-in-backward").setAttribute("aria-pressed", String(back));
    byId("cnn-in-layers-note").textContent = back
      ? t(
          "Backward (反向传播): dL/dy, the gradient of this example's loss (label {name}) with respect to each layer's output, from the scores (p − one-hot) back to the input. Blue negative, orange positive, white 0; each layer on its own scale.",
          { name: className(seen.label) },
        )
      : t(
          "Forward: each layer's output in layer order, channels side by side. Maps with negative values: blue < 0 < orange, white 0; maps that are all ≥ 0: viridis from 0. Each layer on its own scale, its min and max under it. Click a cell (or focus a map, move with the arrows, press Enter) for its arithmetic.",
        );
  }

  function renderProbs() {
    const box = byId("cnn-in-probs");
    const L = seen.layers.length;
    const items = seen.probs.map((p, k) => {
      const row = el("div", "cnn-in-prob");
      row.setAttribute("role", "row");
      if (k === seen.predicted) row.classList.add("predicted");
      const name = el("span", "cnn-in-class", `${k}. ${className(k)}`);
      name.setAttribute("role", "rowheader");
      const score = el("button", "cnn-in-score", `z = ${fmt(seen.logits[k])}`);
      score.type = "button";
      score.dataset.layer = String(L - 1);
      score.dataset.k = String(k);
      score.setAttribute("role", "gridcell");
      score.setAttribute("aria-label", t("score of {name}: {z}, Enter for its arithmetic", { name: classOf(dataset(), k), z: fmt(seen.logits[k]) }));
      const bar = el("button", "cnn-in-bar");
      bar.type = "button";
      bar.dataset.layer = String(L);
      bar.dataset.k = String(k);
      bar.setAttribute("role", "gridcell");
      bar.setAttribute("aria-label", t("probability of {name}: {p}, Enter for the softmax", { name: classOf(dataset(), k), p: fmt(p) }));
      const fill = el("span", "cnn-in-fill");
      fill.style.width = `${(100 * p).toFixed(2)}%`;
      const tags = [];
      if (k === seen.predicted) tags.push(t("predicted"));
      if (!example.assumed && k === seen.label) tags.push(t("true class"));
      bar.append(fill, el("span", "cnn-in-p", `${fmt(p)}${tags.length ? ` · ${tags.join(t(", "))}` : ""}`));
      row.append(name, score, bar);
      return row;
    });
    box.replaceChildren(...items);
    probsRoving.refresh();
  }

  // ---------------------------------------------------------------- a cell, a weight

  function pickCell(layer, index) {
    page.state.set({ cell: `${layer}:${index.join(",")}` });
    traceCell(generation).then(() => byId("cnn-in-arith").scrollIntoView({ block: "nearest" }));
  }

  async function traceCell(mine) {
    const pick = parsePick(state().cell);
    const box = byId("cnn-in-arith");
    if (!pick || !seen) {
      box.replaceChildren();
      codes.cell.show(null);
      return;
    }
    let out;
    const body = { layers: net.layers, state: net.state, x: example.x, layer: pick.layer, cell: pick.index };
    try {
      out = await postJSON("/api/cnn/trace", body);
    } catch (error) {
      if (mine === generation) box.replaceChildren(el("p", "message error", t("That cell cannot be traced: {message}", { message: error.message })));
      return;
    }
    if (mine !== generation) return;
    cellTrace = out.cell;
    codes.cell.show(body);
    const L = seen.layers.length;
    const info = seen.layers[pick.layer];
    const title =
      pick.layer === L
        ? t("Softmax, class {name}", { name: className(pick.index[0]) })
        : t("Layer {layer} ({description}), cell [{cell}]", { layer: pick.layer, description: info.description, cell: pick.index.join(", ") });
    renderCell(box, out.cell, info ? info.spec : {}, title, (weight) => pickWeight(pick.layer, weight));
    renderLayers();
  }

  function weightLayers() {
    const convs = page.layers().map((layer, i) => [layer, i]).filter(([layer]) => layer.type === "conv");
    fillSelect(byId("cnn-in-wlayer"), convs.map(([layer, i]) => [String(i), t("layer {i}: conv {size}×{size}×{filters}", { i, size: layer.size, filters: layer.filters })]));
    return convs.length;
  }

  function pickWeight(layer, index) {
    page.state.set({ wt: `${layer}:${index.join(",")}` });
    traceWeight(generation).then(() => byId("cnn-in-grad").scrollIntoView({ block: "nearest" }));
  }

  async function traceWeight(mine) {
    const pick = parsePick(state().wt);
    const box = byId("cnn-in-grad");
    setError("cnn-in-weight-error", "");
    if (!pick || !seen || pick.index.length !== 4) {
      box.replaceChildren();
      codes.weight.show(null);
      return;
    }
    byId("cnn-in-wlayer").value = String(pick.layer);
    ["wf", "wc", "wm", "wn"].forEach((id, i) => {
      byId(`cnn-in-${id}`).value = String(pick.index[i]);
    });
    let out;
    const body = { layers: net.layers, state: net.state, x: example.x, label: seen.label, layer: pick.layer, weight: pick.index, param: "weight" };
    try {
      out = await postJSON("/api/cnn/trace", body);
    } catch (error) {
      if (mine === generation) {
        box.replaceChildren();
        setError("cnn-in-weight-error", error.message);
      }
      return;
    }
    if (mine !== generation) return;
    const info = seen.layers[pick.layer];
    codes.weight.show(body);
    renderWeight(box, out.weight, out.update, out.update && page.optimizers.get(out.update.optimizer), info.spec);
  }

  // ---------------------------------------------------------------- the whole network

  function mistakes(out) {
    const select = byId("cnn-in-wrong");
    const entries = [
      ["", out.misclassified_count ? t("choose one of {n} (the most confident first)", { n: out.misclassified_count }) : t("none: every test example is right")],
    ];
    out.misclassified.forEach((m) => entries.push([String(m.index), `#${m.index}: ${classOf(out, m.label)} → ${classOf(out, m.predicted)} (p = ${fmt(m.prob)})`]));
    fillSelect(select, entries);
  }

  async function networkViews(mine) {
    const firstConv = seen.layers.findIndex((l) => l.type === "conv");
    const firstMaps = firstConv >= 0 ? seen.activations[firstConv] : null;
    if (net.state === netState) {
      if (filtersOut) renderFilters(filtersOut, firstMaps);
      return;
    }
    const body = { layers: net.layers, state: net.state, dataset: dataset().name };
    try {
      filtersOut = await postJSON("/api/cnn/filters", body);
      if (mine !== generation) return;
      renderFilters(filtersOut, firstMaps);
      codes.filters.show(body);
      const out = await postJSON("/api/cnn/confusion", body);
      if (mine !== generation) return;
      codes.confusion.show(body);
      confusion.render(out);
      mistakes(out);
      netState = net.state;
    } catch (error) {
      if (mine === generation) byId("cnn-in-confusion-note").textContent = error.message;
    }
  }

  function clear() {
    maps.forEach((m) => m.view.destroy());
    maps = [];
    seen = null;
    netState = null;
    filtersOut = null;
    ["cnn-in-layers", "cnn-in-probs", "cnn-in-arith", "cnn-in-grad", "cnn-in-filters"].forEach((id) => byId(id).replaceChildren());
    byId("cnn-in-example").textContent = "";
    byId("cnn-in-layers-note").textContent = "";
    byId("cnn-in-filters-note").textContent = "";
    fillSelect(byId("cnn-in-wrong"), [["", t("train first")]]);
    confusion.clear();
    Object.values(codes).forEach((code) => code.show(null));
  }

  // ---------------------------------------------------------------- controls

  function pickTest(index) {
    page.state.set({ src: "test", ix: index, cell: "", wt: "" });
    byId("cnn-in-index").value = String(index);
    schedule(0);
    byId("cnn-in-example").scrollIntoView({ block: "nearest" });
  }

  async function upload(file) {
    setError("cnn-in-file-error", "");
    const form = new FormData();
    form.append("file", file, file.name);
    let out;
    try {
      out = await postForm(`/api/cnn/example?dataset=${dataset().name}&invert=auto`, form);
    } catch (error) {
      setError("cnn-in-file-error", `${file.name}: ${error.message}`);
      return;
    }
    const values = quantize(out.x[0].flat());
    drawing.set(values);
    uploaded = true;
    showUpload({ dataset: dataset().name, invert: "auto", pixels: out.pixels, scale: out.scale });
    page.state.set({ src: "drawn", xd: encodeImage(values), cell: "", wt: "" });
    const notes = [...out.notes, t("kept at 256 grey levels (k / 255), as the link stores it; you can draw on it")];
    byId("cnn-in-file-notes").replaceChildren(...notes.map((n) => el("li", "", n)));
    schedule(0);
  }

  function classSelect() {
    const classes = dataset().classes;
    fillSelect(byId("cnn-in-class"), [["-1", t("the predicted one")], ...classes.map((_, k) => [String(k), className(k)])]);
    byId("cnn-in-class").value = String(state().dl < classes.length ? state().dl : -1);
  }

  function wire() {
    classSelect();
    byId("cnn-in-index").value = String(state().ix);
    byId("cnn-in-draw-note").textContent = t("28×28 like the data: light strokes on black, the brush about 2 pixels wide, anti-aliased as the shapes are drawn.");
    weightLayers();
    byId("cnn-in-test-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const raw = byId("cnn-in-index").value;
      const n = Number(raw);
      const size = sizes.get(dataset().name);
      const top = size === undefined ? Infinity : size - 1;
      if (raw === "" || !Number.isInteger(n) || n < 0 || n > top) {
        const most = size === undefined ? t("the test set's size − 1") : top;
        setError("cnn-in-index-error", t("The index must be a whole number from 0 to {top}.", { top: most }));
        return;
      }
      setError("cnn-in-index-error", "");
      pickTest(n);
    });
    byId("cnn-in-wrong").addEventListener("change", (event) => {
      if (event.target.value !== "") pickTest(Number(event.target.value));
    });
    byId("cnn-in-undo").addEventListener("click", () => drawing.undo());
    byId("cnn-in-clear").addEventListener("click", () => drawing.clear());
    byId("cnn-in-class").addEventListener("change", (event) => {
      page.state.set({ dl: Number(event.target.value) });
      if (state().src === "drawn") schedule(0);
    });
    byId("cnn-in-file").addEventListener("change", (event) => {
      const file = event.target.files && event.target.files[0];
      if (file) upload(file);
    });
    byId("cnn-in-run").addEventListener("change", (event) => {
      page.state.set({ rn: Number(event.target.value), ck: 0 });
      schedule(0);
    });
    // A compared run moves on (its chunks write cstep): the view follows when it pauses.
    page.state.subscribe((v, changed) => {
      if (changed.includes("cstep") && v.rn > 0) {
        checkpoints();
        schedule();
      }
    });
    byId("cnn-in-at").addEventListener("change", (event) => {
      page.state.set({ ck: Number(event.target.value) });
      schedule(0);
    });
    const direction = (bw) => {
      page.state.set({ bw });
      if (seen) renderLayers();
    };
    byId("cnn-in-forward").addEventListener("click", () => direction(false));
    byId("cnn-in-backward").addEventListener("click", () => direction(true));
    byId("cnn-in-weight-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const values = ["wf", "wc", "wm", "wn"].map((id) => byId(`cnn-in-${id}`).value);
      const refusals = [
        t("The filter f must be a whole number from 0."),
        t("The channel c must be a whole number from 0."),
        t("The row m must be a whole number from 0."),
        t("The column n must be a whole number from 0."),
      ];
      const bad = values.findIndex((raw) => raw === "" || !Number.isInteger(Number(raw)) || Number(raw) < 0);
      if (bad >= 0) {
        setError("cnn-in-weight-error", refusals[bad]);
        return;
      }
      if (!byId("cnn-in-wlayer").value) {
        setError("cnn-in-weight-error", t("This network has no conv layer: there is no kernel weight to pick."));
        return;
      }
      if (!seen) {
        setError("cnn-in-weight-error", t("Train at least one step first: a weight's gradient needs a trained network and an example."));
        return;
      }
      pickWeight(Number(byId("cnn-in-wlayer").value), values.map(Number));
    });
  }

  async function init() {
    wire();
    try {
      const sets = await getJSON("/api/cnn/datasets");
      sizes = new Map(sets.map((d) => [d.name, d.test_size]));
      byId("cnn-in-index").max = String(sizes.get(dataset().name) - 1);
    } catch (error) {
      setError("cnn-in-error", error.message);
    }
    if (state().src === "drawn") drawing.set(decodeImage(state().xd, SIDE * SIDE) || new Float64Array(SIDE * SIDE));
  }

  init();
  return {
    // After a chunk of the main run: the view follows once training pauses.
    update(run) {
      checkpoints();
      if (run.state) schedule();
    },
    // A new run (another network, data set, optimiser...): nothing to look inside yet.
    reset() {
      clearTimeout(timer);
      generation += 1;
      testCache.clear();
      classSelect();
      weightLayers();
      checkpoints();
      clear();
      setStatus(t("Train at least one step (section {section}) to look inside the network.", { section: 2 }));
    },
  };
}
