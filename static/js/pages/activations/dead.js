// Experiment 2: one ReLU unit a = max(0, w·x + b) over seeded inputs
// (POST /api/activations/dead-relu): where it is active, its gradients, and one gradient step.

import { isAbort, postJSON } from "../../api.js";
import { mountCodePanel } from "../../code_mount.js";
import { coalesced } from "../../coalesce.js";
import { byId } from "../../dom.js";
import { createRefusals } from "../../errors.js";
import { formatNumber } from "../../format.js";
import { t } from "../../i18n.js";
import { createPlot } from "../../widgets/plot.js";
import { TEXT } from "./text.js";

const fetchDead = coalesced((payload) => postJSON("/api/activations/dead-relu", payload));
// The API's fields -> this experiment's inputs (by name), so a refusal sits next to its input.
const FIELDS = { weight: "w", bias: "b", samples: "samples", distribution: "dist", loc: "loc", scale: "scale", seed: "seed" };
const refusals = createRefusals(
  document.getElementById("dead-error"),
  (field) => (FIELDS[field] ? document.getElementById("dead-controls").elements[FIELDS[field]] : null),
);

// The x range to draw: the inputs, and the kink when it is near them, with a margin.
function viewRange(xs, kink) {
  let lo = Math.min(...xs);
  let hi = Math.max(...xs);
  if (kink !== null && Math.abs(kink - (lo + hi) / 2) < 2 * (hi - lo + 1)) {
    lo = Math.min(lo, kink);
    hi = Math.max(hi, kink);
  }
  const pad = (hi - lo) * 0.08 || 1;
  return [lo - pad, hi + pad];
}

function inactiveRanges(v, kink) {
  if (v.dw > 0) return [{ from: -Infinity, to: kink, label: t("inactive: f' = 0") }];
  if (v.dw < 0) return [{ from: kink, to: Infinity, label: t("inactive: f' = 0") }];
  return v.db <= 0 ? [{ from: -Infinity, to: Infinity, label: t("inactive everywhere: f' = 0") }] : [];
}

function renderStatus(data) {
  const count = data.active.filter(Boolean).length;
  const status = byId("dead-status");
  status.classList.toggle("dead", data.dead);
  status.textContent = data.dead
    ? t("DEAD: active on none of the {n} inputs. Its gradients are exactly 0, so no gradient step can change w or b: the unit stays dead for ever.", { n: data.x.length })
    : t("Active on {percent}% of the inputs ({count} of {n}).", { percent: (100 * data.fraction_active).toFixed(1), count, n: data.x.length });
  byId("dead-grads").textContent = t("dL/dw = mean(1[w·x + b > 0]·x) = {dw},  dL/db = mean(1[w·x + b > 0]) = {db}  (L = mean(a), so dL/da = 1 per input)", {
    dw: formatNumber(data.grad_weight),
    db: formatNumber(data.grad_bias),
  });
}

export function createDead(page) {
  const code = mountCodePanel(byId("dead-code"), "/api/activations/dead-relu");
  let data = null;
  const plot = createPlot(byId("dead-plot"), {
    label: t("A ReLU unit and the inputs it receives"),
    xLabel: t("input x"),
    yLabel: "a = max(0, w·x + b)",
    onHover: (x) => renderHover(x),
  });

  function renderHover(x) {
    if (x === null || !data) return;
    const v = page.state.get();
    const z = v.dw * x + v.db;
    const values = { x: formatNumber(x), z: formatNumber(z), a: formatNumber(Math.max(0, z)) };
    byId("dead-hover").textContent =
      z > 0 ? t("at x = {x}: z = w·x + b = {z}, a = {a}, f'(z) = 1", values) : t("at x = {x}: z = w·x + b = {z}, a = {a}, f'(z) = 0 (no gradient flows back from this input)", values);
  }

  function draw() {
    const v = page.state.get();
    const [lo, hi] = viewRange(data.x, data.kink);
    const line = Array.from({ length: 201 }, (_, i) => lo + ((hi - lo) * i) / 200);
    const unit = (x) => Math.max(0, v.dw * x + v.db);
    const points = data.x.map((x, i) => [x, unit(x), data.active[i]]).sort((a, b) => a[0] - b[0]);
    const dots = (active) => ({
      x: points.filter((p) => p[2] === active).map((p) => p[0]),
      y: points.filter((p) => p[2] === active).map((p) => p[1]),
      line: false,
      dots: true,
      hover: false,
    });
    plot.update({
      xDomain: [lo, hi],
      series: [
        { name: t("a = max(0, w·x + b)"), x: line, y: line.map(unit), color: "#009e73", width: 2.5 },
        { name: t("inputs where the unit is active"), color: "#0072b2", ...dots(true) },
        { name: t("inputs where it is inactive (no gradient)"), color: "#d55e00", ...dots(false) },
      ],
      ranges: inactiveRanges(v, data.kink),
      markers: data.kink === null ? [] : [{ x: data.kink, label: "w·x + b = 0", color: "#5b6470" }],
    });
    renderStatus(data);
  }

  async function load() {
    const v = page.state.get();
    const payload = { weight: v.dw, bias: v.db, samples: v.dn, distribution: v.ddist, loc: v.dloc, scale: v.dscale, seed: v.dseed };
    try {
      data = await fetchDead(payload);
    } catch (error) {
      if (!isAbort(error)) refusals.refuse(error, null, TEXT.experimentFailed);
      return;
    }
    refusals.clear();
    code.show(payload);
    draw();
  }

  // One gradient step on L = mean(a) with the API's gradients, kept inside the sliders' range.
  function step() {
    if (!data) return;
    const v = page.state.get();
    const { dw, db } = page.catalogue.controls;
    const clamp = (value, { min, max }) => Math.min(max, Math.max(min, Number(value.toFixed(4))));
    page.state.set({ dw: clamp(v.dw - v.lr * data.grad_weight, dw), db: clamp(v.db - v.lr * data.grad_bias, db) });
  }

  return { load, step };
}
