import { NO_COUNTS } from '../otlp/counts.js';
import type { ExponentialBuckets } from '../otlp/model.js';
import { notMonotonic } from './checks.js';

/**
 * The bucket counts of one sign of an exponential histogram: a ring over a Float64Array whose length is a
 * power of two, addressed by the bucket index itself (`index & mask`), so the range can widen at either end
 * without moving anything:
 *
 *       slot = index & 7:   0    1    2    3    4    5    6    7
 *       index held:         8    9   10   11    ·    ·    ·    7
 *                                          └ end               └ start   (live range [7, 11], capacity 8)
 *
 * Invariant: every slot outside the live range [start, end] holds 0, and end − start < capacity, so the
 * live indices occupy distinct slots. Widening the range to a new index therefore finds its slot empty.
 * Counts are doubles: exact integers up to 2^53 (OTLP counts are uint64).
 */
const EMPTY = new Float64Array(0);

export class Buckets {
  counts: Float64Array;
  mask: number;
  /** lowest live index (meaningless when empty) */
  start = 0;
  /** highest live index; end < start means empty */
  end = -1;

  constructor(capacity = 0) {
    // Typed-array allocation costs ~0.1–0.5 µs here: an empty histogram shares one empty array (never
    // written: the first add() resizes).
    this.counts = capacity === 0 ? EMPTY : new Float64Array(capacity);
    this.mask = capacity - 1;
  }

  get empty(): boolean {
    return this.end < this.start;
  }

  get capacity(): number {
    return this.counts.length;
  }

  at(index: number): number {
    return index < this.start || index > this.end ? 0 : this.counts[index & this.mask];
  }

  /** Adds `n` at `index`, widening the live range (and the ring, by doubling) as needed. No size limit here. */
  add(index: number, n: number): void {
    if (this.end < this.start) {
      if (this.counts.length === 0) this.resize(1);
      this.start = this.end = index;
    } else if (index < this.start) {
      this.ensure(this.end - index + 1);
      this.start = index;
    } else if (index > this.end) {
      this.ensure(index - this.start + 1);
      this.end = index;
    }
    this.counts[index & this.mask] += n;
  }

  /**
   * Subtracts `n` at `index`; returns false (and changes nothing) when the bucket holds less than `n`.
   * Does not trim: call trim() after a batch of subtractions.
   */
  subtract(index: number, n: number): boolean {
    const have = this.at(index);
    if (have < n) return false;
    this.counts[index & this.mask] = have - n;
    return true;
  }

  /** Shrinks the live range to its first and last non-zero buckets. */
  trim(): void {
    this.start = this.firstNonZero();
    this.end = this.lastNonZero(this.start);
    if (this.end < this.start) this.clear();
  }

  /** Rewrites the buckets at scale − change: index i moves to i >> change (counts of merged buckets add). */
  downscale(change: number): void {
    if (change <= 0 || this.end < this.start) return;
    const old = this.counts;
    const oldMask = this.mask;
    // The new span is never wider than the old one, so the same capacity suffices.
    const next = new Float64Array(old.length);
    for (let i = this.start; i <= this.end; i++) {
      const n = old[i & oldMask];
      if (n !== 0) next[(i >> change) & oldMask] += n;
    }
    this.counts = next;
    this.start >>= change;
    this.end >>= change;
  }

  clear(): void {
    if (this.end >= this.start) this.counts.fill(0);
    this.start = 0;
    this.end = -1;
  }

  /** A copy whose ring is only as large as the live range needs. */
  clone(): Buckets {
    const b = new Buckets(0);
    if (this.end < this.start) return b;
    b.start = this.start;
    b.end = this.end;
    let cap = 1;
    while (cap < this.end - this.start + 1) cap *= 2;
    if (cap === this.counts.length) {
      b.counts = this.counts.slice();
      b.mask = this.mask;
    } else {
      b.counts = new Float64Array(cap);
      b.mask = cap - 1;
      for (let i = this.start; i <= this.end; i++) b.counts[i & b.mask] = this.counts[i & this.mask];
    }
    return b;
  }

  /** Sum of all counts. */
  total(): number {
    let t = 0;
    for (let i = this.start; i <= this.end; i++) t += this.counts[i & this.mask];
    return t;
  }

  /** Width of the live range (0 when empty): an upper bound of what packInto writes after its 2 header slots. */
  get span(): number {
    return this.end < this.start ? 0 : this.end - this.start + 1;
  }

