import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventLoopDelayCollector } from '../../src/collectors/eventLoopDelay.js';
import { MetricBatch } from '../../src/recording/MetricBatch.js';

test('coordinated-omission correction: a 500 ms stall at 10 ms resolution records 500, 490, … 10 ms', () => {
  const c = new EventLoopDelayCollector(10);
  for (let i = 0; i < 1000; i++) c.observe(0.2); // ten seconds of a healthy loop
  c.observe(500);
  const h = c.histogram;
  assert.equal(h.count, 1000 + 50);
  assert.ok(Math.abs(h.max - 0.5) < 1e-12);
  // the stall is ~5% of the samples, so p99 sits inside it instead of at 0.2 ms
  const d = h.toData();
  let above = 0;
  const base = 2 ** (2 ** -d.scale);
  d.positive.bucketCounts.forEach((n, i) => {
    if (base ** (d.positive.offset + i) >= 0.009) above += n;
  });
  assert.equal(above, 50);
});

test('max per interval is per consumer and resets at each collect', () => {
  const c = new EventLoopDelayCollector(10);
  c.observe(30);
  const a = new MetricBatch(0, 1, 'otlp');
  c.collect(a);
  const max = (b: MetricBatch) => (b.metrics.get('nodejs.eventloop.delay.max') as { points: { value: number }[] }).points[0].value;
  assert.equal(max(a), 0.03);
  const b = new MetricBatch(0, 2, 'otlp');
  c.collect(b);
  assert.equal(max(b), 0);
});
