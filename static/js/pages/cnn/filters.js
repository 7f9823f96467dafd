// Section 3 (filters), watch it learn: the first conv layer's filters as images after the last
// chunk (the train response's first_filters), on a diverging scale centred on zero with its
// colour bar, updating as they are learned.

import { createColorbar } from "../../colormap.js";
import { byId } from "../../dom.js";
import { createKernels } from "../../widgets/kernels.js";
import { TEXT } from "./text.js";

const T = TEXT.watch;

export function createFilters(page) {
  const kernels = createKernels(byId("cnn-filters"), { label: T.filtersLabel, caption: (f) => `W${f}` });
  const bar = createColorbar(byId("cnn-filters-bar"), { kind: "diverging", min: -1, max: 1, label: T.weight });
  const hasConv = () => page.layers().some((layer) => layer.type === "conv");

  function update(run) {
    const filters = run.filters;
    byId("cnn-filters-bar").hidden = !filters;
    if (!hasConv()) {
      kernels.update({ weight: [], limit: 0 });
      byId("cnn-filters-note").textContent = T.noConv;
      return;
    }
    if (!filters) {
      kernels.update({ weight: [], limit: 0 });
      byId("cnn-filters-note").textContent = T.filtersNote(run, 0);
      return;
    }
    kernels.update({ weight: filters.weight, limit: filters.limit });
    bar.update({ min: -filters.limit, max: filters.limit, label: T.weightOf(filters.layer) });
    byId("cnn-filters-note").textContent = T.filtersNote(run, filters.limit);
  }

  return { update, reset: update };
}
