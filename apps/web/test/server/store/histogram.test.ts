// Property tests of the store's histogram against exact answers: quantiles within the stated bound over
// many value ranges and scales, merges across scales exact, explicit-bucket spreading keeps counts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StoreHistogram } from '../../../server/store/histogram.js';
import { decodeHist, encodeHist } from '../../../server/store/persist/histogram-blob.js';
import { Random } from '../../../simulator/random.js';
import { weightedQuantile } from '../../../simulator/exact.js';

const QS = [0, 0.01, 0.5, 0.9, 0.99, 0.999, 1];

test('quantiles are within relativeError of the exact rank-⌈q·n⌉ value, over many ranges', () => {
  const rnd = new Random(1);
  for (let trial = 0; trial < 200; trial++) {
    const scale = Math.floor(rnd.next() * 9) - 1; // −1..7
    const median = Math.pow(10, rnd.next() * 12 - 8); // 1e-8 .. 1e4
    const sigma = rnd.next() * 3;
    const n = 1 + Math.floor(rnd.next() * 3000);
    const h = new StoreHistogram(scale, 4096);
    const values: [number, number][] = [];
    for (let i = 0; i < n; i++) {
      const v = rnd.next() < 0.02 ? 0 : rnd.lognormal(median, sigma);
      h.recordMany(v, 1);
      values.push([v, 1]);
    }
    assert.equal(h.count, n);
    for (const q of QS) {
      const exact = weightedQuantile(values, q);
      const got = h.quantile(q);
      if (exact === 0) assert.equal(got, 0);
      else assert.ok(Math.abs(got - exact) / exact <= h.relativeError * (1 + 1e-9), `trial ${trial} q=${q}: ${got} vs ${exact} (scale ${h.scale}, bound ${h.relativeError})`);
    }
  }
});

test('merge equals recording everything into one histogram, across scales and offsets', () => {
  const rnd = new Random(2);
  for (let trial = 0; trial < 100; trial++) {
    const a = new StoreHistogram(Math.floor(rnd.next() * 8), 4096);
    const b = new StoreHistogram(Math.floor(rnd.next() * 8), 160);
    const all = new StoreHistogram(8, 4096);
    const values: [number, number][] = [];
    for (let i = 0; i < 500; i++) {
      const v = rnd.lognormal(i % 2 ? 1e-3 : 5, 1.5);
      (i % 3 ? a : b).recordMany(v, 2);
      values.push([v, 2]);
    }
    for (const [v, w] of values) all.recordMany(v, w);
    a.merge(b);
    all.downscale(all.scale - a.scale);
    assert.equal(a.scale, all.scale);
    assert.equal(a.count, all.count);
    for (const q of QS) assert.equal(a.quantile(q), all.quantile(q), `trial ${trial} q=${q}`);
    for (const q of QS) {
      const exact = weightedQuantile(values, q);
      assert.ok(Math.abs(a.quantile(q) - exact) / exact <= a.relativeError * (1 + 1e-9));
    }
  }
});

test('a read\'s merges of stored slots (sealed, at one scale) into one scratch histogram equal recording everything; the non-empty buckets walked by index', () => {
  const rnd = new Random(3);
  const scratch = new StoreHistogram(6);
  for (let trial = 0; trial < 50; trial++) {
    scratch.resetTo(6);
    const all = new StoreHistogram(6);
    for (let k = 0; k < 8; k++) {
      const slot = new StoreHistogram(6);
      // gaps inside the range (zeros between used buckets) and slots far apart
      for (let i = 0; i < 40; i++) {
        const v = rnd.lognormal(k % 2 ? 2e-3 : 0.3, 0.8);
        slot.recordMany(v, 1 + (i % 3));
        all.recordMany(v, 1 + (i % 3));
      }
      slot.seal();
      scratch.merge(slot);
    }
    assert.equal(scratch.scale, 6);
    assert.equal(scratch.count, all.count);
    const buckets = (h: StoreHistogram) => {
      const out: [number, number][] = [];
      h.forEachIndex((index, n) => out.push([index, n]));
      return out;
    };
    assert.deepEqual(buckets(scratch), buckets(all), `trial ${trial}`);
    const used = buckets(all);
    assert.deepEqual(scratch.usedIndexes(), [used[0][0], used[used.length - 1][0]]);
    for (const [index] of used) assert.ok(index >= scratch.offset && index < scratch.offset + scratch.length);
  }
  assert.deepEqual(new StoreHistogram(6).usedIndexes(), [0, -1], 'none');
});

