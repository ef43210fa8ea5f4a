import type { ExplicitHistogramData } from './types.js';

/**
 * An explicit-bucket histogram as other SDKs send it (bucket i holds (bounds[i−1], bounds[i]]; the last is
 * (bounds[n−1], +∞)). Quantiles interpolate linearly inside the bucket; the error that implies is stated
 * by `quantileBounds(q)`: the true quantile lies within the returned bucket's [lower, upper].
 */
export class ExplicitHistogram {
  constructor(bounds: readonly number[]) {
    void bounds;
    throw new Error('not implemented');
  }
  record(value: number): void {
    void value;
    throw new Error('not implemented');
  }
  /** Throws HistogramError PERF_HIST_BOUNDS_MISMATCH when the bounds differ. */
  merge(other: ExplicitHistogram): this {
    void other;
    throw new Error('not implemented');
  }
  diff(older: ExplicitHistogram): ExplicitHistogram {
    void older;
    throw new Error('not implemented');
  }
  quantile(q: number): number {
    void q;
    throw new Error('not implemented');
  }
  /** The bucket [lower, upper] that holds the true q-quantile (clamped to min/max when known). */
  quantileBounds(q: number): [number, number] {
    void q;
    throw new Error('not implemented');
  }
  toData(): ExplicitHistogramData {
    throw new Error('not implemented');
  }
  static fromData(data: ExplicitHistogramData): ExplicitHistogram {
    void data;
    throw new Error('not implemented');
  }
}
