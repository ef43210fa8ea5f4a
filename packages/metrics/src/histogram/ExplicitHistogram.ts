import { HistogramError } from '../errors.js';
import { NO_COUNTS } from '../otlp/counts.js';
import { quantileRank } from './quantile.js';
import type { ExplicitHistogramData } from './types.js';

/**
 * An explicit-bucket histogram as other SDKs send it (bucket i holds (bounds[i−1], bounds[i]]; the last is
 * (bounds[n−1], +∞)). Quantiles interpolate linearly inside the bucket; the error that implies is stated
 * by `quantileBounds(q)`: the true quantile lies within the returned bucket's [lower, upper].
 *
 * The first and last buckets are open; their outer edge is min/max when known. With no min/max an
 * estimate in an open bucket is its finite edge (as Prometheus' histogram_quantile does).
 */
export class ExplicitHistogram {
  private readonly _bounds: readonly number[];
  private readonly _counts: Float64Array;
  private _count = 0;
  private _sum = 0;
  private _min = Infinity;
  private _max = -Infinity;
  private _hasSum = true;
  private _hasMinMax = true;
  /** the data point carried no buckets at all (OTLP allows it): keep that on the way out */
  private _noBuckets = false;

  /** `bounds`: finite, strictly increasing upper-inclusive bucket bounds (may be empty: one bucket). */
  constructor(bounds: readonly number[]) {
    for (let i = 0; i < bounds.length; i++) {
      if (!Number.isFinite(bounds[i]) || (i > 0 && !(bounds[i] > bounds[i - 1]))) {
        throw new HistogramError(
          'PERF_HIST_INVALID_BOUNDS',
          `Explicit bucket bounds must be finite and strictly increasing; bound ${i} is ${bounds[i]} after ${bounds[i - 1]}. Sort and de-duplicate them.`,
        );
      }
    }
    this._bounds = Object.freeze(bounds.slice());
    this._counts = new Float64Array(bounds.length + 1);
  }

  get bounds(): readonly number[] {
    return this._bounds;
  }
  get count(): number {
    return this._count;
  }
  /** NaN when the data came without a sum. */
  get sum(): number {
    return this._hasSum ? this._sum : NaN;
  }
  /** +Infinity when empty; −Infinity when the data came without min/max (no bound known) */
  get min(): number {
    return this._hasMinMax ? this._min : this._count > 0 ? -Infinity : Infinity;
  }
  /** −Infinity when empty; +Infinity when the data came without min/max (no bound known) */
  get max(): number {
    return this._hasMinMax ? this._max : this._count > 0 ? Infinity : -Infinity;
  }

