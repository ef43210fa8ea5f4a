// Explicit-bucket histogram input: whether a point fits the OTLP data model, and how far its buckets may put a
// route's percentiles off.
import type { HistogramDataPoint } from '@perf/metrics';
import type { RouteState } from '../store/FleetStore.js';
import { sameCount } from './series.js';

export const INVALID = 'histogram point whose bucket counts are negative or do not add up to its count';
/** seconds a route keeps its widest explicit-bucket error once narrower input is all that arrives */
const SPREAD_ERROR_HOLD = 3600;

/**
 * Why an explicit-bucket point breaks the OTLP data model, or undefined when it does not: bucket_counts either
 * empty (count and sum only) or one more than explicit_bounds, the bounds finite and increasing, the counts
 * non-negative and adding up to the point's count.
 */
export function explicitProblem(p: HistogramDataPoint): string | undefined {
  if (!(p.count >= 0) || !Number.isFinite(p.count)) return 'histogram count is not a finite, non-negative number';
  const buckets = p.bucketCounts;
  if (buckets.length === 0) return undefined;
  const bounds = p.explicitBounds;
  if (buckets.length !== bounds.length + 1) return `histogram has ${buckets.length} bucket counts for ${bounds.length} explicit bounds (must be one more)`;
  for (let i = 0; i < bounds.length; i++) {
    if (!Number.isFinite(bounds[i]) || (i > 0 && !(bounds[i] > bounds[i - 1]))) return 'histogram explicit bounds are not finite and increasing';
  }
  let total = 0;
  for (const c of buckets) {
    if (!(c >= 0)) return INVALID;
    total += c;
  }
  return sameCount(total, p.count) ? undefined : INVALID;
}

/** How far explicit-bucket input may put this route's percentiles off (FleetView reports it; see StoreHistogram.spreadError). */
export function noteSpreadError(route: RouteState, t: number, error: number): void {
  if (error >= route.spreadError || t > route.spreadErrorAt + SPREAD_ERROR_HOLD) route.spreadError = error;
  if (t > route.spreadErrorAt) route.spreadErrorAt = t;
}