  /**
   * The OTLP form written into `out` from `at`: [offset, n, ...n counts] (trimmed like toOtlp, [0, 0] when
   * empty); returns the position after it. `out` needs room for 2 + span. The ring is copied with at most
   * two `set`s (memcpy), not element by element.
   */
  packInto(out: Float64Array, at: number): number {
    const lo = this.firstNonZero();
    const hi = this.lastNonZero(lo);
    const c = this.counts;
    const m = this.mask;
    if (hi < lo) {
      out[at] = 0;
      out[at + 1] = 0;
      return at + 2;
    }
    const n = hi - lo + 1;
    out[at] = lo;
    out[at + 1] = n;
    const first = lo & m;
    const last = hi & m;
    if (first <= last) out.set(c.subarray(first, last + 1), at + 2);
    else {
      out.set(c.subarray(first), at + 2);
      out.set(c.subarray(0, last + 1), at + 2 + c.length - first);
    }
    return at + 2 + n;
  }

  /** The OTLP form: offset of the first non-zero bucket and the counts up to the last non-zero one. */
  toOtlp(): ExponentialBuckets {
    const lo = this.firstNonZero();
    const hi = this.lastNonZero(lo);
    if (hi < lo) return { offset: 0, bucketCounts: NO_COUNTS };
    const out = new Float64Array(hi - lo + 1);
    for (let i = lo; i <= hi; i++) out[i - lo] = this.counts[i & this.mask];
    return { offset: lo, bucketCounts: out };
  }

  /** The first live index holding a count (past `end` when none does). */
  private firstNonZero(): number {
    let lo = this.start;
    while (lo <= this.end && this.counts[lo & this.mask] === 0) lo++;
    return lo;
  }

  /** The last live index from `lo` on holding a count (below `lo` when none does). */
  private lastNonZero(lo: number): number {
    let hi = this.end;
    while (hi >= lo && this.counts[hi & this.mask] === 0) hi--;
    return hi;
  }

  /** Makes room for a live span of `span` buckets (doubling capacity). */
  private ensure(span: number): void {
    if (span <= this.counts.length) return;
    let cap = Math.max(this.counts.length, 1);
    while (cap < span) cap *= 2;
    this.resize(cap);
  }

  private resize(capacity: number): void {
    const old = this.counts;
    const oldMask = this.mask;
    const next = new Float64Array(capacity);
    const mask = capacity - 1;
    for (let i = this.start; i <= this.end; i++) next[i & mask] = old[i & oldMask];
    this.counts = next;
    this.mask = mask;
  }
}

/** Halvings until [lo, hi] spans at most maxSize indices. */
export function changeToFit(lo: number, hi: number, maxSize: number): number {
  let change = 0;
  while ((hi >> change) - (lo >> change) + 1 > maxSize) change++;
  return change;
}

/** dst += src with src's indices shifted right by `shift` (src is at a finer or equal scale). */
export function addShifted(dst: Buckets, src: Buckets, shift: number): void {
  if (src.empty) return;
  const c = src.counts;
  const m = src.mask;
  // Widen once to the final range so the loop below never reallocates.
  dst.add(src.start >> shift, 0);
  dst.add(src.end >> shift, 0);
  const dc = dst.counts;
  const dm = dst.mask;
  // No test for empty buckets: adding 0 is cheaper than a branch that mispredicts on sparse data.
  for (let i = src.start; i <= src.end; i++) dc[(i >> shift) & dm] += c[i & m];
}

/** dst −= src with src's indices shifted right by `shift`; throws PERF_HIST_NOT_MONOTONIC if dst holds less. */
export function subtractShifted(dst: Buckets, src: Buckets, shift: number, sign: string): void {
  for (let i = src.start; i <= src.end; i++) {
    const n = src.counts[i & src.mask];
    if (n !== 0 && !dst.subtract(i >> shift, n)) throw notMonotonic(`the older one has more in ${sign} bucket ${i >> shift}`);
  }
}

/** Adds OTLP bucket counts (at a scale `shift` finer than dst's). */
export function addOtlp(dst: Buckets, src: ExponentialBuckets, shift: number): void {
  const counts = src.bucketCounts;
  for (let k = 0; k < counts.length; k++) if (counts[k] !== 0) dst.add((src.offset + k) >> shift, counts[k]);
}
