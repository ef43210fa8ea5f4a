import { HistogramError } from '../errors.js';
import { NO_COUNTS } from '../otlp/counts.js';
import type { ExponentialBuckets } from '../otlp/model.js';
import { Buckets, addOtlp, addShifted, changeToFit, subtractShifted } from './buckets.js';
import { checkBuckets, invalid, isCount, notMonotonic } from './checks.js';
import {
  MAX_SCALE,
  MIN_SCALE,
  TABLE_MAX_SCALE,
  indexTable,
  lowerBoundary,
  mapToIndex,
  scaleFactor,
} from './mapping.js';
import { quantileRank } from './quantile.js';
import type { ExponentialHistogramData, ExponentialHistogramOptions } from './types.js';

/** pack()'s fixed part: 7 header numbers and [offset, n] for each of the two bucket ranges. */
const PACK_HEADER = 11;

/**
 * Default bucket limit per sign. Latencies spanning 100 µs to 1 s (four decades, 13.3 binary octaves)
 * need 851 buckets at scale 6 (64 per octave), whose quantile relative-error bound is 0.54%: the goal is
 * ≤ 1% over four decades, and scale 5 (≈ 1.1%) would miss it. 1024 keeps scale 6 up to 16 octaves (4.8
 * decades, e.g. 100 µs to 6.5 s) and costs 8 KiB per sign once the range is that wide; narrower data
 * uses fewer buckets (the ring grows by doubling). OpenTelemetry's default of 160 lands at scale 3 (≈ 4.3%).
 */
export const DEFAULT_MAX_SIZE = 1024;
/**
 * Default starting (and highest) scale: 10, not OpenTelemetry's 20. Its bound, 0.034%, is far finer than
 * any latency question needs, and at scales ≤ 10 record() maps through a lookup table: measured 8.3
 * ns/value, against 17 ns on the logarithm path above scale 10 and 10.4 ns for table-path histograms once
 * both paths are hot in one process (bench/record.ts). Data narrow enough to stay above scale 10 would
 * otherwise push every histogram onto the slower code. Histograms at any scale still merge exactly with
 * the SDK's (the finer side is downscaled); pass `maxScale: 20` to start where the SDK does.
 */
export const DEFAULT_MAX_SCALE = 10;
// Module-local views for the fast path (own ArrayBuffer; imported live bindings measured slower).
const bits = new ArrayBuffer(8);
const f64 = new Float64Array(bits);
const u32 = new Uint32Array(bits);
const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

const NO_TABLE = new Int32Array(0);

/** Smallest bucket limit that can hold any range (at scale −10 every double maps to index −1 or 0). */
const MIN_MAX_SIZE = 2;

/**
 * Fractional parts of the scaled logarithm closer than this to an integer take the exact mapping: the
 * value may be a power of two, whose log is off by up to ~2^−19 at scale 20 (|log2 v| ≤ 1074 times a few
 * ulps, scaled by 2^20). About 1 value in 2,000 takes that path.
 */
const NEAR_BOUNDARY = 2 ** -12;

/**
 * A base-2 exponential histogram with the OpenTelemetry bucket layout: bucket `i` at scale `s` holds
 * values in (base^i, base^(i+1)] with base = 2^(2^−s); zero (and |v| ≤ zeroThreshold) goes to zeroCount.
 * Bucket indices are the OpenTelemetry SDK's, bit for bit (see mapping.ts).
 *
 * Accuracy contract: `quantile(q)` returns a value within `relativeError` (= (base−1)/(base+1) at the
 * current scale) of the true q-quantile of the recorded values (rank ⌈q·count⌉), clamped to [min, max].
 * With the defaults, data spanning up to 16 octaves (e.g. 100 µs..6.5 s) stays at scale 6: 0.54%.
 *
 * Merging is exact: `a.merge(b)` equals recording all of b's values into a (the finer side is downscaled),
 * for both signs and zeros, including the scale the result ends at.
 *
 * Memory: two rings of Float64 counts (8 bytes per bucket, doubling up to the next power of two of
 * maxSize per sign).
 */
