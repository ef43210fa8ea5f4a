import { ExponentialHistogram } from './ExponentialHistogram.js';
import type { ExplicitHistogramData, ExponentialHistogramOptions } from './types.js';

/**
 * Turns an explicit-bucket point (from an SDK that does not send exponential histograms) into an
 * ExponentialHistogram, so it can be merged with the agent's: each bucket's count is recorded at the
 * midpoint of the bucket, (lower + upper) / 2, where the open first and last buckets are closed by the
 * point's min and max (or, without them, collapse onto their finite bound).
 *
 * This loses precision to the explicit bucket width: a quantile of the result is only as good as the
 * explicit bucket it came from (e.g. ±50% of a 0.5..1 s bucket's midpoint), not the exponential
 * histogram's relativeError. count, sum, min and max are carried over exactly.
 */
export function explicitToExponential(data: ExplicitHistogramData, options?: ExponentialHistogramOptions): ExponentialHistogram {
  const h = new ExponentialHistogram(options);
  const bounds = data.explicitBounds;
  const counts = data.bucketCounts;
  const hasMinMax = data.count > 0 && data.min !== undefined && data.max !== undefined && Number.isFinite(data.min) && Number.isFinite(data.max);
  const min = hasMinMax ? (data.min as number) : -Infinity;
  const max = hasMinMax ? (data.max as number) : Infinity;
  // Where a bucket gives no finite edge at all, all we know is the mean (or the middle of min..max).
  const fallback = data.sum !== undefined && data.count > 0 && Number.isFinite(data.sum) ? data.sum / data.count : hasMinMax ? (min + max) / 2 : 0;
  if (counts.length === 0) {
    if (data.count > 0) h.recordMany(clamp(fallback, min, max), data.count);
  } else {
    for (let i = 0; i < counts.length; i++) {
      const n = counts[i];
      if (!(n > 0)) continue;
      let lower = i === 0 ? min : bounds[i - 1];
      let upper = i === bounds.length ? max : bounds[i];
      if (lower === -Infinity) lower = upper;
      if (upper === Infinity) upper = lower;
      const mid = (lower + upper) / 2;
      h.recordMany(clamp(Number.isFinite(mid) ? mid : fallback, min, max), n);
    }
  }
  const d = h.toData();
  d.count = data.count;
  d.sum = data.sum;
  d.min = hasMinMax ? min : undefined;
  d.max = hasMinMax ? max : undefined;
  return ExponentialHistogram.fromData(d, options);
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
