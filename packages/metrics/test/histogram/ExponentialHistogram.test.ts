import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExponentialHistogram, DEFAULT_MAX_SCALE, DEFAULT_MAX_SIZE } from '../../src/histogram/ExponentialHistogram.js';
import { HistogramError } from '../../src/errors.js';
import { exactQuantile, prng } from './util.js';

function hist(vals: number[], options?: ConstructorParameters<typeof ExponentialHistogram>[0]) {
  const h = new ExponentialHistogram(options);
  for (const v of vals) h.record(v);
  return h;
}

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof HistogramError, String(err));
    return err.code;
  }
  assert.fail('expected a HistogramError');
}

test('count, sum, min, max and zeros; NaN and ±Infinity are dropped', () => {
  const h = hist([1, 2, 0, -3, NaN, Infinity, -Infinity, 0.5]);
  assert.equal(h.count, 5);
  assert.equal(h.sum, 0.5);
  assert.equal(h.min, -3);
  assert.equal(h.max, 2);
  assert.equal(h.zeroCount, 1);
  const e = new ExponentialHistogram();
  assert.equal(e.count, 0);
  assert.equal(e.min, Infinity);
  assert.equal(e.max, -Infinity);
  assert.ok(Number.isNaN(e.quantile(0.5)));
  assert.ok(Number.isNaN(h.quantile(1.5)));
  assert.deepEqual(e.toData(), {
    count: 0,
    sum: 0,
    min: undefined,
    max: undefined,
    scale: DEFAULT_MAX_SCALE,
    zeroCount: 0,
    zeroThreshold: 0,
    positive: { offset: 0, bucketCounts: new Float64Array([]) },
    negative: { offset: 0, bucketCounts: new Float64Array([]) },
  });
});

test('defaults: latencies over 100 µs..1 s stay at scale 6 (851 buckets) and p50/p90/p99/p99.9 are within 1%', () => {
  const rnd = prng(4242);
  const vals: number[] = [1e-4, 1];
  for (let i = 0; i < 200_000; i++) {
    // log-normal around 5 ms, clamped to the four decades
    const z = Math.sqrt(-2 * Math.log(rnd() || 1e-12)) * Math.cos(2 * Math.PI * rnd());
    vals.push(Math.min(1, Math.max(1e-4, 0.005 * Math.exp(1.2 * z))));
  }
  const h = hist(vals);
  assert.equal(DEFAULT_MAX_SIZE, 1024);
  assert.equal(DEFAULT_MAX_SCALE, 10);
  assert.equal(h.scale, 6);
  assert.equal(h.bucketCount, 851);
  assert.ok(h.relativeError < 0.0055);
  const sorted = vals.slice().sort((a, b) => a - b);
  for (const q of [0.5, 0.9, 0.99, 0.999]) {
    const exact = exactQuantile(sorted, q);
    const err = Math.abs(h.quantile(q) - exact) / exact;
    assert.ok(err <= h.relativeError, `p${q * 100}: ${h.quantile(q)} vs ${exact} (${(err * 100).toFixed(3)}%)`);
    assert.ok(err < 0.01);
  }
  // OpenTelemetry's default size lands at scale 3 on the same data: about 4.3%
  const otel = hist(vals, { maxSize: 160 });
  assert.equal(otel.scale, 3);
  assert.ok(otel.relativeError > 0.04);
});

test('downscales when the range outgrows maxSize, and never holds more buckets per sign', () => {
  const h = new ExponentialHistogram({ maxSize: 4 });
  h.record(1.1);
  assert.equal(h.scale, DEFAULT_MAX_SCALE);
  h.record(1000);
  assert.ok(h.scale < DEFAULT_MAX_SCALE);
  for (let v = 1e-9; v < 1e9; v *= 1.7) {
    h.record(v);
    h.record(-v);
    const d = h.toData();
    assert.ok(d.positive.bucketCounts.length <= 4 && d.negative.bucketCounts.length <= 4);
  }
  assert.equal(h.scale, -4); // 2^−30..2^30 in 16-octave buckets: indices −2..1
});

test('recordMany(v, n) equals n × record(v)', () => {
  const a = new ExponentialHistogram({ maxSize: 8 });
  const b = new ExponentialHistogram({ maxSize: 8 });
  for (const [v, n] of [
    [0.25, 3],
    [-7, 2],
    [0, 5],
    [1e6, 1],
  ] as const) {
    a.recordMany(v, n);
    for (let i = 0; i < n; i++) b.record(v);
  }
  a.recordMany(5, 0);
  a.recordMany(5, -1);
  a.recordMany(NaN, 3);
  assert.deepEqual(a.toData(), b.toData());
});

test('regression (sketches-js): merging keeps negative values', () => {
  const a = hist([-1, -2, -3]);
  const b = hist([-10, -20]);
  a.merge(b);
  assert.equal(a.count, 5);
  assert.equal(a.toData().negative.bucketCounts.reduce((s, n) => s + n, 0), 5);
  assert.equal(a.min, -20);
  assert.ok(Math.abs(a.quantile(0.5) - -3) <= 3 * a.relativeError);
});

test('merge with itself doubles every count', () => {
  const h = hist([1, 2, -3, 0]);
  h.merge(h);
  assert.equal(h.count, 8);
  assert.equal(h.zeroCount, 2);
  assert.equal(h.sum, 0);
});

