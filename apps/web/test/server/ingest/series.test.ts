// Cumulative → delta on single series: the one-pass algorithm against the obvious subtraction, across
// scale changes, widening ranges, resets and invalid points.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expDelta, newState } from '../../../server/ingest/series.js';
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
