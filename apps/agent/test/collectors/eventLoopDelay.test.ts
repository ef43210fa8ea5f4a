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

test('a beat stretched while the loop was idle stands for the samples a sampler at R would have taken', () => {
  const c = new EventLoopDelayCollector(20);
  c.sample(0.3, 100); // idle loop: a 100 ms beat, 0.3 ms late = five 20 ms samples of 0.3 ms
  assert.equal(c.histogram.count, 5);
  assert.ok(Math.abs(c.histogram.sum - 5 * 0.0003) < 1e-12);
  c.sample(0.3, 20); // busy loop: one beat, one sample
  assert.equal(c.histogram.count, 6);
});

test('a stall on an idle loop counts from when the loop got busy, not from when the beat was due', () => {
  const c = new EventLoopDelayCollector(20);
  // a 300 ms block began 60 ms into a 100 ms beat: the beat is 260 ms late, the loop was busy 300 ms
  c.sample(260, 100, 300);
  const h = c.histogram;
  assert.ok(Math.abs(h.max - 0.29) < 1e-9, `max ${h.max}`); // ≈ what a 20 ms sampler sees: 300 − R/2
  // 4 on-time samples at 0 (the beat ended a stall), then 290, 270, … 10 ms (CO back-fill)
  assert.equal(h.zeroCount, 4);
  assert.equal(h.count, 4 + 15);
  const max = new MetricBatch(0, 1, 'otlp');
  c.collect(max);
  assert.equal((max.metrics.get('nodejs.eventloop.delay.max') as { points: { value: number }[] }).points[0].value, 0.29);
});

test('a busy beat never takes the busy time for a stall', () => {
  const c = new EventLoopDelayCollector(20);
  c.sample(25, 20, 19); // lots of small tasks, one beat 25 ms late
  assert.ok(Math.abs(c.histogram.max - 0.025) < 1e-12);
});
