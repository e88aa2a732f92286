'use strict';
/** Small statistics helpers: medians and spreads over a handful of repetitions. */

function sorted(values) {
  return values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
}

/** Quantile by linear interpolation between closest ranks (q in [0, 1]). */
function quantile(values, q) {
  const s = sorted(values);
  if (s.length === 0) return NaN;
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

const median = (values) => quantile(values, 0.5);

/** { median, min, max, n, values } of finite values. */
function summary(values) {
  const s = sorted(values);
  return { median: median(s), min: s.length ? s[0] : NaN, max: s.length ? s[s.length - 1] : NaN, n: s.length, values };
}

/** Quantile of a typed array of latencies (sorted in place). */
function latencyQuantiles(samples, count, qs) {
  const view = samples.subarray(0, count).sort();
  return Object.fromEntries(qs.map((q) => [q, count ? view[Math.min(count - 1, Math.floor(q * count))] : NaN]));
}

module.exports = { quantile, median, summary, latencyQuantiles };
