import type { ExponentialHistogramData, ExponentialHistogramOptions } from './types.js';

/**
 * Default bucket limit per sign. Chosen so that any data spanning up to 4.8 decades (e.g. latencies from
 * 100 µs to 6 s) stays at scale 6, whose quantile relative-error bound is 0.54%: the goal is ≤ 1%
 * over four decades (OpenTelemetry's default of 160 buckets lands at scale 3, ≈ 4.3%).
 */
export const DEFAULT_MAX_SIZE = 1024;
export const DEFAULT_MAX_SCALE = 20;

/**
 * A base-2 exponential histogram with the OpenTelemetry bucket layout: bucket `i` at scale `s` holds
 * values in (base^i, base^(i+1)] with base = 2^(2^−s); zero (and |v| ≤ zeroThreshold) goes to zeroCount.
 *
 * Accuracy contract: `quantile(q)` returns a value within `relativeError` (= (base−1)/(base+1) at the
 * current scale) of the true q-quantile of the recorded values (rank ⌈q·count⌉), clamped to [min, max].
 *
 * Merging is exact: `a.merge(b)` equals recording all of b's values into a (the finer side is downscaled).
 */
export class ExponentialHistogram {
  constructor(options?: ExponentialHistogramOptions) {
    void options;
    throw new Error('not implemented');
  }

  /** Records one value. O(1), no allocation unless the bucket range must grow. NaN and ±Infinity are ignored. */
  record(value: number): void {
    void value;
    throw new Error('not implemented');
  }

  /** Records `count` occurrences of `value`. */
  recordMany(value: number, count: number): void {
    void value;
    void count;
    throw new Error('not implemented');
  }

  /** Adds `other` into this histogram (exact; across different scales and offsets). Returns this. */
  merge(other: ExponentialHistogram): this {
    void other;
    throw new Error('not implemented');
  }

  /**
   * Returns a new histogram `this − older`, where `older` is an earlier cumulative snapshot of the same
   * series. Throws a HistogramError with code PERF_HIST_NOT_MONOTONIC when `older` has more in some
   * bucket than this (a reset: the caller should treat `this` as the delta).
   */
  diff(older: ExponentialHistogram): ExponentialHistogram {
    void older;
    throw new Error('not implemented');
  }

  /** The q-quantile (0 ≤ q ≤ 1) estimate; NaN when empty. */
  quantile(q: number): number {
    void q;
    throw new Error('not implemented');
  }

  /** Relative-error bound of `quantile()` at the current scale: (base − 1) / (base + 1). */
  get relativeError(): number {
    throw new Error('not implemented');
  }

  get scale(): number {
    throw new Error('not implemented');
  }
  get count(): number {
    throw new Error('not implemented');
  }
  get sum(): number {
    throw new Error('not implemented');
  }
  /** +Infinity when empty */
  get min(): number {
    throw new Error('not implemented');
  }
  /** −Infinity when empty */
  get max(): number {
    throw new Error('not implemented');
  }
  get zeroCount(): number {
    throw new Error('not implemented');
  }

  /** Calls fn for each non-empty bucket in increasing value order (negative, zero, positive). */
  forEachBucket(fn: (lower: number, upper: number, count: number) => void): void {
    void fn;
    throw new Error('not implemented');
  }

  reset(): void {
    throw new Error('not implemented');
  }

  clone(): ExponentialHistogram {
    throw new Error('not implemented');
  }

  /** The OTLP data of this histogram (bucket arrays are fresh copies, trimmed of leading/trailing zeros). */
  toData(): ExponentialHistogramData {
    throw new Error('not implemented');
  }

  /** A histogram holding exactly the given OTLP data (keeps its scale, up to `options.maxSize` buckets). */
  static fromData(data: ExponentialHistogramData, options?: ExponentialHistogramOptions): ExponentialHistogram {
    void data;
    void options;
    throw new Error('not implemented');
  }
}