export class ExponentialHistogram {
  private readonly _maxSize: number;
  private readonly _maxScale: number;
  private _scale = 0;
  /** ln(v) · _sf = the bucket position at _scale (scale > 0) */
  private _sf = 0;
  /** max(−scale, 0): octave index → bucket index at scale ≤ 0 */
  private _shift = 0;
  /** max(scale, 0): octave index → first bucket index of the octave */
  private _octaveShift = 0;
  /** scale ≤ TABLE_MAX_SCALE: map through the lookup table (else the logarithm) */
  private _useTable = false;
  private _cellShift = 0;
  private _sub: Int32Array = NO_TABLE;
  private _bnd: Int32Array = NO_TABLE;
  private _pos = new Buckets(0);
  private _neg = new Buckets(0);
  private _count = 0;
  private _zeroCount = 0;
  private _zeroThreshold = 0;
  private _sum = 0;
  private _min = Infinity;
  private _max = -Infinity;
  /** false when the data came without a sum (e.g. an OTLP point from an up-down counter) */
  private _hasSum = true;
  /** false when min/max came from no source: _min/_max then hold the bucket bounds instead */
  private _hasMinMax = true;

  constructor(options?: ExponentialHistogramOptions) {
    const maxSize = options?.maxSize ?? DEFAULT_MAX_SIZE;
    const maxScale = options?.maxScale ?? DEFAULT_MAX_SCALE;
    if (!Number.isInteger(maxSize) || maxSize < MIN_MAX_SIZE) {
      throw new HistogramError('PERF_HIST_INVALID_OPTIONS', `maxSize must be an integer ≥ ${MIN_MAX_SIZE}, got ${maxSize}: pass e.g. ${DEFAULT_MAX_SIZE}.`);
    }
    if (!Number.isInteger(maxScale) || maxScale < MIN_SCALE || maxScale > MAX_SCALE) {
      throw new HistogramError('PERF_HIST_INVALID_OPTIONS', `maxScale must be an integer in ${MIN_SCALE}..${MAX_SCALE}, got ${maxScale}.`);
    }
    this._maxSize = maxSize;
    this._maxScale = maxScale;
    this._setScale(maxScale);
  }

  /**
   * Records one value. O(1) and allocation-free unless the bucket range must widen past the ring (the
   * ring doubles) or past maxSize (the histogram downscales). NaN and ±Infinity are ignored.
   *
   * Measured on 2^20 log-normal latencies (bench/record.ts): 8.3 ns/value on the table path (scale ≤ 10),
   * 17 on the logarithm path. The mapping variant is a field test rather than a method swapped per scale:
   * a function-valued field that changes with the scale stops V8 from inlining the call (4–5 ns/value).
   */
  record(value: number): void {
    if (value - value !== 0) return; // NaN, ±Infinity
    this._count++;
    this._sum += value;
    if (value < this._min) this._min = value;
    if (value > this._max) this._max = value;
    let b: Buckets;
    let a: number;
    if (value > this._zeroThreshold) {
      b = this._pos;
      a = value;
    } else if (value < -this._zeroThreshold) {
      b = this._neg;
      a = -value;
    } else {
      this._zeroCount++;
      return;
    }
    let i: number;
    if (this._useTable) {
      f64[0] = a;
      const hi = u32[HI] | 0;
      const m20 = hi & 0xfffff;
      const c = m20 >>> this._cellShift;
      const d = m20 - this._bnd[c];
      // On or next to a boundary, or subnormal: the SDK's exact mapping (1 value in ~5,000 at scale 6).
      if ((d + 1) >>> 0 <= 2 || hi >>> 20 === 0) return this._addSlow(value, 1);
      // d ≥ 2 → the bucket above the boundary: sign bit as 0/1, no branch (a branch here mispredicted
      // often enough to cost ~4 ns/value).
      i = ((((hi >>> 20) - 1023) << this._octaveShift) + this._sub[c] + ((d >>> 31) ^ 1)) >> this._shift;
    } else {
      i = this._logIndex(a);
      if (i !== i) return this._addSlow(value, 1); // NaN: maybe a power of two
    }
    if (i >= b.start && i <= b.end) b.counts[i & b.mask]++;
    else this._addSlow(value, 1);
  }

