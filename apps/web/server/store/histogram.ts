import type { SparseDelta } from './delta.js';

/**
 * The store's compact latency histogram: the OpenTelemetry base-2 exponential layout (bucket i at scale s
 * holds (2^(i·2^−s), 2^((i+1)·2^−s)]), positive values only, counts in one dense Float64Array that grows
 * from the first non-empty bucket. Counts may be fractional (explicit-bucket input spread over buckets).
 *
 * Accuracy contract: `quantile(q)` is within `relativeError` = (base − 1) / (base + 1) of the true
 * q-quantile (rank ⌈q·count⌉) of the values recorded, at the histogram's current scale; 0.54% at scale 6.
 *
 * Why not @perf/metrics' ExponentialHistogram: the store keeps ~10^5 of these, so it wants one typed
 * array per histogram, a scale cap chosen per use (fleet routes 6, per-node 3) and merge straight from
 * OTLP bucket arrays (no intermediate objects). The wire model is still @perf/metrics'.
 */
export class StoreHistogram {
  scale: number;
  /** bucket index of counts[0] */
  offset = 0;
  /** used length of `counts` */
  length = 0;
  /** Float64 while written to; a sealed histogram holds whole counts as Uint16 or Uint32 (a quarter or half the bytes) */
  counts: Float64Array | Uint32Array | Uint16Array;
  zeroCount = 0;
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  /** most buckets kept before halving the resolution */
  readonly maxBuckets: number;
  /**
   * Explicit-bucket input spread into this (scratch) histogram: the widest populated input bucket's relative
   * width, which bounds the quantiles' error instead of `relativeError` (0 when none was spread in)
   */
  spreadError = 0;

  constructor(maxScale: number, maxBuckets = 2048, initialCapacity = 0) {
    this.scale = maxScale;
    this.maxBuckets = maxBuckets;
    this.counts = new Float64Array(initialCapacity);
  }

  get relativeError(): number {
    const base = Math.pow(2, Math.pow(2, -this.scale));
    return (base - 1) / (base + 1);
  }

  /** Bytes held (estimate, for the store's memory report). */
  get bytes(): number {
    return 96 + this.counts.byteLength;
  }

  reset(): void {
    this.spreadError = 0;
    this.offset = 0;
    this.length = 0;
    this.counts.fill(0);
    this.zeroCount = 0;
    this.count = 0;
    this.sum = 0;
    this.min = Infinity;
    this.max = -Infinity;
  }

  /** Empties the histogram and sets its scale (for scratch histograms that take any input scale). */
  resetTo(scale: number): this {
    this.reset();
    this.scale = scale;
    return this;
  }

  /** Sets min/max from the bucket range when unknown (delta of cumulative points: bounds that hold every value). */
  boundFromBuckets(): void {
    if (this.min <= this.max) return;
    let first = -1;
    let last = -1;
    for (let i = 0; i < this.length; i++) {
      if (this.counts[i] !== 0) {
        if (first < 0) first = i;
        last = i;
      }
    }
    this.min = this.zeroCount > 0 ? 0 : first >= 0 ? this.lowerBound(this.offset + first) : Infinity;
    this.max = last >= 0 ? this.lowerBound(this.offset + last + 1) : this.zeroCount > 0 ? 0 : -Infinity;
  }

  /** Records `n` occurrences of `value` (seconds). Non-finite and negative values are ignored. */
  recordMany(value: number, n: number): void {
    if (!(value >= 0) || !Number.isFinite(value) || !(n > 0)) return;
    this.count += n;
    this.sum += value * n;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (value === 0) {
      this.zeroCount += n;
      return;
    }
    this.addAt(this.indexOf(value), n);
  }

  /** Bucket index of a positive value at the current scale (upper-inclusive buckets). */
  indexOf(value: number): number {
    // log2 then scale: exact powers of two land on bucket boundaries and belong to the lower bucket.
    const scaled = Math.log2(value) * Math.pow(2, this.scale);
    let idx = Math.ceil(scaled) - 1;
    if (scaled === Math.ceil(scaled)) idx = scaled - 1;
    return idx;
  }

