// The output's colours, so an uneven pattern (the checkerboard) shows at a glance: viridis from 0
// when no value is negative, else a diverging map centred on zero; the scale is always drawn.

import { byId } from "../../dom.js";
import { createColorbar, rgb, sequential, signedColor, textOn } from "../../colormap.js";
import { TEXT } from "./text.js";

let bar = null;

// output: F×Ho×Wo from the API -> colorFor(value) for the output grids.
export function outputShading(output) {
  const values = output.flat(2);
  const low = Math.min(...values);
  const high = Math.max(...values);
  const signed = low < 0;
  const limit = Math.max(Math.abs(low), Math.abs(high));
  const options = signed
    ? { kind: "diverging", min: -limit, max: limit, label: TEXT.scale }
    : { kind: "sequential", min: 0, max: high, label: TEXT.scale };
  if (bar) bar.update(options);
  else bar = createColorbar(byId("ct-scale"), options);
  if (signed) return (value) => signedColor(value, limit);
  return (value) => {
    const colour = sequential(high > 0 ? value / high : 0);
    return [rgb(colour), textOn(colour)];
  };
}
