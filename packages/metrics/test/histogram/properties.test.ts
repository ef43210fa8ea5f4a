// Property tests over seeded random data (values 1e-9..1e9, zeros, negatives, powers of two and their
// neighbours; maxSize from 2, which forces many downscales, to 1024): merge equals record-all, diff then
// merge back restores the later snapshot, quantiles stay within the stated bound of the exact answer, and
// toData → fromData is exact. A failure prints its seed (rerun with PERF_SEED=<seed>).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExponentialHistogram } from '../../src/histogram/ExponentialHistogram.js';
import type { ExponentialHistogramData } from '../../src/histogram/types.js';
import { exactQuantile, forAllSeeds, int, pick, values as anyValues, type Rnd } from './util.js';

// Histograms compared here have different scale histories: see ValueOptions.powerOfTwoNeighbours.
const values = (rnd: Rnd, n: number) => anyValues(rnd, n, { powerOfTwoNeighbours: false });

const SIZES = [2, 3, 4, 7, 16, 40, 160, 1024];
const SCALES = [-10, -3, 0, 1, 4, 8, 10, 11, 16, 20];
const QS = [0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999, 1];

function options(rnd: Rnd) {
  return { maxSize: pick(rnd, SIZES), maxScale: pick(rnd, SCALES) };
}

function build(vals: readonly number[], opts: { maxSize: number; maxScale: number }): ExponentialHistogram {
  const h = new ExponentialHistogram(opts);
  for (const v of vals) h.record(v);
  return h;
}

function absSum(vals: readonly number[]): number {
  return vals.reduce((s, v) => s + Math.abs(v), 0);
}

/** toData equality: everything exact except the sum, which floating-point addition order may change. */
function assertSameData(actual: ExponentialHistogramData, expected: ExponentialHistogramData, sumScale: number, what: string) {
  assert.deepEqual({ ...actual, sum: 0 }, { ...expected, sum: 0 }, what);
  assert.ok(Math.abs((actual.sum ?? NaN) - (expected.sum ?? NaN)) <= 1e-9 * sumScale, `${what}: sum ${actual.sum} vs ${expected.sum}`);
}

function split(rnd: Rnd, vals: number[], parts: number): number[][] {
  const out: number[][] = Array.from({ length: parts }, () => []);
  for (const v of vals) out[int(rnd, 0, parts - 1)].push(v);
  return out;
}

test('merge equals recording all values into one histogram (both signs, zeros, any scales)', () => {
  forAllSeeds(400, 10_000, (rnd) => {
    const opts = options(rnd);
    const vals = values(rnd, int(rnd, 0, 1500));
    const parts = split(rnd, vals, int(rnd, 2, 5));
    const merged = build(parts[0], opts);
    for (const p of parts.slice(1)) merged.merge(build(p, opts));
    const all = build(vals, opts);
    assertSameData(merged.toData(), all.toData(), absSum(vals), `opts ${JSON.stringify(opts)}`);
    assert.equal(merged.scale, all.scale);
    assert.equal(merged.min, all.min);
    assert.equal(merged.max, all.max);
    assert.equal(merged.count, vals.length);
  });
});

test('merge equals record-all in a tree of merges of histograms at different scales', () => {
  forAllSeeds(100, 20_000, (rnd) => {
    const opts = { maxSize: pick(rnd, SIZES), maxScale: 20 };
    // each part narrow or wide on its own, so the parts sit at different scales before merging
    const parts = Array.from({ length: int(rnd, 2, 8) }, () => values(rnd, int(rnd, 0, 300)));
    const hs = parts.map((p) => build(p, opts));
    while (hs.length > 1) {
      const a = hs.splice(int(rnd, 0, hs.length - 1), 1)[0];
      const b = hs.splice(int(rnd, 0, hs.length - 1), 1)[0];
      hs.push(a.merge(b));
    }
    const vals = parts.flat();
    assertSameData(hs[0].toData(), build(vals, opts).toData(), absSum(vals), `maxSize ${opts.maxSize}`);
  });
});

