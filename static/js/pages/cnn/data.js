// The data set's first training examples, exactly as the network receives them, with their
// classes in English and Chinese (GET /api/cnn/datasets/{name}/examples).

import { getJSON, isAbort } from "../../api.js";
import { coalesced } from "../../coalesce.js";
import { byId } from "../../dom.js";
import { explain } from "../../errors.js";
import { t } from "../../i18n.js";
import { createThumbnails } from "../../widgets/thumbnails.js";
import { classBoth, classOf } from "./text.js";

const COUNT = 16;

// Captions and accessible names of examples of a data set.
export function labelled(data, labels, indices) {
  return {
    captions: labels.map((y) => classOf(data, y)),
    titles: labels.map((y, i) => t("training example {index}: {name}", { index: indices[i], name: classBoth(data, y) })),
  };
}

export function createData(page) {
  const thumbs = createThumbnails(byId("cnn-examples"), { label: t("The first training examples") });
  const fetchExamples = coalesced((url) => getJSON(url));

  async function load() {
    const data = page.dataset();
    let out;
    try {
      out = await fetchExamples(`/api/cnn/datasets/${data.name}/examples?split=train&start=0&count=${COUNT}`);
    } catch (error) {
      if (!isAbort(error)) byId("cnn-data-note").textContent = explain(error);
      return;
    }
    thumbs.update({ images: out.x, ...labelled(data, out.labels, out.indices) });
  }

  return { load };
}