  lowerBound(index: number): number {
    return Math.pow(2, index * Math.pow(2, -this.scale));
  }

  /**
   * Adds OTLP exponential buckets (positive range) at `scale`, shifting them to this histogram's scale
   * (or lowering this one's when the input is coarser). Counts may be negative only as part of a
   * delta that nets out non-negative.
   */
  addBuckets(scale: number, offset: number, counts: ArrayLike<number>, countsLength = counts.length): void {
    if (countsLength === 0) return;
    if (scale < this.scale) this.downscale(this.scale - scale);
    const shift = scale - this.scale;
    // make room once for the whole range, so the loop below never reallocates
    // (from both ends: a stored histogram is trimmed, so both stop at once; one pass over every bucket was
    // half of a long read's merge time)
    let first = 0;
    while (first < countsLength && counts[first] === 0) first++;
    if (first === countsLength) return;
    let last = countsLength - 1;
    while (counts[last] === 0) last--;
    const by = this.fit((offset + first) >> shift, (offset + last) >> shift);
    const total = shift + by;
    const base = this.offset;
    const c = this.counts;
    if (total === 0) {
      // the same scale (the common case: every stored histogram of a route is at the fleet's scale): a plain
      // element-wise add, without a branch per bucket
      const d = offset - base;
      for (let i = first; i <= last; i++) c[i + d] += counts[i];
      return;
    }
    for (let i = first; i <= last; i++) {
      const n = counts[i];
      if (n !== 0) c[((offset + i) >> total) - base] += n;
    }
  }

  /** Adds the summary fields of a point (count includes zeroCount; buckets are added separately). */
  addSummary(count: number, sum: number | undefined, min: number | undefined, max: number | undefined, zeroCount: number): void {
    this.count += count;
    this.zeroCount += zeroCount;
    if (sum !== undefined && Number.isFinite(sum)) this.sum += sum;
    if (min !== undefined && min < this.min) this.min = min;
    if (max !== undefined && max > this.max) this.max = max;
  }

  /** Adds `other` into this histogram (exact, at the coarser of the two scales). */
  merge(other: StoreHistogram): this {
    if (other.count === 0) return this;
    this.addSummary(other.count, other.sum, other.min, other.max, other.zeroCount);
    this.addBuckets(other.scale, other.offset, other.counts, other.length);
    return this;
  }

  /** Adds a sparse delta (exact, at the coarser of the two scales); cost follows the delta's buckets. */
  mergeSparse(d: SparseDelta): this {
    if (d.count === 0 && d.k === 0) return this;
    this.addSummary(d.count, d.sum, d.min, d.max, d.zeroCount);
    const k = d.k;
    if (k === 0) return this;
    if (d.scale < this.scale) this.downscale(this.scale - d.scale);
    const shift = d.scale - this.scale;
    const by = this.fit(d.idx[0] >> shift, d.idx[k - 1] >> shift);
    const total = shift + by;
    const base = this.offset;
    const c = this.counts;
    const idx = d.idx;
    const cnt = d.cnt;
    for (let i = 0; i < k; i++) c[(idx[i] >> total) - base] += cnt[i];
    return this;
  }

  /**
   * Adds `n` spread over (lower, upper] in proportion to log-length (explicit-bucket input: the value's
   * position inside its bucket is unknown, a log-uniform spread keeps quantile interpolation monotone).
   */
  addSpread(lower: number, upper: number, n: number): void {
    if (!(n > 0)) return;
    if (!(lower > 0)) lower = upper / 16;
    if (!(upper > lower)) {
      this.addAt(this.indexOf(upper), n);
      return;
    }
    let lo = this.indexOf(lower * (1 + 1e-12));
    let hi = this.indexOf(upper);
    if (this.fit(lo, hi) > 0) {
      lo = this.indexOf(lower * (1 + 1e-12));
      hi = this.indexOf(upper);
    }
    const span = Math.log2(upper) - Math.log2(lower);
    const w = Math.pow(2, -this.scale);
    for (let i = lo; i <= hi; i++) {
      const a = Math.max(i * w, Math.log2(lower));
      const b = Math.min((i + 1) * w, Math.log2(upper));
      if (b > a) this.counts[i - this.offset] += (n * (b - a)) / span;
    }
  }