  /** Records `count` occurrences of `value` (count: a positive integer; anything else is ignored). */
  recordMany(value: number, count: number): void {
    if (value - value !== 0 || !(count > 0) || count - count !== 0) return;
    this._count += count;
    this._sum += value * count;
    if (value < this._min) this._min = value;
    if (value > this._max) this._max = value;
    if (value > this._zeroThreshold || value < -this._zeroThreshold) this._addSlow(value, count);
    else this._zeroCount += count;
  }

  /**
   * Adds `other` into this histogram (exact; across different scales and offsets). Returns this. Of two
   * different zero thresholds the larger is kept (buckets already below it are not folded into the zero
   * count; OpenTelemetry SDKs all send 0).
   */
  merge(other: ExponentialHistogram): this {
    if (other === this) other = other.clone();
    if (other._count === 0) return this;
    if (this._count === 0) {
      this._min = other._min;
      this._max = other._max;
      this._hasMinMax = other._hasMinMax;
      this._hasSum = other._hasSum;
    } else {
      if (other._min < this._min) this._min = other._min;
      if (other._max > this._max) this._max = other._max;
      this._hasMinMax &&= other._hasMinMax;
      this._hasSum &&= other._hasSum;
    }
    this._count += other._count;
    this._zeroCount += other._zeroCount;
    this._sum += other._sum;
    if (other._zeroThreshold > this._zeroThreshold) this._zeroThreshold = other._zeroThreshold;

    if (!other._pos.empty || !other._neg.empty) {
      let scale = Math.min(this._scale, other._scale);
      scale -= Math.max(this._fitChange(this._pos, other._pos, other._scale, scale), this._fitChange(this._neg, other._neg, other._scale, scale));
      this._downscaleTo(scale);
      addShifted(this._pos, other._pos, other._scale - this._scale);
      addShifted(this._neg, other._neg, other._scale - this._scale);
    }
    return this;
  }

  /**
   * Returns a new histogram `this − older`, where `older` is an earlier cumulative snapshot of the same
   * series. Throws a HistogramError with code PERF_HIST_NOT_MONOTONIC when `older` has more in some
   * bucket than this (a reset: the caller should treat `this` as the delta).
   *
   * The result is at the coarser of the two scales (a finer `older` is downscaled first). Its min/max are
   * exact when the extreme was recorded during the interval (this.min < older.min, or older was empty);
   * otherwise the delta's extremes are unknowable and are estimated from its lowest/highest non-empty
   * bucket (the in-bucket estimate quantile() uses, clamped to this.min..this.max), so they stay within
   * `relativeError` of the truth and merging the delta back onto `older` restores this.min/max exactly.
   */
  diff(older: ExponentialHistogram): ExponentialHistogram {
    if (older._count > this._count || older._zeroCount > this._zeroCount) {
      throw notMonotonic(`count went from ${older._count} to ${this._count}`);
    }
    const r = this.clone();
    r._downscaleTo(Math.min(this._scale, older._scale));
    subtractShifted(r._pos, older._pos, older._scale - r._scale, 'positive');
    subtractShifted(r._neg, older._neg, older._scale - r._scale, 'negative');
    r._pos.trim();
    r._neg.trim();
    r._count -= older._count;
    r._zeroCount -= older._zeroCount;
    r._sum -= older._sum;
    r._hasSum = this._hasSum && (older._hasSum || older._count === 0);
    if (r._count === 0) {
      r._min = Infinity;
      r._max = -Infinity;
      r._hasMinMax = true;
      return r;
    }
    r._hasMinMax = this._hasMinMax && (older._hasMinMax || older._count === 0);
    const exactMin = older._count === 0 || this._min < older._min;
    const exactMax = older._count === 0 || this._max > older._max;
    r._min = exactMin ? this._min : clamp(r._extremeEstimate(true), this._min, this._max);
    r._max = exactMax ? this._max : clamp(r._extremeEstimate(false), this._min, this._max);
    // One value, one of its extremes known: both are that value. Otherwise keep min ≤ max.
    if (r._count === 1 && exactMin !== exactMax) r._min = r._max = exactMin ? r._min : r._max;
    else if (r._min > r._max) r._min = r._max = exactMin ? r._min : r._max;
    return r;
  }

