// Cumulative → delta on single series: the one-pass algorithm against the obvious subtraction, across
// scale changes, widening ranges, resets and invalid points.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expDelta, explicitDelta, newState } from '../../../server/ingest/series.js';
import { StoreHistogram } from '../../../server/store/histogram.js';
import { SparseDelta } from '../../../server/store/delta.js';
import { Random } from '../../../simulator/random.js';
import { ExponentialHistogram, type ExponentialHistogramDataPoint } from '@perf/metrics';

function point(h: ExponentialHistogram, start: number, time: number): ExponentialHistogramDataPoint {
  return { attributes: {}, startTimeUnixNano: start, timeUnixNano: time, flags: 0, ...h.toData() };
}

/** Requests in a sparse delta (zero bucket + buckets). */
function totals(d: SparseDelta): number {
  let t = d.zeroCount;
  for (let i = 0; i < d.k; i++) t += d.cnt[i];
  return t;
}

test('one-pass deltas add up to the cumulative totals, bucket for bucket, as ranges widen and scales drop', () => {
  const rnd = new Random(9);
  for (let trial = 0; trial < 30; trial++) {
    const h = new ExponentialHistogram({ maxSize: 64 + Math.floor(rnd.next() * 400) });
    const st = newState();
    const out = new SparseDelta();
    const acc = new Map<number, number>();
    let accScale = 6;
    let total = 0;
    for (let step = 0; step < 40; step++) {
      const n = Math.floor(rnd.next() * 50);
      // the spread grows over time: new buckets at both ends, and the histogram downscales
      for (let i = 0; i < n; i++) h.record(rnd.lognormal(0.01, 0.2 + step * 0.05));
      const outcome = expDelta(point(h, 1, 1 + step), 'cumulative', st, step === 0, true, out, 6);
      assert.ok(outcome === 'delta', `step ${step}: ${outcome}`);
      // fold the delta into a running sum at the coarsest scale seen
      if (out.scale < accScale) {
        const by = accScale - out.scale;
        const next = new Map<number, number>();
        for (const [k, v] of acc) next.set(k >> by, (next.get(k >> by) ?? 0) + v);
        acc.clear();
        for (const [k, v] of next) acc.set(k, v);
        accScale = out.scale;
      }
      for (let i = 0; i < out.k; i++) {
        const k = out.idx[i] >> (out.scale - accScale);
        acc.set(k, (acc.get(k) ?? 0) + out.cnt[i]);
      }
      total += totals(out);
      assert.equal(out.count, n, 'count');
    }
    assert.equal(total, h.count, 'every value counted once');
    // the running sum equals the final cumulative histogram at that scale
    const want = new Map<number, number>();
    const d = h.toData();
    const shift = d.scale - accScale;
    d.positive.bucketCounts.forEach((c, i) => {
      if (c) want.set((d.positive.offset + i) >> shift, (want.get((d.positive.offset + i) >> shift) ?? 0) + c);
    });
    for (const [k, v] of want) assert.equal(acc.get(k), v, `trial ${trial} bucket ${k}`);
  }
});

test('an invalid cumulative point is rejected and the next one only re-baselines', () => {
  const h = new ExponentialHistogram();
  for (let i = 0; i < 10; i++) h.record(0.01);
  const st = newState();
  const out = new SparseDelta();
  assert.equal(expDelta(point(h, 1, 10), 'cumulative', st, true, true, out, 6), 'delta');
  const bad = point(h, 1, 20);
  bad.positive = { offset: bad.positive.offset, bucketCounts: bad.positive.bucketCounts.map(() => -1) };
  assert.equal(expDelta(bad, 'cumulative', st, false, true, out, 6), 'invalid');
  for (let i = 0; i < 5; i++) h.record(0.01);
  assert.equal(expDelta(point(h, 1, 30), 'cumulative', st, false, true, out, 6), 'baseline');
  for (let i = 0; i < 3; i++) h.record(0.01);
  assert.equal(expDelta(point(h, 1, 40), 'cumulative', st, false, true, out, 6), 'delta');
  assert.equal(out.count, 3);
  assert.equal(totals(out), 3);
});

