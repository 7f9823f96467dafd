// /cnn: build a small CNN, train it live in chunks of steps (POST /api/cnn/train, the state
// travelling with the page), watch every layer, run the sanity checks and compare optimisers.
// Every number comes from the API; the layer types, presets, data sets and limits from the
// page's catalogue, the optimisers from GET /api/optimizers. The URL holds the network, the
// data set, the optimiser, batch size, initialisation, weight decay, seed and the steps
// reached, so a link replays the same runs to the same steps; and section 6's example, run,
// checkpoint, clicked cell and weight (inside.js).
//
// The page object is where the runs live (page.run, page.overfit, page.compare: run.js), for
// the views that look inside the trained network (section 6, inside.js).

import { getJSON } from "../../api.js";
import { readCatalogue } from "../../catalogue.js";
import { mountCodePanel } from "../../code_mount.js";
import { byId, el } from "../../dom.js";
import { explain } from "../../errors.js";
import { t } from "../../i18n.js";
import { pageMayUse } from "../../keys.js";
import { createState } from "../../state.js";
import { formatOpts, parseOpts } from "../optimizers/presets.js";
import { createBuilder } from "./builder.js";
import { createChecks } from "./checks.js";
import { createCompare } from "./compare.js";
import { createData } from "./data.js";
import { createFilters } from "./filters.js";
import { createInside, insideSchema } from "./inside.js";
import { createLayers } from "./layers.js";
import { createLearn } from "./learn.js";
import { formatNet, parseNet, withClasses } from "./netcode.js";
import { createOverfit } from "./overfit.js";
import { createSerial } from "./trainer.js";
import { createTraining } from "./training.js";

// Keys whose change starts new runs, and those the network's description depends on.
const RUN_KEYS = ["net", "data", "opt", "batch", "init", "wd", "seed"];
const DESCRIBE_KEYS = ["net", "data", "opt", "batch"];

const catalogue = readCatalogue();
const page = {
  catalogue,
  optimizers: new Map(),
  serial: createSerial(),
  network: null, // POST /api/cnn/network's answer for the current network
  run: null,
  overfit: null,
  compare: [],
  state: null,
};

function makeState() {
  const { controls, datasets, presets, default_preset: preset } = catalogue;
  const data = datasets[0].name;
  return createState({
    ...controls,
    net: { type: "string", default: formatNet(presets[preset].layers[data], catalogue.layer_types) },
    data: { type: "string", default: data, options: datasets.map((d) => d.name) },
    opt: { type: "string", default: formatOpts([catalogue.optimizer]) },
    init: { type: "string", default: "auto", options: catalogue.init_schemes.map((s) => s.name) },
    speed: { type: "string", default: "0", options: catalogue.speeds.map(String) },
    ev: { type: "string", default: "100", options: catalogue.eval_every.map(String) },
    cmp: { type: "string", default: formatOpts(catalogue.compare) },
    cn: { type: "string", default: "200", options: catalogue.compare_steps.map(String) },
    gc: { type: "string", default: "", options: ["", "init", "now"] },
    ...insideSchema(),
  });
}

page.dataset = () => catalogue.datasets.find((d) => d.name === page.state.get().data);
page.layers = () => {
  const { net } = page.state.get();
  return parseNet(net, catalogue.layer_types, catalogue.max_layers) || catalogue.presets[catalogue.default_preset].layers[page.dataset().name];
};
page.setLayers = (layers) => page.state.set({ net: formatNet(layers, catalogue.layer_types) });
page.setDataset = (name) => {
  const data = catalogue.datasets.find((d) => d.name === name);
  page.state.set({ data: name, net: formatNet(withClasses(page.layers(), data.classes.length), catalogue.layer_types) });
};
// Status lines change five times a second while training: a screen reader hears them when a
// section stops instead.
page.announce = (id) => {
  byId("cnn-announce").textContent = byId(id).textContent;
};
page.optimizer = () => parseOpts(page.state.get().opt, page.optimizers, 1)[0] || { ...catalogue.optimizer };
// The body of POST /api/cnn/train without state and steps.
page.config = () => {
  const v = page.state.get();
  return { layers: page.layers(), dataset: v.data, seed: v.seed, init: v.init, optimizer: page.optimizer(), batch_size: v.batch, weight_decay: v.wd };
};