  /** The q-quantile (0 ≤ q ≤ 1) estimate; NaN when empty or q is out of range. q=0 and q=1 give min and max. */
  quantile(q: number): number {
    if (this._count === 0 || !(q >= 0 && q <= 1)) return NaN;
    if (q === 0 && this._hasMinMax) return this._min;
    if (q === 1 && this._hasMinMax) return this._max;
    const rank = quantileRank(q, this._count);
    let seen = 0;
    const neg = this._neg;
    for (let i = neg.end; i >= neg.start; i--) {
      seen += neg.counts[i & neg.mask];
      if (seen >= rank) return clamp(-this._estimate(i), this._min, this._max);
    }
    seen += this._zeroCount;
    if (seen >= rank) return clamp(0, this._min, this._max);
    const pos = this._pos;
    for (let i = pos.start; i <= pos.end; i++) {
      seen += pos.counts[i & pos.mask];
      if (seen >= rank) return clamp(this._estimate(i), this._min, this._max);
    }
    return this._max;
  }

  /** Relative-error bound of `quantile()` at the current scale: (base − 1) / (base + 1). */
  get relativeError(): number {
    // (base − 1)/(base + 1) = tanh(ln(base)/2), which stays finite where base = 2^(2^10) overflows.
    return Math.tanh((Math.LN2 * 2 ** -this._scale) / 2);
  }

  get scale(): number {
    return this._scale;
  }
  get maxSize(): number {
    return this._maxSize;
  }
  get count(): number {
    return this._count;
  }
  /** NaN when the data came without a sum. */
  get sum(): number {
    return this._hasSum ? this._sum : NaN;
  }
  /** +Infinity when empty */
  get min(): number {
    return this._min;
  }
  /** −Infinity when empty */
  get max(): number {
    return this._max;
  }
  get zeroCount(): number {
    return this._zeroCount;
  }
  get zeroThreshold(): number {
    return this._zeroThreshold;
  }
  /** Buckets in use (positive plus negative ranges, first to last non-empty, zeros in between included). */
  get bucketCount(): number {
    return this._pos.end - this._pos.start + 1 + (this._neg.end - this._neg.start + 1);
  }

  /** Calls fn for each non-empty bucket in increasing value order (negative, zero, positive). */
  forEachBucket(fn: (lower: number, upper: number, count: number) => void): void {
    const s = this._scale;
    const neg = this._neg;
    for (let i = neg.end; i >= neg.start; i--) {
      const n = neg.counts[i & neg.mask];
      if (n !== 0) fn(-lowerBoundary(i + 1, s), -lowerBoundary(i, s), n);
    }
    if (this._zeroCount !== 0) fn(-this._zeroThreshold, this._zeroThreshold, this._zeroCount);
    const pos = this._pos;
    for (let i = pos.start; i <= pos.end; i++) {
      const n = pos.counts[i & pos.mask];
      if (n !== 0) fn(lowerBoundary(i, s), lowerBoundary(i + 1, s), n);
    }
  }

