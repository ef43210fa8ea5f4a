// Percentiles read from a merged histogram, null where it has none.
import type { StoreHistogram } from '../store/histogram.js';
import type { LatencyQuantiles } from '../api/types.js';

export const QUANTILE: Record<string, number> = { 'latency.p50': 0.5, 'latency.p90': 0.9, 'latency.p99': 0.99, 'latency.p999': 0.999 };

export function q(h: StoreHistogram, quantile: number): number | null {
  const v = h.quantile(quantile);
  return Number.isFinite(v) ? v : null;
}

export function quantiles(h: StoreHistogram): LatencyQuantiles {
  return { p50: q(h, 0.5), p90: q(h, 0.9), p99: q(h, 0.99), p999: q(h, 0.999) };
}
