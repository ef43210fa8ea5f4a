// The readout next to a chart: the latest point labelled with its step, and "—" once the line stopped (UI audit:
// with every node down the overview's "Latency p99 299 ms" came from before the outage while the tiles said 0 req/s).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Series } from '../../../server/api/types.js';
import { chartReadout } from '../../../lib/mappers/readout.js';
import { latestReadout, lastValue, type Point } from '../../../lib/mappers/series.js';

const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);
/** One fleet line, one point per 2 s step from T0. */
function line(values: (number | null)[], step = 2): Series {
  const points: Point[] = values.map((v, i) => [T0 + i * step * 1000, v]);
  return { metric: 'latency.p99', by: 'fleet', step, series: [{ key: {}, points }], window: 300, truncated: 0 };
}

test('the latest value looks past up to two empty steps (the newest step is partial)', () => {
  assert.equal(lastValue(line([0.1, 0.2, 0.3])), 0.3);
  assert.equal(lastValue(line([0.1, 0.2, null])), 0.2);
  assert.equal(lastValue(line([0.1, 0.2, null, null])), 0.2);
  assert.deepEqual(latestReadout(line([0.1, 0.2, null, null])), { value: 0.2, t: T0 + 2000, stale: null });
});

test('a line silent for more than two steps has no latest value, only a stale one', () => {
  const s = line([0.299, 0.299, null, null, null]);
  assert.equal(lastValue(s), null);
  assert.deepEqual(latestReadout(s), { value: null, t: null, stale: { value: 0.299, t: T0 + 2000, newest: T0 + 8000 } });
  // the gap is counted in the series' own step: 5 s steps allow 10 s
  assert.equal(lastValue(line([1, null, null], 5)), 1);
  assert.equal(lastValue(line([1, null, null, null], 5)), null);
});

// outside audit: the Throughput header read "0 req/s · last 2 s", and "975 req/s" with one node's export in, while the
// fleet served a million a second: the newest step was still receiving exports
test('the latest settled step, when the series says how far it is settled; the newest when none is near', () => {
  const s = line([900_000, 1_000_000, 980_000, 975]);
  s.settledUntil = T0 + 6000; // steps from T0+6 s on are still settling
  assert.deepEqual(latestReadout(s), { value: 980_000, t: T0 + 4000, stale: null });
  assert.equal(chartReadout(s, 'rps').text, '980k req/s');
  // 1 s steps, 3 s still settling: a settled point 4 s back still stands for now
  const one = line([10, 20, 30, 40, 50, 1], 1);
  one.settledUntil = T0 + 3000;
  assert.equal(lastValue(one), 30);
  // nothing settled near: the newest as before (a dashboard that just started)
  const fresh = line([null, null, null, null, 7]);
  fresh.settledUntil = T0;
  assert.equal(lastValue(fresh), 7);
  // without the field (another producer), the newest
  assert.equal(lastValue(line([900_000, 975])), 975);
});

test('no data, no line, no series', () => {
  assert.deepEqual(latestReadout(line([null, null])), { value: null, t: null, stale: null });
  assert.deepEqual(latestReadout(line([])), { value: null, t: null, stale: null });
  assert.deepEqual(latestReadout(null), { value: null, t: null, stale: null });
});

test('the readout says what the value covers: the chart step', () => {
  const r = chartReadout(line([0.5, 0.995]), 'seconds', 'p99');
  assert.equal(r.text, 'p99 995 ms');
  assert.equal(r.note, 'last 2 s');
  assert.match(r.title ?? '', /latest point, the 2 s from \d\d:\d\d:\d\d/);
  assert.equal(chartReadout(line([12], 10), 'rps').note, 'last 10 s');
  assert.equal(chartReadout(line([12], 300), 'rps').note, 'last 5 min');
  assert.equal(chartReadout(line([0.25]), 'ratio').text, '25 %');
});

test('a stopped line reads "—" with how long it has been silent, and the old value only in the tooltip', () => {
  const values: (number | null)[] = [0.299, 0.299];
  for (let i = 0; i < 20; i++) values.push(null);
  const r = chartReadout(line(values), 'seconds', 'p99');
  assert.equal(r.text, 'p99 —');
  assert.equal(r.note, 'no data for 40 s');
  assert.match(r.title ?? '', /^No data since \d\d:\d\d:\d\d; the last value was p99 299 ms/);
});

test('while loading, and with nothing in the range', () => {
  assert.deepEqual(chartReadout(null, 'seconds', 'p99'), { text: 'p99 —', note: null, title: null });
  assert.deepEqual(chartReadout(line([null]), 'rps'), { text: '—', note: null, title: 'No data in this range' });
});