  /** Empties the histogram and returns it to its starting scale (keeps its memory). */
  reset(): void {
    this._pos.clear();
    this._neg.clear();
    this._count = 0;
    this._zeroCount = 0;
    this._sum = 0;
    this._min = Infinity;
    this._max = -Infinity;
    this._hasSum = true;
    this._hasMinMax = true;
    this._setScale(this._maxScale);
  }

  clone(): ExponentialHistogram {
    const h = new ExponentialHistogram({ maxSize: this._maxSize, maxScale: this._maxScale });
    h._setScale(this._scale);
    h._pos = this._pos.clone();
    h._neg = this._neg.clone();
    h._count = this._count;
    h._zeroCount = this._zeroCount;
    h._zeroThreshold = this._zeroThreshold;
    h._sum = this._sum;
    h._min = this._min;
    h._max = this._max;
    h._hasSum = this._hasSum;
    h._hasMinMax = this._hasMinMax;
    return h;
  }

  /**
   * The OTLP data of this histogram (bucket arrays are fresh copies, trimmed of leading/trailing zeros).
   * min/max are omitted when empty or unknown, sum when unknown.
   */
  toData(): ExponentialHistogramData {
    const known = this._hasMinMax && this._count > 0;
    return {
      count: this._count,
      sum: this._hasSum ? this._sum : undefined,
      min: known ? this._min : undefined,
      max: known ? this._max : undefined,
      scale: this._scale,
      zeroCount: this._zeroCount,
      zeroThreshold: this._zeroThreshold,
      positive: this._pos.toOtlp(),
      negative: this._neg.toOtlp(),
    };
  }

  /**
   * Room (in doubles) that pack() needs for this histogram: a fixed header plus both bucket ranges.
   */
  packedLength(): number {
    return PACK_HEADER + this._pos.span + this._neg.span;
  }

  /**
   * Writes what toData() returns into `out` from `at`, as numbers only: [count, sum, min, max, scale,
   * zeroCount, zeroThreshold, positive offset, n, …n counts, negative offset, m, …m counts], NaN standing
   * for an unknown sum/min/max. Returns the position after it. For moving many histograms between threads
   * in one buffer: no objects or bucket arrays are built (measured in bench/overhead/snapshot.ts).
   * `out` needs packedLength() doubles from `at`. ExponentialHistogram.unpack reads it back.
   */
  pack(out: Float64Array, at: number): number {
    const known = this._hasMinMax && this._count > 0;
    out[at] = this._count;
    out[at + 1] = this._hasSum ? this._sum : NaN;
    out[at + 2] = known ? this._min : NaN;
    out[at + 3] = known ? this._max : NaN;
    out[at + 4] = this._scale;
    out[at + 5] = this._zeroCount;
    out[at + 6] = this._zeroThreshold;
    return this._neg.packInto(out, this._pos.packInto(out, at + 7));
  }

  /**
   * The OTLP data pack() wrote at `at`, and the position after it. Throws HistogramError
   * PERF_HIST_INVALID_DATA when the buffer ends before the histogram does.
   */
  static unpack(buf: Float64Array, at: number): { data: ExponentialHistogramData; next: number } {
    if (at + PACK_HEADER > buf.length) throw invalid(`packed histogram at ${at} runs past the end of the buffer (${buf.length})`);
    const positive = unpackBuckets(buf, at + 7);
    const negative = unpackBuckets(buf, positive.next);
    const sum = buf[at + 1];
    const min = buf[at + 2];
    const max = buf[at + 3];
    return {
      data: {
        count: buf[at],
        sum: Number.isNaN(sum) ? undefined : sum,
        min: Number.isNaN(min) ? undefined : min,
        max: Number.isNaN(max) ? undefined : max,
        scale: buf[at + 4],
        zeroCount: buf[at + 5],
        zeroThreshold: buf[at + 6],
        positive: positive.buckets,
        negative: negative.buckets,
      },
      next: negative.next,
    };
  }