test('diff(older) merged back onto older gives the later snapshot; the delta holds exactly the later values', () => {
  forAllSeeds(300, 30_000, (rnd) => {
    const opts = options(rnd);
    const before = values(rnd, int(rnd, 0, 800));
    const after = values(rnd, int(rnd, 0, 800));
    const h = build(before, opts);
    const older = h.clone();
    for (const v of after) h.record(v);
    const delta = h.diff(older);
    assert.equal(delta.count, after.length);
    assert.equal(delta.scale, h.scale);
    assertSameData(older.clone().merge(delta).toData(), h.toData(), absSum(before) + absSum(after), 'merge back');

    // Buckets: the later values alone, brought to the delta's scale.
    const alone = build(after, opts);
    const atScale = new ExponentialHistogram({ maxSize: opts.maxSize, maxScale: delta.scale }).merge(alone);
    const d = delta.toData();
    const e = atScale.toData();
    assert.deepEqual([d.positive, d.negative, d.zeroCount], [e.positive, e.negative, e.zeroCount]);
    if (after.length > 0) {
      // min/max: exact or within the relative-error bound of the truth
      const tol = (x: number) => delta.relativeError * Math.abs(x) + 1e-12 * Math.abs(x);
      assert.ok(Math.abs(delta.min - alone.min) <= tol(alone.min), `delta min ${delta.min} vs ${alone.min}`);
      assert.ok(Math.abs(delta.max - alone.max) <= tol(alone.max), `delta max ${delta.max} vs ${alone.max}`);
    }
  });
});

test('diff of an older snapshot at a finer scale downscales it first', () => {
  forAllSeeds(100, 40_000, (rnd) => {
    const maxSize = pick(rnd, [4, 16, 160]);
    const narrow = Array.from({ length: int(rnd, 1, 200) }, () => 1 + rnd());
    const wide = Array.from({ length: int(rnd, 1, 200) }, () => 10 ** (-6 + 12 * rnd()));
    const h = build(narrow, { maxSize, maxScale: 20 });
    const older = h.clone();
    for (const v of wide) h.record(v);
    assert.ok(older.scale > h.scale);
    const delta = h.diff(older);
    assert.equal(delta.count, wide.length);
    assertSameData(older.merge(delta).toData(), h.toData(), absSum(narrow) + absSum(wide), 'merge back');
  });
});

test('quantiles are within relativeError of the exact ⌈q·n⌉-th value', () => {
  forAllSeeds(400, 50_000, (rnd) => {
    const opts = options(rnd);
    const vals = anyValues(rnd, int(rnd, 1, 3000));
    const h = build(vals, opts);
    const sorted = vals.slice().sort((a, b) => a - b);
    for (const q of QS) {
      const exact = exactQuantile(sorted, q);
      const est = h.quantile(q);
      const bound = h.relativeError * Math.abs(exact) + 1e-12 * Math.abs(exact);
      assert.ok(Math.abs(est - exact) <= bound, `q=${q}: ${est} vs exact ${exact} (scale ${h.scale}, bound ${h.relativeError})`);
    }
    assert.equal(h.quantile(0), sorted[0]);
    assert.equal(h.quantile(1), sorted[sorted.length - 1]);
  });
});

test('toData → fromData → toData is exact, and the rebuilt histogram behaves the same', () => {
  forAllSeeds(300, 60_000, (rnd) => {
    const opts = options(rnd);
    const vals = anyValues(rnd, int(rnd, 0, 1000));
    const h = build(vals, opts);
    const data = h.toData();
    const back = ExponentialHistogram.fromData(data, { maxSize: opts.maxSize });
    assert.deepEqual(back.toData(), data);
    for (const q of QS) assert.equal(back.quantile(q), h.quantile(q));
    // and it keeps recording and merging like the original
    const more = values(rnd, int(rnd, 0, 200));
    for (const v of more) {
      back.record(v);
      h.record(v);
    }
    assertSameData(back.toData(), h.toData(), absSum(vals) + absSum(more), 'after more records');
  });
});
