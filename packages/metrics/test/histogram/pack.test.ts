import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExponentialHistogram } from '../../src/histogram/ExponentialHistogram.js';
import { HistogramError } from '../../src/errors.js';
import { prng } from './util.js';

/** Histograms of many shapes: empty, zeros only, positive, negative, both, ring wrapped, after a merge of min/max-less data. */
function shapes(): [string, ExponentialHistogram][] {
  const rnd = prng(7);
  const out: [string, ExponentialHistogram][] = [['empty', new ExponentialHistogram()]];
  const zeros = new ExponentialHistogram();
  for (let i = 0; i < 5; i++) zeros.record(0);
  out.push(['zeros only', zeros]);
  const latencies = new ExponentialHistogram({ maxScale: 6, maxSize: 1024 });
  for (let i = 0; i < 20_000; i++) latencies.record(0.0001 * Math.exp(rnd() * 9));
  out.push(['latencies over four decades (scale 6)', latencies]);
  const mixed = new ExponentialHistogram({ maxSize: 160 });
  for (let i = 0; i < 5_000; i++) mixed.record((rnd() - 0.3) * 1000);
  mixed.record(0);
  out.push(['positive, negative and zero (downscaled to 160 buckets)', mixed]);
  // widening downwards after upwards: the ring's live range wraps around the end of its array
  const wrapped = new ExponentialHistogram({ maxScale: 3 });
  for (const v of [100, 120, 150, 90, 60, 40, 30, 20, 11]) wrapped.record(v);
  out.push(['ring wrapped', wrapped]);
  const noMinMax = ExponentialHistogram.fromData({ count: 3, sum: undefined, min: undefined, max: undefined, scale: 2, zeroCount: 0, zeroThreshold: 0, positive: { offset: 4, bucketCounts: new Float64Array([1, 0, 2]) }, negative: { offset: 0, bucketCounts: new Float64Array([]) } });
  out.push(['no sum, min or max', noMinMax]);
  return out;
}

test('pack/unpack: every shape reads back as exactly what toData() says, several histograms in one buffer', () => {
  const hs = shapes();
  const length = hs.reduce((n, [, h]) => n + h.packedLength(), 0);
  const buf = new Float64Array(length);
  let at = 0;
  const starts: number[] = [];
  for (const [, h] of hs) {
    starts.push(at);
    const next = h.pack(buf, at);
    assert.ok(next <= at + h.packedLength(), 'pack stays within packedLength()');
    at = next;
  }
  let read = 0;
  hs.forEach(([name, h], i) => {
    assert.equal(read, starts[i], `${name}: unpack ends where the next pack began`);
    const { data, next } = ExponentialHistogram.unpack(buf, read);
    assert.deepEqual(data, h.toData(), name);
    read = next;
  });
  assert.equal(read, at);
});

test('pack: the wrapped ring is copied in order (two pieces), and its counts sum to the count', () => {
  const [, wrapped] = shapes().find(([name]) => name === 'ring wrapped')!;
  const buf = new Float64Array(wrapped.packedLength());
  wrapped.pack(buf, 0);
  const { data } = ExponentialHistogram.unpack(buf, 0);
  assert.equal(data.positive.bucketCounts.reduce((a, b) => a + b, 0), 9);
  assert.deepEqual(ExponentialHistogram.fromData(data).toData(), wrapped.toData());
});

test('unpack: a truncated buffer is a HistogramError, not garbage', () => {
  const [, h] = shapes()[2];
  const buf = new Float64Array(h.packedLength());
  const end = h.pack(buf, 0);
  for (const cut of [5, 12, end - 1]) {
    assert.throws(() => ExponentialHistogram.unpack(buf.subarray(0, cut), 0), (e: unknown) => e instanceof HistogramError && e.code === 'PERF_HIST_INVALID_DATA', `cut at ${cut}`);
  }
});