  /**
   * A histogram holding exactly the given OTLP data (keeps its scale, downscaled only if its range needs
   * more than `options.maxSize` buckets). Throws HistogramError PERF_HIST_INVALID_DATA for data no SDK
   * produces: scale outside −10..20, negative or fractional counts, indices outside the double range, or
   * a count that is not zeroCount plus the bucket counts.
   */
  static fromData(data: ExponentialHistogramData, options?: ExponentialHistogramOptions): ExponentialHistogram {
    const scale = data.scale;
    if (!Number.isInteger(scale) || scale < MIN_SCALE || scale > MAX_SCALE) {
      throw invalid(`scale must be an integer in ${MIN_SCALE}..${MAX_SCALE}, got ${scale}`);
    }
    const zt = data.zeroThreshold ?? 0;
    if (!(zt >= 0) || zt === Infinity) throw invalid(`zeroThreshold must be a finite number ≥ 0, got ${zt}`);
    if (!isCount(data.zeroCount)) throw invalid(`zeroCount must be a non-negative integer, got ${data.zeroCount}`);
    const pos = checkBuckets(data.positive, scale, 'positive');
    const neg = checkBuckets(data.negative, scale, 'negative');
    if (data.count !== data.zeroCount + pos.total + neg.total) {
      throw invalid(`count ${data.count} is not zeroCount + bucket counts (${data.zeroCount + pos.total + neg.total})`);
    }

    const h = new ExponentialHistogram({ maxSize: options?.maxSize, maxScale: Math.max(options?.maxScale ?? DEFAULT_MAX_SCALE, scale) });
    let change = 0;
    const maxSize = h._maxSize;
    for (const b of [pos, neg]) {
      if (b.counts.length === 0) continue;
      while ((b.last >> change) - (b.first >> change) + 1 > maxSize) change++;
    }
    h._setScale(Math.max(MIN_SCALE, scale - change));
    const shift = scale - h._scale;
    addOtlp(h._pos, data.positive, shift);
    addOtlp(h._neg, data.negative, shift);
    h._count = data.count;
    h._zeroCount = data.zeroCount;
    h._zeroThreshold = zt;
    h._hasSum = data.sum !== undefined && Number.isFinite(data.sum);
    h._sum = h._hasSum ? (data.sum as number) : 0;
    if (data.count === 0) return h;
    if (data.min !== undefined && data.max !== undefined && Number.isFinite(data.min) && Number.isFinite(data.max) && data.min <= data.max) {
      h._min = data.min;
      h._max = data.max;
    } else {
      h._hasMinMax = false;
      h._min = h._extremeBound(true);
      h._max = h._extremeBound(false);
    }
    return h;
  }

  // ---- internals ----

  private _setScale(scale: number): void {
    this._scale = scale;
    this._sf = scaleFactor(scale);
    this._shift = Math.max(-scale, 0);
    this._octaveShift = Math.max(scale, 0);
    this._useTable = scale <= TABLE_MAX_SCALE;
    if (this._useTable) {
      const t = indexTable(this._octaveShift);
      this._cellShift = t.cellShift;
      this._sub = t.sub;
      this._bnd = t.bnd;
    }
  }

  /** The logarithm mapping's index of a > 0 at _scale, or NaN within NEAR_BOUNDARY of a bucket boundary. */
  private _logIndex(a: number): number {
    const x = Math.log(a) * this._sf;
    const i = Math.floor(x);
    const frac = x - i;
    return frac < NEAR_BOUNDARY || frac > 1 - NEAR_BOUNDARY ? NaN : i;
  }