test('cumulative points: min and max are exact where they are the interval\'s (the whole first point; a max that rose, a min that fell), bucket bounds elsewhere', () => {
  // exponential (another SDK's cumulative histogram with min/max): the first point is wholly new
  const h = new ExponentialHistogram({ maxSize: 160 });
  for (const v of [0.0031, 0.012, 0.0208]) h.record(v);
  const st = newState();
  const out = new SparseDelta();
  assert.equal(expDelta(point(h, 1, 2), 'cumulative', st, true, true, out, 6), 'delta');
  assert.equal(out.max, 0.0208, 'the first point\'s max is its values\' max');
  assert.equal(out.min, 0.0031);
  // the max rose: the new maximum arrived in this interval
  h.record(0.0512);
  h.record(0.004);
  assert.equal(expDelta(point(h, 1, 3), 'cumulative', st, false, true, out, 6), 'delta');
  assert.equal(out.max, 0.0512);
  assert.ok(out.min <= 0.004 && out.min > 0.0039, `min ${out.min}: the bucket's bound (the cumulative min, 0.0031, is older)`);
  // neither moved: both from the buckets, which hold the interval's values
  h.record(0.03);
  assert.equal(expDelta(point(h, 1, 4), 'cumulative', st, false, true, out, 6), 'delta');
  assert.ok(out.min <= 0.03 && out.max >= 0.03 && out.max / out.min < 1.05, `${out.min} … ${out.max}: the one bucket holding 0.03`);
  // a min that fell
  h.record(0.001);
  assert.equal(expDelta(point(h, 1, 5), 'cumulative', st, false, true, out, 6), 'delta');
  assert.equal(out.min, 0.001);

  // explicit buckets, every value 30 ms (min = max): exact at once, as a delta sender's would be
  const ex = newState();
  const hist = new StoreHistogram(6);
  const p = (count: number, min: number, max: number, time: number) => ({
    attributes: {},
    startTimeUnixNano: 1,
    timeUnixNano: time,
    flags: 0,
    count,
    sum: count * 0.03,
    min,
    max,
    bucketCounts: new Float64Array([0, count, 0]),
    explicitBounds: [0.025, 0.05],
  });
  assert.equal(explicitDelta(p(100, 0.03, 0.03, 2), 'cumulative', ex, true, true, 1, hist, 6), 'delta');
  assert.equal(hist.quantile(0.5), 0.03);
  assert.equal(hist.quantile(0.999), 0.03);
  assert.equal(hist.max, 0.03);
  // and every later point whose min = max: its interval's values are that one too
  assert.equal(explicitDelta(p(250, 0.03, 0.03, 3), 'cumulative', ex, false, true, 1, hist, 6), 'delta');
  assert.equal(hist.count, 150);
  assert.equal(hist.quantile(0.5), 0.03);
  assert.equal(hist.quantile(0.99), 0.03);
  // in milliseconds (the older http.server.duration): converted
  const ms = newState();
  assert.equal(explicitDelta({ ...p(10, 30, 40, 2), explicitBounds: [25, 50] }, 'cumulative', ms, true, true, 0.001, hist, 6), 'delta');
  assert.equal(hist.max, 0.04);
  assert.equal(hist.min, 0.03);
});

// outside audit Z: one cumulative series, same start, exponential 10 → explicit 20 → exponential 30 read 40 requests:
// the explicit point found no explicit state and was counted whole, and the next exponential point took its count from
// the explicit point and its buckets from the exponential one
test('a cumulative series that changes kind (exponential ↔ explicit) is never counted twice: the change only re-baselines', () => {
  const exp = (count: number, time: number, start = 1): ExponentialHistogramDataPoint => {
    const h = new ExponentialHistogram();
    for (let i = 0; i < count; i++) h.record(0.01);
    return point(h, start, time);
  };
  const explicit = (count: number, time: number, start = 1) => ({
    attributes: {},
    startTimeUnixNano: start,
    timeUnixNano: time,
    flags: 0,
    count,
    sum: count * 0.01,
    min: 0.01,
    max: 0.01,
    bucketCounts: Float64Array.from([0, count, 0]),
    explicitBounds: [0.005, 0.025],
  });
  const st = newState();
  const out = new SparseDelta();
  const spread = new StoreHistogram(6);
  let counted = 0;
  const add = (outcome: string, count: number) => {
    if (outcome === 'delta' || outcome === 'reset') counted += count;
    return outcome;
  };
  assert.equal(add(expDelta(exp(10, 10), 'cumulative', st, true, true, out, 6), out.count), 'delta');
  assert.equal(add(explicitDelta(explicit(20, 20), 'cumulative', st, false, true, 1, spread, 6), spread.count), 'baseline');
  assert.equal(add(expDelta(exp(30, 30), 'cumulative', st, false, true, out, 6), out.count), 'baseline');
  // …and goes on from there, buckets and count alike
  assert.equal(add(expDelta(exp(35, 40), 'cumulative', st, false, true, out, 6), out.count), 'delta');
  assert.equal([out.count, totals(out)].join(), '5,5');
  assert.equal(counted, 15, 'never more than the 35 served');
  // a change of kind with a new start (the process restarted with another configuration) is a reset: all of it is new
  assert.equal(add(explicitDelta(explicit(4, 50, 45), 'cumulative', st, false, true, 1, spread, 6), spread.count), 'reset');
  assert.equal(counted, 19);
  // other explicit bounds in the same run: re-baselined as well, not counted whole
  const rebounded = { ...explicit(9, 60, 45), explicitBounds: [0.001, 0.025] };
  assert.equal(add(explicitDelta(rebounded, 'cumulative', st, false, true, 1, spread, 6), spread.count), 'baseline');
  assert.equal(add(explicitDelta({ ...explicit(12, 70, 45), explicitBounds: [0.001, 0.025] }, 'cumulative', st, false, true, 1, spread, 6), spread.count), 'delta');
  assert.equal(counted, 22);
});

test('a cumulative series spread over more bucket indexes than its state may hold is refused, not allocated', () => {
  const st = newState();
  const out = new SparseDelta();
  const at = (offset: number, count: number, time: number): ExponentialHistogramDataPoint => ({
    attributes: {},
    startTimeUnixNano: 1,
    timeUnixNano: time,
    flags: 0,
    count,
    sum: undefined,
    min: undefined,
    max: undefined,
    scale: 6,
    zeroCount: 0,
    zeroThreshold: 0,
    positive: { offset, bucketCounts: Float64Array.from([count]) },
    negative: { offset: 0, bucketCounts: new Float64Array(0) },
  });
  assert.equal(expDelta(at(-68_000, 1, 10), 'cumulative', st, true, true, out, 6), 'delta');
  assert.equal(expDelta(at(0, 2, 20), 'cumulative', st, false, true, out, 6), 'invalid');
  assert.equal(st.exp, undefined, 'the state let go');
  // the series goes on from its next point
  assert.equal(expDelta(at(0, 5, 30), 'cumulative', st, false, true, out, 6), 'baseline');
  assert.equal(expDelta(at(0, 7, 40), 'cumulative', st, false, true, out, 6), 'delta');
  assert.equal(out.count, 2);
});
