// Duration histograms in other units than seconds (ms, µs, ns): the factor to seconds, and exponential buckets
// spread over seconds-scaled ones.
import type { SparseDelta } from '../store/delta.js';
import type { Applier } from './apply.js';

/** The old HTTP semantic-convention name (milliseconds), still sent by older Python/Java instrumentations. */
export const LEGACY_HTTP_DURATION = 'http.server.duration';

export function unitFactor(unit: string, name: string): number {
  if (name === LEGACY_HTTP_DURATION) return unit === 's' ? 1 : 1e-3;
  switch (unit) {
    case 'ms':
      return 1e-3;
    case 'us':
    case 'µs':
      return 1e-6;
    case 'ns':
      return 1e-9;
    default:
      return 1;
  }
}

/** Exponential input in another unit: spread each bucket over seconds-scaled buckets (in the applier's scratch). */
export function rescale(applier: Applier, d: SparseDelta, factor: number): SparseDelta {
  const out = applier.spread;
  out.resetTo(applier.store.options.fleetScale);
  const w = Math.pow(2, -d.scale);
  for (let i = 0; i < d.k; i++) out.addSpread(Math.pow(2, d.idx[i] * w) * factor, Math.pow(2, (d.idx[i] + 1) * w) * factor, d.cnt[i]);
  out.zeroCount = d.zeroCount;
  out.count = d.count;
  out.sum = d.sum * factor;
  out.min = d.min * factor;
  out.max = d.max * factor;
  return applier.converted.fromHistogram(out);
}
