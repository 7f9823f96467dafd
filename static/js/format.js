// Number formatting shared by the pages. Pure: node's test runner checks each (tests/js).

const missing = (v) => v === null || v === undefined || !Number.isFinite(v);

// Four significant digits; exponent form below 1e-3 and from 1e6. "—" for a missing value.
export function formatNumber(v) {
  if (missing(v)) return "—";
  if (v === 0) return "0";
  const abs = Math.abs(v);
  if (abs < 1e-3 || abs >= 1e6) return v.toExponential(3);
  return String(Number(v.toPrecision(4)));
}

// Six significant digits, for the optimiser's numbers panel; exponent form below 1e-4 and from
// 1e5. "—" for null or undefined; NaN and ±Infinity as themselves.
export function formatPrecise(v) {
  if (v === null || v === undefined) return "—";
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return "0";
  const abs = Math.abs(v);
  if (abs >= 1e5 || abs < 1e-4) return v.toExponential(4);
  return String(Number(v.toPrecision(6)));
}

// At most four decimals, for pixel values in [0, 1] and their sums; exponent form below 1e-3
// and from 1e5.
export function formatDecimal(v) {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
  return String(Number(v.toFixed(4)));
}

// Axis ticks: short, with "1e5"-style powers of ten (2×1e-4, -1e6).
export function formatTick(v) {
  if (v === 0) return "0";
  const abs = Math.abs(v);
  if (abs >= 1e5 || abs < 1e-3) {
    const [mantissa, exponent] = v.toExponential(1).split("e");
    const m = mantissa.replace(/\.0$/, "");
    return `${m === "1" ? "" : m === "-1" ? "-" : `${m}×`}1e${Number(exponent)}`;
  }
  return String(Number(v.toPrecision(4)));
}

// A colour bar's end labels: three decimals, or exponent form outside [1e-2, 1e4).
export function formatScale(v) {
  return Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-2 && v !== 0) ? v.toExponential(2) : String(Number(v.toFixed(3)));
}

// A negative term after an operator goes in brackets: "2 + (-1)".
export function bracketed(v, format = formatNumber) {
  return v < 0 ? `(${format(v)})` : format(v);
}