test('diff: a reset (count or a bucket went down) throws PERF_HIST_NOT_MONOTONIC', () => {
  const older = hist([1, 2, 3]);
  assert.equal(code(() => hist([1, 2]).diff(older)), 'PERF_HIST_NOT_MONOTONIC');
  // same count, different buckets: a restart that happened to record as many values
  assert.equal(code(() => hist([1, 2, 300]).diff(older)), 'PERF_HIST_NOT_MONOTONIC');
  assert.equal(code(() => hist([-1, 2, 3, 4]).diff(hist([-2, 2, 3]))), 'PERF_HIST_NOT_MONOTONIC');
  const d = hist([1, 2, 3, 4]).diff(older);
  assert.equal(d.count, 1);
  assert.equal(d.min, 4);
  assert.equal(d.max, 4);
});

test('diff: min/max of the delta are exact when a new extreme arrived, otherwise estimated within the bound', () => {
  const older = hist([1, 100]);
  const newer = older.clone();
  newer.record(50);
  newer.record(60);
  const d = newer.diff(older);
  assert.ok(Math.abs(d.min - 50) <= 50 * d.relativeError, String(d.min));
  assert.ok(Math.abs(d.max - 60) <= 60 * d.relativeError, String(d.max));
  newer.record(0.5);
  const d2 = newer.diff(older);
  assert.equal(d2.min, 0.5);
  assert.equal(d2.count, 3);
  const empty = older.diff(older);
  assert.equal(empty.count, 0);
  assert.equal(empty.min, Infinity);
});

test('quantile: q = 0 and 1 are min and max exactly; the zero bucket and negatives in order', () => {
  const h = hist([-5, -4, 0, 0, 0, 3, 8]);
  assert.equal(h.quantile(0), -5);
  assert.equal(h.quantile(1), 8);
  assert.equal(h.quantile(0.5), 0);
  assert.ok(Math.abs(h.quantile(2 / 7) - -4) <= 4 * h.relativeError);
  assert.ok(Math.abs(h.quantile(6 / 7) - 3) <= 3 * h.relativeError);
});

test('forEachBucket walks negative, zero, positive in increasing order, each bucket holding its values', () => {
  const vals = [-100, -1.5, -1.4, 0, 0, 0.001, 7, 7, 7e6];
  const h = hist(vals, { maxSize: 16 });
  const seen: [number, number, number][] = [];
  h.forEachBucket((lo, hi, n) => seen.push([lo, hi, n]));
  assert.equal(seen.reduce((s, [, , n]) => s + n, 0), vals.length);
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i][0] >= seen[i - 1][1] - 1e-12 * Math.abs(seen[i][0]), JSON.stringify(seen));
  for (const v of vals) assert.ok(seen.some(([lo, hi]) => (v === 0 ? lo === 0 && hi === 0 : v > lo * (1 - 1e-12) && v <= hi * (1 + 1e-12)) || (v < 0 && v >= lo && v < hi)), `value ${v}`);
});

test('clone is independent; reset returns to the starting scale', () => {
  const h = hist([1, 1000, -3], { maxSize: 8, maxScale: 12 });
  const c = h.clone();
  c.record(5);
  assert.equal(h.count, 3);
  assert.equal(c.count, 4);
  h.reset();
  assert.equal(h.count, 0);
  assert.equal(h.scale, 12);
  assert.deepEqual(h.toData().positive, { offset: 0, bucketCounts: new Float64Array([]) });
  h.record(2);
  assert.equal(h.count, 1);
});

test('fromData refuses data no SDK produces, with PERF_HIST_INVALID_DATA', () => {
  const good = hist([1, 2, 3]).toData();
  assert.equal(code(() => ExponentialHistogram.fromData({ ...good, scale: 21 })), 'PERF_HIST_INVALID_DATA');
  assert.equal(code(() => ExponentialHistogram.fromData({ ...good, count: 4 })), 'PERF_HIST_INVALID_DATA');
  assert.equal(code(() => ExponentialHistogram.fromData({ ...good, positive: { offset: 0, bucketCounts: new Float64Array([1, -1, 3]) } })), 'PERF_HIST_INVALID_DATA');
  assert.equal(code(() => ExponentialHistogram.fromData({ ...good, count: 1, positive: { offset: 2 ** 40, bucketCounts: new Float64Array([1]) } })), 'PERF_HIST_INVALID_DATA');
  assert.equal(code(() => new ExponentialHistogram({ maxSize: 1 })), 'PERF_HIST_INVALID_OPTIONS');
});

test('fromData downscales data wider than maxSize, and derives bounds when min/max are absent', () => {
  const h = hist([1e-6, 1, 1e6]);
  const d = h.toData();
  const narrow = ExponentialHistogram.fromData(d, { maxSize: 8 });
  assert.ok(narrow.scale < h.scale);
  assert.equal(narrow.count, 3);
  const noMinMax = ExponentialHistogram.fromData({ ...d, min: undefined, max: undefined, sum: undefined });
  assert.ok(noMinMax.min <= 1e-6 && noMinMax.max >= 1e6);
  assert.ok(Number.isNaN(noMinMax.sum));
  const back = noMinMax.toData();
  assert.equal(back.min, undefined);
  assert.equal(back.sum, undefined);
  assert.ok(Math.abs(noMinMax.quantile(0.5) - 1) <= noMinMax.relativeError * (1 + 1e-9));
});

test('a wide range recorded in both directions stays within maxSize and keeps every count', () => {
  const rnd = prng(3);
  const h = new ExponentialHistogram({ maxSize: 160 });
  let n = 0;
  for (let i = 0; i < 100_000; i++) {
    h.record((rnd() < 0.5 ? -1 : 1) * 10 ** (-9 + 18 * rnd()));
    n++;
  }
  const d = h.toData();
  assert.equal(d.positive.bucketCounts.reduce((s, x) => s + x, 0) + d.negative.bucketCounts.reduce((s, x) => s + x, 0), n);
  assert.ok(d.positive.bucketCounts.length <= 160);
});