function wireKeys(training) {
  document.addEventListener("keydown", (event) => {
    // A focused control keeps its keys (a button's space, a select's arrows, a chart's arrows).
    if (!pageMayUse(event) || (event.target && event.target.tagName === "CANVAS")) return;
    if (event.key === " ") {
      event.preventDefault();
      training.toggle();
    } else if (event.key === "ArrowRight") {
      event.preventDefault();
      training.step();
    }
  });
}

async function init() {
  try {
    const list = await getJSON("/api/optimizers");
    page.optimizers = new Map(list.map((o) => [o.name, o]));
  } catch (error) {
    byId("cnn-train-error").textContent = explain(error);
    return;
  }
  page.state = makeState();
  // A hand-edited network that is not one the catalogue knows opens as the default.
  if (!parseNet(page.state.get().net, catalogue.layer_types, catalogue.max_layers)) page.setLayers(page.layers());
  const builder = createBuilder(page);
  const data = createData(page);
  const learn = createLearn(page);
  const layers = createLayers(page);
  const filters = createFilters(page);
  const checks = createChecks(page);
  const inside = createInside(page);
  const views = {
    update(run) {
      learn.update(run);
      layers.update(run);
      filters.update(run);
      checks.update(run);
      inside.update(run);
    },
    reset(run) {
      learn.reset(run);
      layers.reset(run);
      filters.reset(run);
      checks.reset(run);
      inside.reset(run);
    },
  };
  const training = createTraining(page, views);
  const overfit = createOverfit(page);
  const compare = createCompare(page);
  const trainers = [training.trainer, overfit.trainer, compare.trainer];
  page.pauseAll = () => trainers.forEach((t) => t.pause());

  function ready() {
    training.status();
    training.buttons();
    overfit.buttons();
    compare.buttons();
  }

  // The Code panel: the run's first chunk from its seed ("state": null), as many steps as the
  // programs carry (they hold every example of the chunk: here steps × batch ≤ 64, the API allows 128).
  const code = mountCodePanel(byId("cnn-code"), "/api/cnn/train");
  const firstChunk = () => {
    const config = page.config();
    return { ...config, state: null, steps: Math.max(1, Math.min(10, Math.floor(64 / config.batch_size))) };
  };
  byId("cnn-code").after(
    el("p", "note-text", t("The programs train this run's first steps from its seed, with its initial parameters and the examples of its batches written out as numbers, and print the loss of each step.")),
  );
  code.show(firstChunk);
  // Section 1's panel: the network's shapes, parameters and multiply-adds.
  const netCode = mountCodePanel(byId("cnn-net-code"), "/api/cnn/network", { title: t("The network in code: its shapes and parameters") });
  const netBody = () => ({ layers: page.layers(), dataset: page.state.get().data });
  netCode.show(netBody);

  page.state.subscribe(async (v, changed) => {
    const has = (keys) => changed.some((key) => keys.includes(key));
    if (has(RUN_KEYS)) code.show(firstChunk);
    if (has(["net", "data"])) netCode.show(netBody);
    if (has(DESCRIBE_KEYS)) page.network = null; // until the server has described the new one
    // Not on the steps a chunk writes: a control being typed into keeps what is typed.
    if (has([...RUN_KEYS, "ev", "speed"])) training.sync();
    if (has(["net", "data"])) builder.schedule();
    if (has(["data"])) data.load();
    if (has(RUN_KEYS)) {
      page.pauseAll();
      training.reset();
      overfit.reset();
      compare.reset();
    } else if (has(["cmp"])) compare.reset();
    if (has(["cn"])) compare.render();
    if (has(DESCRIBE_KEYS)) {
      await builder.describe();
      ready();
    }
  });

  builder.render();
  data.load();
  training.sync();
  wireKeys(training);
  const asked = page.state.get();
  const { step, ostep, cstep, gc } = asked;
  training.reset();
  overfit.reset();
  compare.reset();
  await builder.describe();
  ready();
  page.state.writeUrl();
  // A link replays its runs, one after the other (one request in flight), then its check.
  await training.replayTo(step);
  await overfit.replayTo(ostep);
  await compare.replayTo(cstep);
  if (gc) {
    byId("cnn-gc-at").value = gc;
    checks.run();
  }
}

init();