  /** The q-quantile estimate (seconds), NaN when empty; clamped to [min, max]. */
  quantile(q: number): number {
    if (this.count <= 0) return NaN;
    // the extremes are known exactly when min/max are
    if (this.min <= this.max && (q >= 1 || q <= 0)) return q >= 1 ? this.max : this.min;
    const rank = Math.max(Math.ceil(q * this.count - 1e-9), 1);
    let seen = this.zeroCount;
    let est = 0;
    if (seen < rank) {
      est = NaN;
      const c = this.counts;
      for (let i = 0; i < this.length; i++) {
        seen += c[i];
        if (seen >= rank - 1e-9) {
          const lower = this.lowerBound(this.offset + i);
          const upper = this.lowerBound(this.offset + i + 1);
          est = (2 * lower * upper) / (lower + upper);
          break;
        }
      }
      if (Number.isNaN(est)) est = this.max;
    }
    if (this.min <= this.max) {
      if (est < this.min) est = this.min;
      if (est > this.max) est = this.max;
    }
    return est;
  }

  /** Calls fn(lower, upper, count) for every non-empty bucket, increasing (zero bucket as [0, 0]). */
  forEachBucket(fn: (lower: number, upper: number, count: number) => void): void {
    if (this.zeroCount > 0) fn(0, 0, this.zeroCount);
    for (let i = 0; i < this.length; i++) {
      const n = this.counts[i];
      if (n !== 0) fn(this.lowerBound(this.offset + i), this.lowerBound(this.offset + i + 1), n);
    }
  }

  /** Calls fn(index, count) for every non-empty bucket, increasing; indexes at the current scale (zero bucket not included). */
  forEachIndex(fn: (index: number, count: number) => void): void {
    const c = this.counts;
    for (let i = 0; i < this.length; i++) if (c[i] !== 0) fn(this.offset + i, c[i]);
  }

  /** The first and last non-empty bucket's index at the current scale ([0, −1] when none). */
  usedIndexes(): [number, number] {
    const c = this.counts;
    let first = 0;
    while (first < this.length && c[first] === 0) first++;
    if (first === this.length) return [0, -1];
    let last = this.length - 1;
    while (c[last] === 0) last--;
    return [this.offset + first, this.offset + last];
  }

  clone(): StoreHistogram {
    const h = new StoreHistogram(this.scale, this.maxBuckets, 0);
    h.counts = this.counts.slice(0, this.length);
    h.offset = this.offset;
    h.length = this.length;
    h.zeroCount = this.zeroCount;
    h.count = this.count;
    h.sum = this.sum;
    h.min = this.min;
    h.max = this.max;
    return h;
  }

  /**
   * Shrinks the backing array to the used length, as Uint16 or Uint32 when every count is a whole number that
   * fits (for histograms that will rarely change again: settled slots). A later write converts back.
   */
  seal(): void {
    this.trimZeros();
    let whole = true;
    let top = 0;
    for (let i = 0; i < this.length; i++) {
      const n = this.counts[i];
      if (n !== Math.floor(n) || n > 0xffffffff || n < 0) {
        whole = false;
        break;
      }
      if (n > top) top = n;
    }
    // a minute's or ten minutes' slot of a route rarely puts 65,535 requests in one bucket (≈ 1% of the range)
    if (whole) this.counts = top <= 0xffff ? Uint16Array.from(this.counts.subarray(0, this.length)) : Uint32Array.from(this.counts.subarray(0, this.length));
    else if (this.counts.length !== this.length) this.counts = this.counts.slice(0, this.length);
  }