test('sealed (Uint16 / Uint32) histograms read the same and accept later writes', () => {
  for (const [per, kind] of [
    [3, Uint16Array],
    [70_000, Uint32Array],
  ] as const) {
    const h = new StoreHistogram(6);
    for (let i = 1; i <= 1000; i++) h.recordMany(i / 1000, per);
    const before = QS.map((q) => h.quantile(q));
    h.seal();
    assert.ok(h.counts instanceof kind, `${per} a bucket: ${h.counts.constructor.name}`);
    assert.equal(h.bytes - 96, h.length * kind.BYTES_PER_ELEMENT);
    assert.deepEqual(QS.map((q) => h.quantile(q)), before);
    h.recordMany(5, 1);
    assert.ok(h.counts instanceof Float64Array);
    assert.equal(h.count, 1000 * per + 1);
    assert.equal(h.quantile(1), 5);
  }
  // fractional counts (explicit buckets spread) stay Float64
  const f = new StoreHistogram(6);
  f.addSpread(0.01, 0.025, 7);
  f.seal();
  assert.ok(f.counts instanceof Float64Array);
});

test('explicit-bucket spreading keeps the count inside the bucket', () => {
  const h = new StoreHistogram(6);
  h.addSpread(0.01, 0.025, 70);
  h.addSpread(0.1, 0.25, 10);
  h.addSummary(80, 2.5, undefined, undefined, 0);
  let total = 0;
  h.forEachBucket((lo, hi, n) => {
    total += n;
    assert.ok((lo >= 0.01 * 0.98 && hi <= 0.025 * 1.02) || (lo >= 0.1 * 0.98 && hi <= 0.25 * 1.02), `bucket (${lo}, ${hi}]`);
  });
  assert.ok(Math.abs(total - 80) < 1e-9);
  assert.ok(h.quantile(0.5) > 0.01 && h.quantile(0.5) <= 0.025);
  assert.ok(h.quantile(0.99) > 0.1 && h.quantile(0.99) <= 0.25);
});

test('histograms read back from the data file are sealed as the store keeps them (they came back as Float64: 2–4× the memory after a restart)', () => {
  const h = new StoreHistogram(6);
  for (let i = 1; i <= 500; i++) h.recordMany(i / 500, 2);
  const back = decodeHist(encodeHist(h));
  assert.ok(back.counts instanceof Uint16Array);
  assert.equal(back.count, h.count);
  assert.deepEqual(QS.map((q) => back.quantile(q)), QS.map((q) => h.quantile(q)));
});

test('the data file holds a histogram\'s counts in the width the store holds them (2 bytes a bucket for most settled slots, was 8); blobs written before read the same', () => {
  const cases: [string, (h: StoreHistogram) => void, typeof Uint16Array | typeof Uint32Array | typeof Float64Array][] = [
    ['Uint16', (h) => h.recordMany(0.01, 3), Uint16Array],
    ['Uint32', (h) => h.recordMany(0.01, 100_000), Uint32Array],
    ['Float64 (spread)', (h) => h.addSpread(0.01, 0.025, 7), Float64Array],
  ];
  for (const [name, fill, kind] of cases) {
    const h = new StoreHistogram(6);
    for (let i = 1; i <= 300; i++) h.recordMany(i / 300, 1);
    fill(h);
    h.seal();
    const blob = encodeHist(h);
    assert.equal(blob.byteLength, 8 + 64 + h.counts.byteLength, name);
    const back = decodeHist(blob);
    assert.ok(back.counts instanceof kind, `${name}: ${back.counts.constructor.name}`);
    assert.deepEqual([back.scale, back.offset, back.length, back.count, back.zeroCount, back.sum, back.min, back.max], [h.scale, h.offset, h.length, h.count, h.zeroCount, h.sum, h.min, h.max], name);
    assert.deepEqual(Array.from(back.counts), Array.from(h.counts), name);
    // a Buffer at an odd offset of a larger one (as SQLite rows may come)
    const shifted = Buffer.concat([Buffer.from([1, 2, 3]), blob]).subarray(3);
    assert.deepEqual(QS.map((q) => decodeHist(shifted).quantile(q)), QS.map((q) => h.quantile(q)), `${name} at an offset`);
    // the format written before: 8 float64 header fields, then Float64 counts
    const old = new Float64Array([h.scale, h.offset, h.length, h.zeroCount, h.count, h.sum, h.min, h.max, ...h.counts]);
    assert.deepEqual(QS.map((q) => decodeHist(Buffer.from(old.buffer)).quantile(q)), QS.map((q) => h.quantile(q)), `${name}, old format`);
    // damaged: an unknown kind, counts cut short
    const badKind = Buffer.from(blob);
    badKind.writeUInt32LE(9, 4);
    assert.throws(() => decodeHist(badKind), /histogram/);
    assert.throws(() => decodeHist(blob.subarray(0, blob.byteLength - 1)), /histogram/);
    assert.throws(() => decodeHist(blob.subarray(0, blob.byteLength - (kind === Float64Array ? 8 : kind === Uint32Array ? 4 : 2))), /histogram/);
  }
});