  /** Adds n at value's bucket (value finite, outside the zero bucket), downscaling first if needed. */
  private _addSlow(value: number, n: number): void {
    const b = value > 0 ? this._pos : this._neg;
    const a = Math.abs(value);
    for (;;) {
      const i = mapToIndex(a, this._scale);
      if (!b.empty && this._scale > MIN_SCALE) {
        const lo = Math.min(b.start, i);
        const hi = Math.max(b.end, i);
        if (hi - lo + 1 > this._maxSize) {
          this._downscaleTo(this._scale - changeToFit(lo, hi, this._maxSize));
          continue; // map again at the new scale, as the SDK does
        }
      }
      b.add(i, n);
      return;
    }
  }

  /** How many halvings below `scale` the union of ours (at this._scale) and theirs (at theirScale) needs. */
  private _fitChange(ours: Buckets, theirs: Buckets, theirScale: number, scale: number): number {
    if (theirs.empty && ours.empty) return 0;
    let lo = Infinity;
    let hi = -Infinity;
    if (!ours.empty) {
      lo = ours.start >> (this._scale - scale);
      hi = ours.end >> (this._scale - scale);
    }
    if (!theirs.empty) {
      lo = Math.min(lo, theirs.start >> (theirScale - scale));
      hi = Math.max(hi, theirs.end >> (theirScale - scale));
    }
    return changeToFit(lo, hi, this._maxSize);
  }

  private _downscaleTo(scale: number): void {
    if (scale < MIN_SCALE) scale = MIN_SCALE;
    const change = this._scale - scale;
    if (change <= 0) return;
    this._pos.downscale(change);
    this._neg.downscale(change);
    this._setScale(scale);
  }

  /** The in-bucket estimate of bucket i's |value|: the harmonic mean of its bounds, 2·lo·hi/(lo+hi). */
  private _estimate(i: number): number {
    const lo = lowerBoundary(i, this._scale);
    const hi = lowerBoundary(i + 1, this._scale);
    // The same relative error, (base − 1)/(base + 1), whether the true value sits at lo or at hi.
    return 2 / (1 / lo + 1 / hi);
  }

  /** Estimate of the lowest (or highest) recorded value from the non-empty buckets. */
  private _extremeEstimate(lowest: boolean): number {
    const pos = this._pos;
    const neg = this._neg;
    if (lowest) {
      if (!neg.empty) return -this._estimate(neg.end);
      if (this._zeroCount > 0 || pos.empty) return 0;
      return this._estimate(pos.start);
    }
    if (!pos.empty) return this._estimate(pos.end);
    if (this._zeroCount > 0 || neg.empty) return 0;
    return -this._estimate(neg.start);
  }

  /** A bound on the lowest (or highest) value from the buckets alone: the outer edge of the outer bucket. */
  private _extremeBound(lowest: boolean): number {
    const pos = this._pos;
    const neg = this._neg;
    const s = this._scale;
    const zt = this._zeroThreshold;
    if (lowest) {
      if (!neg.empty) return -lowerBoundary(neg.end + 1, s);
      if (this._zeroCount > 0 || pos.empty) return -zt;
      return lowerBoundary(pos.start, s);
    }
    if (!pos.empty) return lowerBoundary(pos.end + 1, s);
    if (this._zeroCount > 0 || neg.empty) return zt;
    return -lowerBoundary(neg.start, s);
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/** One bucket range pack() wrote at `at` ([offset, n, …n counts]), and the position after it. */
function unpackBuckets(buf: Float64Array, at: number): { buckets: ExponentialBuckets; next: number } {
  const n = buf[at + 1];
  if (!(n >= 0) || at + 2 + n > buf.length) throw invalid(`packed bucket range at ${at} (${n} buckets) runs past the end of the buffer (${buf.length})`);
  // a copy: the caller may reuse `buf` (the agent hands it back to the app's thread)
  const bucketCounts = n === 0 ? NO_COUNTS : buf.slice(at + 2, at + 2 + n);
  return { buckets: { offset: n === 0 ? 0 : buf[at], bucketCounts }, next: at + 2 + n };
}
