import assert from 'node:assert/strict';
import { test } from 'node:test';
import { niceCeil } from '../../../lib/format.js';
import type { ChartRow } from '../../../lib/mappers/series.js';
import { SPIKE_MAX_RUN, yScaleOf } from '../../../lib/mappers/y-scale.js';

const KEYS = ['p50', 'p90', 'p99', 'p999'];

/** 60 steps of a steady service (p50 4–6 ms … p99.9 40–60 ms, seeded noise), p99.9 replaced where `p999` says. */
function latencyRows(p999: (i: number) => number | null = () => null): ChartRow[] {
  let seed = 7;
  const noise = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 0.4 + 0.8;
  return Array.from({ length: 60 }, (_, i) => ({
    t: 1_000_000 + i * 2000,
    p50: 0.005 * noise(),
    p90: 0.012 * noise(),
    p99: 0.025 * noise(),
    p999: p999(i) ?? 0.05 * noise(),
  }));
}

test('one 1.6 s p99.9 spike stays above the axis: the axis fits the typical lines, p50 spans a visible height', () => {
  const rows = latencyRows((i) => (i === 30 ? 1.6 : null));
  const s = yScaleOf(rows, KEYS, 0.001, niceCeil, true);
  assert.ok(s.yMax < 0.2, `axis top ${s.yMax} s is set by the typical lines, not the 1.6 s spike`);
  assert.ok(s.yMax >= 0.06, `axis top ${s.yMax} s still holds every unclipped value`);
  // p50 (4–6 ms) is at least 1/25 of the axis high, and its ups and downs are 20× taller than on the 0–2 s axis
  assert.ok(0.004 / s.yMax >= 0.04, `p50 at ${0.004 / s.yMax} of the axis`);
  assert.ok(2 / s.yMax >= 20);
  assert.deepEqual(s.clipped, [{ row: 30, key: 'p999', value: 1.6 }]);
  // without clipping (the other charts), the spike sets the axis as before
  assert.equal(yScaleOf(rows, KEYS, 0.001, niceCeil, false).yMax, 2);
});

test('a few spikes apart are each clipped; a run of up to SPIKE_MAX_RUN points is a spike', () => {
  const at = new Set([10, 25, 26, 27, 44]);
  const s = yScaleOf(latencyRows((i) => (at.has(i) ? 0.9 + i / 1000 : null)), KEYS, 0.001, niceCeil, true);
  assert.equal(SPIKE_MAX_RUN, 3);
  assert.ok(s.yMax < 0.2);
  assert.deepEqual(
    s.clipped.map((c) => c.row),
    [10, 25, 26, 27, 44],
  );
});

test('a sustained rise is never clipped: more than SPIKE_MAX_RUN high points in a row set the axis', () => {
  const s = yScaleOf(latencyRows((i) => (i >= 20 && i < 20 + SPIKE_MAX_RUN + 1 ? 1.6 : null)), KEYS, 0.001, niceCeil, true);
  assert.equal(s.yMax, 2);
  assert.deepEqual(s.clipped, []);
});

test('a spike at the newest point may be a rise beginning: it sets the axis', () => {
  const s = yScaleOf(latencyRows((i) => (i === 59 ? 1.6 : null)), KEYS, 0.001, niceCeil, true);
  assert.equal(s.yMax, 2);
  assert.deepEqual(s.clipped, []);
});

test('a spike just above the rest is drawn whole; too few points, or all zero, clip nothing', () => {
  // 0.08 s vs a p99.9 of up to 0.06 s: clipping would gain less than 1.5×
  assert.deepEqual(yScaleOf(latencyRows((i) => (i === 30 ? 0.08 : null)), KEYS, 0.001, niceCeil, true).clipped, []);
  const short = latencyRows((i) => (i === 5 ? 1.6 : null)).slice(0, 10);
  assert.equal(yScaleOf(short, KEYS, 0.001, niceCeil, true).yMax, 2);
  const zero: ChartRow[] = [{ t: 1, p50: 0, p90: null, p99: null, p999: null }];
  assert.deepEqual(yScaleOf(zero, KEYS, 0.001, niceCeil, true), { yMax: 0.001, clipped: [] });
});