  /** Records one value (binary search over the bounds). NaN and ±Infinity are ignored. */
  record(value: number): void {
    if (value - value !== 0) return;
    const b = this._bounds;
    let lo = 0;
    let hi = b.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (value <= b[mid]) hi = mid;
      else lo = mid + 1;
    }
    this._counts[lo]++;
    this._count++;
    this._sum += value;
    if (value < this._min) this._min = value;
    if (value > this._max) this._max = value;
  }

  /** Throws HistogramError PERF_HIST_BOUNDS_MISMATCH when the bounds differ. */
  merge(other: ExplicitHistogram): this {
    this._checkBounds(other);
    if (other._count === 0) return this;
    if (this._count === 0) {
      this._hasSum = other._hasSum;
      this._hasMinMax = other._hasMinMax;
    } else {
      this._hasSum &&= other._hasSum;
      this._hasMinMax &&= other._hasMinMax;
    }
    for (let i = 0; i < this._counts.length; i++) this._counts[i] += other._counts[i];
    this._count += other._count;
    this._sum += other._sum;
    if (other._min < this._min) this._min = other._min;
    if (other._max > this._max) this._max = other._max;
    this._noBuckets &&= other._noBuckets;
    return this;
  }

  /**
   * `this − older` for cumulative snapshots of one series. Throws PERF_HIST_BOUNDS_MISMATCH when the bounds
   * differ and PERF_HIST_NOT_MONOTONIC when a count went down (a reset: treat `this` as the delta). min/max
   * of the delta are exact when the extreme was recorded in the interval, otherwise the edges of the
   * delta's outer non-empty buckets clamped to this.min..this.max (they bound the truth).
   */
  diff(older: ExplicitHistogram): ExplicitHistogram {
    this._checkBounds(older);
    const r = new ExplicitHistogram(this._bounds);
    for (let i = 0; i < this._counts.length; i++) {
      const d = this._counts[i] - older._counts[i];
      if (d < 0) {
        throw new HistogramError(
          'PERF_HIST_NOT_MONOTONIC',
          `The newer cumulative histogram holds less than the older one (bucket ${i} went from ${older._counts[i]} to ${this._counts[i]}): the series was reset (e.g. the process restarted). Treat the newer point as the delta.`,
        );
      }
      r._counts[i] = d;
    }
    r._count = this._count - older._count;
    r._sum = this._sum - older._sum;
    r._hasSum = this._hasSum && (older._hasSum || older._count === 0);
    r._noBuckets = this._noBuckets;
    if (r._count === 0) return r;
    r._hasMinMax = this._hasMinMax && (older._hasMinMax || older._count === 0);
    const first = r._counts.findIndex((n) => n > 0);
    let last = r._counts.length - 1;
    while (last > 0 && r._counts[last] === 0) last--;
    r._min = older._count === 0 || this._min < older._min ? this._min : clamp(this._lower(first), this._min, this._max);
    r._max = older._count === 0 || this._max > older._max ? this._max : clamp(this._upper(last), this._min, this._max);
    return r;
  }

  /** The q-quantile (0 ≤ q ≤ 1) by linear interpolation inside its bucket; NaN when empty or q is out of range. */
  quantile(q: number): number {
    if (this._count === 0 || !(q >= 0 && q <= 1)) return NaN;
    if (this._hasMinMax && q === 0) return this._min;
    if (this._hasMinMax && q === 1) return this._max;
    const rank = quantileRank(q, this._count);
    const i = this._bucketOfRank(rank);
    const lower = this._lower(i);
    const upper = this._upper(i);
    if (lower === -Infinity) return upper;
    if (upper === Infinity) return lower;
    let before = 0;
    for (let k = 0; k < i; k++) before += this._counts[k];
    // The bucket's n values taken as evenly spread: the j-th sits at the middle of the j-th of n slices.
    const v = lower + ((upper - lower) * (rank - before - 0.5)) / this._counts[i];
    return this._hasMinMax ? clamp(v, this._min, this._max) : v;
  }

  /** The bucket [lower, upper] that holds the true q-quantile (clamped to min/max when known). */
  quantileBounds(q: number): [number, number] {
    if (this._count === 0 || !(q >= 0 && q <= 1)) return [NaN, NaN];
    const i = this._bucketOfRank(quantileRank(q, this._count));
    return [this._lower(i), this._upper(i)];
  }

  toData(): ExplicitHistogramData {
    const known = this._hasMinMax && this._count > 0;
    return {
      count: this._count,
      sum: this._hasSum ? this._sum : undefined,
      min: known ? this._min : undefined,
      max: known ? this._max : undefined,
      bucketCounts: this._noBuckets ? NO_COUNTS : this._counts.slice(),
      explicitBounds: this._noBuckets ? [] : this._bounds.slice(),
    };
  }

  /**
   * A histogram holding the given OTLP data. Throws HistogramError PERF_HIST_INVALID_DATA when the bucket
   * counts do not match the bounds (length bounds+1) or the count, or PERF_HIST_INVALID_BOUNDS for
   * unsorted bounds.
   */
  static fromData(data: ExplicitHistogramData): ExplicitHistogram {
    const noBuckets = data.bucketCounts.length === 0;
    const h = new ExplicitHistogram(noBuckets ? [] : data.explicitBounds);
    if (!noBuckets && data.bucketCounts.length !== data.explicitBounds.length + 1) {
      throw invalid(`${data.bucketCounts.length} bucket counts for ${data.explicitBounds.length} bounds (need bounds + 1)`);
    }
    if (!(Number.isInteger(data.count) && data.count >= 0)) throw invalid(`count must be a non-negative integer, got ${data.count}`);
    let total = 0;
    for (let i = 0; i < data.bucketCounts.length; i++) {
      const n = data.bucketCounts[i];
      if (!(Number.isInteger(n) && n >= 0)) throw invalid(`bucket count ${i} must be a non-negative integer, got ${n}`);
      h._counts[i] = n;
      total += n;
    }
    if (noBuckets) h._counts[0] = data.count;
    else if (total !== data.count) throw invalid(`count ${data.count} is not the sum of the bucket counts (${total})`);
    h._noBuckets = noBuckets;
    h._count = data.count;
    h._hasSum = data.sum !== undefined && Number.isFinite(data.sum);
    h._sum = h._hasSum ? (data.sum as number) : 0;
    if (data.count > 0) {
      h._hasMinMax = data.min !== undefined && data.max !== undefined && Number.isFinite(data.min) && Number.isFinite(data.max) && data.min <= data.max;
      if (h._hasMinMax) {
        h._min = data.min as number;
        h._max = data.max as number;
      }
    }
    return h;
  }

  private _checkBounds(other: ExplicitHistogram): void {
    const a = this._bounds;
    const b = other._bounds;
    if (a.length === b.length && a.every((x, i) => x === b[i])) return;
    throw new HistogramError(
      'PERF_HIST_BOUNDS_MISMATCH',
      `Explicit histograms with different bucket bounds cannot be merged ([${a.join(', ')}] vs [${b.join(', ')}]); convert both with explicitToExponential() and merge those.`,
    );
  }

  private _bucketOfRank(rank: number): number {
    let seen = 0;
    for (let i = 0; i < this._counts.length; i++) {
      seen += this._counts[i];
      if (seen >= rank) return i;
    }
    return this._counts.length - 1;
  }

  /** Lower edge of bucket i: the previous bound, or min (−∞ when unknown) for the first bucket. */
  private _lower(i: number): number {
    const edge = i === 0 ? -Infinity : this._bounds[i - 1];
    return this._hasMinMax && this._count > 0 ? Math.max(edge, Math.min(this._min, this._bounds[i] ?? Infinity)) : edge;
  }

  /** Upper edge of bucket i: its bound, or max (+∞ when unknown) for the last bucket. */
  private _upper(i: number): number {
    const edge = i === this._bounds.length ? Infinity : this._bounds[i];
    return this._hasMinMax && this._count > 0 ? Math.min(edge, Math.max(this._max, i === 0 ? -Infinity : this._bounds[i - 1])) : edge;
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

function invalid(what: string): HistogramError {
  return new HistogramError('PERF_HIST_INVALID_DATA', `Invalid explicit histogram data: ${what}. Drop this point; it does not follow the OTLP data model.`);
}
