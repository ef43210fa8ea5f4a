import type { StoreHistogram } from './histogram.js';

/**
 * One point's worth of new requests, as sparse buckets: (index, count) pairs in increasing index order at
 * `scale`. A per-second delta of a cumulative histogram touches a few dozen of its hundreds of buckets,
 * so merging it costs what changed, not the histogram's width. Reused for every point (no allocation).
 */
export class SparseDelta {
  scale = 0;
  /** pairs in use */
  k = 0;
  idx = new Int32Array(256);
  cnt = new Float64Array(256);
  zeroCount = 0;
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;

  reset(scale: number): void {
    this.scale = scale;
    this.k = 0;
    this.zeroCount = 0;
    this.count = 0;
    this.sum = 0;
    this.min = Infinity;
    this.max = -Infinity;
  }

  /** Appends a bucket; indexes must come in increasing order. */
  push(index: number, n: number): void {
    if (this.k === this.idx.length) {
      const idx = new Int32Array(this.k * 2);
      idx.set(this.idx);
      const cnt = new Float64Array(this.k * 2);
      cnt.set(this.cnt);
      this.idx = idx;
      this.cnt = cnt;
    }
    this.idx[this.k] = index;
    this.cnt[this.k] = n;
    this.k++;
  }

  /** Sets min/max from the bucket range when unknown (bounds that hold every value of the delta). */
  boundFromBuckets(): void {
    if (this.min <= this.max) return;
    const w = Math.pow(2, -this.scale);
    if (this.k > 0) {
      this.min = this.zeroCount > 0 ? 0 : Math.pow(2, this.idx[0] * w);
      this.max = Math.pow(2, (this.idx[this.k - 1] + 1) * w);
    } else if (this.zeroCount > 0) {
      this.min = 0;
      this.max = 0;
    }
  }

  /** Loads the non-empty buckets of a histogram (explicit-bucket and unit-converted input). */
  fromHistogram(h: StoreHistogram): this {
    this.reset(h.scale);
    for (let i = 0; i < h.length; i++) {
      const n = h.counts[i];
      if (n !== 0) this.push(h.offset + i, n);
    }
    this.zeroCount = h.zeroCount;
    this.count = h.count;
    this.sum = h.sum;
    this.min = h.min;
    this.max = h.max;
    return this;
  }
}
