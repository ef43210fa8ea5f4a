import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExplicitHistogram } from '../../src/histogram/ExplicitHistogram.js';
import { explicitToExponential } from '../../src/histogram/convert.js';
import { HistogramError } from '../../src/errors.js';
import { exactQuantile, forAllSeeds, int, pick, type Rnd } from './util.js';

// OpenTelemetry's default explicit bounds for http.server.request.duration (seconds).
const HTTP_BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

function hist(bounds: number[], vals: number[]) {
  const h = new ExplicitHistogram(bounds);
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

function latencies(rnd: Rnd, n: number): number[] {
  return Array.from({ length: n }, () => (rnd() < 0.1 ? -rnd() : 10 ** (-4 + 5 * rnd())));
}

test('buckets are upper-inclusive: a value on a bound goes to the bucket it closes', () => {
  const h = hist([1, 2], [1, 1.5, 2, 2.5, -3, NaN]);
  assert.deepEqual(h.toData().bucketCounts, new Float64Array([2, 2, 1]));
  assert.equal(h.count, 5);
  assert.equal(h.min, -3);
  assert.equal(h.max, 2.5);
});

test('merge equals record-all; different bounds throw PERF_HIST_BOUNDS_MISMATCH', () => {
  forAllSeeds(100, 70_000, (rnd) => {
    const a = latencies(rnd, int(rnd, 0, 500));
    const b = latencies(rnd, int(rnd, 0, 500));
    const m = hist(HTTP_BOUNDS, a).merge(hist(HTTP_BOUNDS, b)).toData();
    const all = hist(HTTP_BOUNDS, [...a, ...b]).toData();
    assert.deepEqual({ ...m, sum: 0 }, { ...all, sum: 0 });
    assert.ok(Math.abs(m.sum! - all.sum!) < 1e-9 * (a.length + b.length + 1));
  });
  assert.equal(code(() => hist([1, 2], [1]).merge(hist([1, 3], [1]))), 'PERF_HIST_BOUNDS_MISMATCH');
  assert.equal(code(() => new ExplicitHistogram([2, 1])), 'PERF_HIST_INVALID_BOUNDS');
});

test('quantile lies inside quantileBounds, which holds the exact answer', () => {
  forAllSeeds(200, 71_000, (rnd) => {
    const bounds = pick(rnd, [HTTP_BOUNDS, [0], [-1, 0, 1], [0.001, 0.01, 0.1, 1, 10]]);
    const vals = latencies(rnd, int(rnd, 1, 800));
    const h = hist(bounds, vals);
    const sorted = vals.slice().sort((x, y) => x - y);
    for (const q of [0, 0.1, 0.5, 0.9, 0.99, 1]) {
      const [lo, hi] = h.quantileBounds(q);
      const exact = exactQuantile(sorted, q);
      const est = h.quantile(q);
      assert.ok(lo <= exact && exact <= hi, `q=${q}: exact ${exact} outside [${lo}, ${hi}]`);
      assert.ok(lo <= est && est <= hi, `q=${q}: estimate ${est} outside [${lo}, ${hi}]`);
    }
    assert.equal(h.quantile(0), sorted[0]);
    assert.equal(h.quantile(1), sorted[sorted.length - 1]);
  });
});

test('interpolation inside a bucket: evenly spread values give their middle slices', () => {
  const h = hist([0, 10], [2, 4, 6, 8]); // four values in (0, 10]
  assert.equal(h.quantile(0.5), 4.25); // 2nd of 4 → the middle of the 2nd quarter of [min 2, max 8]
  assert.deepEqual(h.quantileBounds(0.5), [2, 8]);
});

test('without min/max an open bucket answers with its finite bound', () => {
  const h = ExplicitHistogram.fromData({ count: 3, sum: undefined, min: undefined, max: undefined, bucketCounts: new Float64Array([0, 1, 2]), explicitBounds: [1, 2] });
  assert.equal(h.quantile(1), 2);
  assert.deepEqual(h.quantileBounds(1), [2, Infinity]);
  assert.ok(Number.isNaN(h.sum));
});

test('diff: later − older; a reset throws PERF_HIST_NOT_MONOTONIC; merging back restores the later one', () => {
  const older = hist(HTTP_BOUNDS, [0.003, 0.2, 0.2]);
  const newer = hist(HTTP_BOUNDS, [0.003, 0.2, 0.2, 0.3, 4]);
  const d = newer.diff(older);
  assert.equal(d.count, 2);
  assert.equal(d.max, 4);
  assert.deepEqual(older.merge(d).toData().bucketCounts, newer.toData().bucketCounts);
  assert.equal(code(() => hist(HTTP_BOUNDS, [0.003]).diff(newer)), 'PERF_HIST_NOT_MONOTONIC');
});

test('toData → fromData is exact, including a point with no buckets', () => {
  const d = hist(HTTP_BOUNDS, [0.001, 0.02, 3]).toData();
  assert.deepEqual(ExplicitHistogram.fromData(d).toData(), d);
  const bare = { count: 4, sum: 2, min: 0.1, max: 1, bucketCounts: new Float64Array([]), explicitBounds: [] };
  assert.deepEqual(ExplicitHistogram.fromData(bare).toData(), bare);
  assert.equal(code(() => ExplicitHistogram.fromData({ ...d, count: 99 })), 'PERF_HIST_INVALID_DATA');
  assert.equal(code(() => ExplicitHistogram.fromData({ ...d, bucketCounts: new Float64Array([1]) })), 'PERF_HIST_INVALID_DATA');
});

test('explicitToExponential: counts, sum, min and max carry over; quantiles stay inside the explicit bucket', () => {
  forAllSeeds(100, 72_000, (rnd) => {
    const vals = latencies(rnd, int(rnd, 1, 500));
    const ex = hist(HTTP_BOUNDS, vals);
    const data = ex.toData();
    const h = explicitToExponential(data);
    assert.equal(h.count, data.count);
    assert.equal(h.sum, data.sum);
    assert.equal(h.min, data.min);
    assert.equal(h.max, data.max);
    for (const q of [0.1, 0.5, 0.9, 0.99]) {
      const [lo, hi] = ex.quantileBounds(q);
      const v = h.quantile(q);
      // (1% slack: the midpoint is recorded into an exponential bucket of its own)
      assert.ok(v >= lo - 0.01 * Math.abs(lo) && v <= hi + 0.01 * Math.abs(hi), `q=${q}: ${v} outside [${lo}, ${hi}]`);
    }
    // and it merges with the agent's exponential histograms
    const merged = h.clone().merge(explicitToExponential(data));
    assert.equal(merged.count, 2 * data.count);
  });
  // no buckets, no min/max: everything at the mean
  const bare = explicitToExponential({ count: 4, sum: 2, min: undefined, max: undefined, bucketCounts: new Float64Array([]), explicitBounds: [] });
  assert.equal(bare.count, 4);
  assert.ok(Math.abs(bare.quantile(0.5) - 0.5) <= 0.5 * bare.relativeError * (1 + 1e-9));
});
