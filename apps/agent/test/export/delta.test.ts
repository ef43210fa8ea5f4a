import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExponentialHistogram, type Metric } from '@perf/metrics';
import { DeltaConverter } from '../../src/export/delta.js';
import { MetricBatch } from '../../src/recording/MetricBatch.js';

test('delta temporality: counters and histograms become differences; the sum of deltas is the cumulative total', () => {
  const conv = new DeltaConverter();
  const h = new ExponentialHistogram({ maxScale: 6, maxSize: 1024 });
  let counter = 0;
  const totals = { count: 0, counter: 0 };
  for (let round = 1; round <= 4; round++) {
    for (let i = 0; i < round * 10; i++) h.record(0.001 * (1 + ((i * 7) % 50)));
    counter += round;
    const b = new MetricBatch(0, round * 1e9);
    b.histogram('h', 's', '', h);
    b.sum('c', '1', '', counter, true);
    b.gauge('g', '1', '', round);
    const out = conv.convert([...b.metrics.values()], round * 1e9);
    const hm = out.find((m) => m.name === 'h') as Extract<Metric, { type: 'exponentialHistogram' }>;
    const cm = out.find((m) => m.name === 'c') as Extract<Metric, { type: 'sum' }>;
    assert.equal(hm.temporality, 'delta');
    assert.equal(hm.points[0].count, round * 10);
    assert.equal(hm.points[0].positive.bucketCounts.reduce((a, n) => a + n, 0), round * 10);
    assert.equal(cm.points[0].value, round);
    totals.count += hm.points[0].count;
    totals.counter += cm.points[0].value;
    assert.equal((out.find((m) => m.name === 'g') as Extract<Metric, { type: 'gauge' }>).points[0].value, round);
  }
  assert.equal(totals.count, h.count);
  assert.equal(totals.counter, counter);
});
