// The ingest domain checks (server/ingest/domain.ts) refuse what a metric cannot be, never what is real but rare.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HistogramDataPoint } from '@perf/metrics';
import { histogramProblem } from '../../../server/ingest/domain.js';

// the OpenTelemetry SDKs' default bounds (ms); a sender without min/max (recordMinMax off, or a converter)
const BOUNDS = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];
const point = (counts: number[], sum: number, max?: number): HistogramDataPoint =>
  ({ attributes: {}, startTimeUnixNano: 0, timeUnixNano: 1, count: counts.reduce((a, b) => a + b, 0), sum, bucketCounts: Float64Array.from(counts), explicitBounds: BOUNDS, flags: 0, max }) as HistogramDataPoint;

test('a request slower than the last explicit bound is real: its sum does not get the point refused, with or without max', () => {
  const counts = new Array(BOUNDS.length + 1).fill(0);
  counts[BOUNDS.length] = 1;
  assert.equal(histogramProblem(point(counts, 60_000), false, true, 0.001), undefined, 'a 60 s request, no max');
  assert.equal(histogramProblem(point(counts, 60_000, 60_000), false, true, 0.001), undefined, 'with its max');
  // what cannot be still is refused: a sum past count × max, or a negative one
  assert.match(histogramProblem(point(counts, 90_000, 60_000), false, true, 0.001) ?? '', /sum/);
  assert.match(histogramProblem(point(counts, -1), false, true, 0.001) ?? '', /sum/);
});
