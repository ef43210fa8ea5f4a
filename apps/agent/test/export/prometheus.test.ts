import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExponentialHistogram } from '@perf/metrics';
import { classicBuckets, PROMETHEUS_BOUNDS } from '../../src/export/prometheus.js';

test('re-bucketing to √2 bounds is exact: each le counts exactly the values ≤ le', () => {
  const h = new ExponentialHistogram({ maxScale: 6, maxSize: 1024 });
  const values: number[] = [];
  let x = 12345;
  for (let i = 0; i < 20_000; i++) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    const v = 1e-5 * 10 ** ((x / 2 ** 31) * 6.5);
    values.push(v);
    h.record(v);
  }
  h.record(0);
  values.push(0);
  const p = { ...h.toData(), attributes: {}, startTimeUnixNano: 0, timeUnixNano: 0, flags: 0 };
  const buckets = classicBuckets(p);
  PROMETHEUS_BOUNDS.forEach((le, i) => {
    const exact = values.filter((v) => v <= le).length;
    assert.equal(buckets[i], exact, `le=${le}`);
  });
});