  /** Drops empty buckets at both ends of the used range (in place). */
  private trimZeros(): void {
    const c = this.counts;
    const [a, b] = this.usedIndexes();
    if (a > b) {
      this.offset = 0;
      this.length = 0;
      return;
    }
    const first = a - this.offset;
    const last = b - this.offset;
    if (first > 0) {
      c.copyWithin(0, first, last + 1);
      c.fill(0, last - first + 1, this.length);
      this.offset += first;
    }
    this.length = last - first + 1;
  }

  /** Halves the resolution `by` times (merges adjacent buckets). */
  downscale(by: number): void {
    if (by <= 0) return;
    this.scale -= by;
    if (this.length === 0) {
      this.offset = 0;
      return;
    }
    const newOffset = this.offset >> by;
    const newLast = (this.offset + this.length - 1) >> by;
    const next = new Float64Array(Math.max(newLast - newOffset + 1, 8));
    for (let i = 0; i < this.length; i++) {
      const n = this.counts[i];
      if (n !== 0) next[((this.offset + i) >> by) - newOffset] += n;
    }
    this.counts = next;
    this.offset = newOffset;
    this.length = newLast - newOffset + 1;
  }

  private addAt(index: number, n: number): void {
    const by = this.fit(index, index);
    this.counts[(index >> by) - this.offset] += n;
  }

  /**
   * Makes bucket indexes lo..hi (given at the current scale) addressable, halving the resolution first
   * when the span would exceed maxBuckets. Returns how many halvings were applied (callers shift by it).
   */
  private fit(lo: number, hi: number): number {
    if (!(this.counts instanceof Float64Array)) this.counts = Float64Array.from(this.counts);
    else if (this.length !== 0 && lo >= this.offset && hi < this.offset + this.length) return 0; // the common case
    let curLo = this.length === 0 ? lo : Math.min(lo, this.offset);
    let curHi = this.length === 0 ? hi : Math.max(hi, this.offset + this.length - 1);
    if (curHi - curLo + 1 > this.maxBuckets && this.length !== 0) {
      // growth headroom (zeros at the ends) must not cost resolution: drop it before deciding
      this.trimZeros();
      curLo = this.length === 0 ? lo : Math.min(lo, this.offset);
      curHi = this.length === 0 ? hi : Math.max(hi, this.offset + this.length - 1);
    }
    let by = 0;
    while ((curHi >> by) - (curLo >> by) + 1 > this.maxBuckets) by++;
    if (by > 0) this.downscale(by);
    lo >>= by;
    hi >>= by;
    if (this.length === 0) {
      const span = hi - lo + 1;
      if (this.counts.length < span) this.counts = new Float64Array(Math.max(span, 16));
      else this.counts.fill(0);
      this.offset = lo;
      this.length = span;
      return by;
    }
    const newLo = Math.min(lo, this.offset);
    const newHi = Math.max(hi, this.offset + this.length - 1);
    const newLength = newHi - newLo + 1;
    if (newLo < this.offset || newLength > this.counts.length) {
      // doubling capacity keeps growth at the high end amortised; growth downwards leaves headroom below
      // too (zeros inside the used range, trimmed again by seal() and before any downscale)
      const below = newLo < this.offset ? Math.min(Math.max(8, newLength >> 2), this.maxBuckets - newLength) : 0;
      const base = newLo - below;
      const used = newHi - base + 1;
      const cap = Math.max(used, Math.min(Math.max(this.counts.length, used) * 2, this.maxBuckets));
      const next = new Float64Array(cap);
      next.set(this.counts.subarray(0, this.length), this.offset - base);
      this.counts = next;
      this.offset = base;
      this.length = used;
      return by;
    }
    this.length = newHi - this.offset + 1;
    return by;
  }
}
