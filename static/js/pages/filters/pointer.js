// Pointing at a map pixel: its arithmetic is asked of POST /api/image/probe, coalesced (at most
// one request in flight, the latest pixel wins) so that a moving pointer sends a few requests,
// not one per pixel. A click pins the pixel (Esc unpins); while pinned, hovering does nothing.

import { postJSON } from "../../api.js";
import { mountCodePanel } from "../../code_mount.js";
import { createCoalescer } from "../../coalesce.js";
import { byId } from "../../dom.js";
import { t } from "../../i18n.js";
import { clearArithmetic, markProbe, showArithmetic } from "./arithmetic.js";
import { probePayload, probeRegion, kernelSide } from "./probe.js";
import { TEXT } from "./text.js";

export function createPointer(page) {
  // The arithmetic's own Code panel: the programs for the pixel shown (POST /api/image/probe).
  // Hovering changes the pixel many times a second: the open panel asks once the pointer rests.
  const code = mountCodePanel(byId("fl-arith-code"), "/api/image/probe", { title: t("This pixel's arithmetic in code"), settle: 500 });
  const send = async (target) => {
    const m = target.result.maps[target.f];
    const payload = probePayload(target.result, page.input, m, target.name, target.r, target.c);
    return { probe: await postJSON("/api/image/probe", payload), payload };
  };

  function show({ probe, payload }, target) {
    if (target.result !== page.result) return; // the maps changed meanwhile
    code.show(payload);
    const { result, input } = page;
    const m = result.maps[target.f];
    showArithmetic(result, m, probe, input.C, input.scale);
    const geometry = { K: kernelSide(m.kernel), padding: result.padding, stride: result.stride, pool: result.pool };
    const region = probeRegion(geometry, target.name, target.r, target.c, input.H, input.W);
    markProbe(page, target.f, probe, region, page.pinned !== null);
  }

  const coalescer = createCoalescer(send, {
    delay: 40,
    onResult: show,
    onError: () => {
      byId("fl-arith-empty").hidden = true;
      byId("fl-arith-body").textContent = TEXT.probeFailed;
    },
  });
  const target = (f, name, r, c) => ({ result: page.result, f, name, r, c });

  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && page.pinned) {
      page.pinned = null;
      coalescer.cancel();
      clearArithmetic(page);
    }
  });

  return {
    hover(f, name, r, c) {
      if (!page.pinned && page.result) coalescer.request(target(f, name, r, c));
    },
    pick(f, name, r, c) {
      page.pinned = { f, name, r, c };
      coalescer.request(target(f, name, r, c));
    },
    leave() {
      if (page.pinned) return;
      coalescer.cancel();
      clearArithmetic(page);
    },
  };
}
