// The store keeps its own compact histogram (server/store/histogram.ts); the agent and the simulator send
// @perf/metrics' ExponentialHistogram data. These tests check that the two agree: what the store builds
// from OTLP bucket data holds exactly the buckets @perf/metrics has, and merges across scales agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExponentialHistogram, type ExponentialHistogramData } from '@perf/metrics';
import { StoreHistogram } from '../../../server/store/histogram.js';
import { Random } from '../../../simulator/random.js';

/** Non-empty positive buckets as [lower, upper, count]. */
function buckets(fn: (f: (lower: number, upper: number, count: number) => void) => void): [number, number, number][] {
  const out: [number, number, number][] = [];
  fn((lower, upper, count) => {
    if (count !== 0 && lower > 0) out.push([lower, upper, count]);
  });
  return out;
}

/** Same buckets: same counts, bounds equal up to float rounding (the two compute 2^(i·2^−s) differently). */
function assertSameBuckets(a: [number, number, number][], b: [number, number, number][], what: string): void {
  assert.equal(a.length, b.length, `${what}: bucket count`);
  for (let i = 0; i < a.length; i++) {
    assert.equal(a[i][2], b[i][2], `${what}: count of bucket ${i}`);
    assert.ok(Math.abs(a[i][0] - b[i][0]) <= 1e-12 * b[i][0] && Math.abs(a[i][1] - b[i][1]) <= 1e-12 * b[i][1], `${what}: bounds of bucket ${i}: ${a[i]} vs ${b[i]}`);
  }
}

function intoStore(h: StoreHistogram, d: ExponentialHistogramData): void {
  h.addSummary(d.count, d.sum, d.min, d.max, d.zeroCount);
  h.addBuckets(d.scale, d.positive.offset, d.positive.bucketCounts);
}

function randomHistogram(rnd: Random): ExponentialHistogram {
  const h = new ExponentialHistogram({ maxScale: Math.floor(rnd.next() * 9), maxSize: 64 + Math.floor(rnd.next() * 1000) });
  const median = Math.pow(10, rnd.next() * 8 - 6); // 1 µs .. 100 s
  const sigma = 0.1 + rnd.next() * 2;
  const n = 1 + Math.floor(rnd.next() * 2000);
  for (let i = 0; i < n; i++) h.record(rnd.next() < 0.01 ? 0 : rnd.lognormal(median, sigma));
  return h;
}

test('the store holds exactly the buckets of an ExponentialHistogram it is fed (OTLP data path)', () => {
  const rnd = new Random(7);
  for (let trial = 0; trial < 200; trial++) {
    const e = randomHistogram(rnd);
    const s = new StoreHistogram(20, 4096);
    intoStore(s, e.toData());
    assert.equal(s.scale, e.scale, `trial ${trial}: scale`);
    assert.equal(s.count, e.count);
    assert.equal(s.zeroCount, e.zeroCount);
    assertSameBuckets(buckets((f) => s.forEachBucket(f)), buckets((f) => e.forEachBucket(f)), `trial ${trial}`);
    for (const q of [0.5, 0.9, 0.99, 0.999]) {
      const a = s.quantile(q);
      const b = e.quantile(q);
      // both estimate the same rank inside the same bucket: within the bucket's relative width of each other
      assert.ok(Math.abs(a - b) / b <= 2 * e.relativeError + 1e-12, `trial ${trial} q=${q}: store ${a} vs metrics ${b}`);
    }
  }
});

test('merging across scales gives the same buckets in the store as in @perf/metrics', () => {
  const rnd = new Random(11);
  for (let trial = 0; trial < 100; trial++) {
    const parts = [randomHistogram(rnd), randomHistogram(rnd), randomHistogram(rnd)];
    const merged = new ExponentialHistogram({ maxScale: 20, maxSize: 4096 });
    const s = new StoreHistogram(20, 4096);
    for (const p of parts) {
      merged.merge(p);
      intoStore(s, p.toData());
    }
    assert.equal(s.scale, merged.scale, `trial ${trial}: scale`);
    assert.equal(s.count, merged.count);
    assertSameBuckets(buckets((f) => s.forEachBucket(f)), buckets((f) => merged.forEachBucket(f)), `trial ${trial}`);
  }
});
