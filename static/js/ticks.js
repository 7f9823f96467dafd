// Axis ticks and interpolation for the charts. Pure: node's test runner checks each (tests/js).

// A round step (1, 2, 2.5 or 5 times a power of ten) giving about `count` intervals over span.
export function niceStep(span, count) {
  const raw = span / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 2.5 ? 2.5 : fraction <= 5 ? 5 : 10;
  return nice * power;
}

export function linearTicks(lo, hi, count) {
  if (!(hi > lo)) return [lo];
  const step = niceStep(hi - lo, count);
  const ticks = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) {
    ticks.push(Math.abs(v) < step * 1e-9 ? 0 : Number(v.toPrecision(12)));
  }
  return ticks;
}

// Ticks for a log axis given log10 bounds: whole decades, thinned when there are many.
export function logTicks(lo, hi, count) {
  const first = Math.ceil(lo - 1e-9);
  const last = Math.floor(hi + 1e-9);
  if (last - first < 1) return linearTicks(10 ** lo, 10 ** hi, count).filter((v) => v > 0);
  const every = Math.max(1, Math.ceil((last - first + 1) / Math.max(2, count)));
  const ticks = [];
  for (let e = first; e <= last; e++) if ((e - first) % every === 0) ticks.push(10 ** e);
  return ticks;
}

// Linear interpolation of (xs, ys) at x; xs ascending. null outside the data or across a gap.
export function interpolate(xs, ys, x) {
  const n = Math.min(xs.length, ys.length);
  if (!n || x < xs[0] || x > xs[n - 1]) return null;
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] <= x) lo = mid;
    else hi = mid;
  }
  if (xs[hi] === x) return ys[hi];
  if (xs[lo] === x || hi === lo) return ys[lo];
  const t = (x - xs[lo]) / (xs[hi] - xs[lo]);
  const y = ys[lo] + (ys[hi] - ys[lo]) * t;
  return Number.isFinite(y) ? y : null;
}

// The x of xs nearest to x (the first on ties).
export function nearest(xs, x) {
  let best = xs[0];
  for (const v of xs) if (Math.abs(v - x) < Math.abs(best - x)) best = v;
  return best;
}
