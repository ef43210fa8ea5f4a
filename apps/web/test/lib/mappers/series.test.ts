import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Series } from '../../../server/api/types.js';
import { joinColumns, lastValue, lineLabel, mergePoints, mergeSeries, pivotLines, type Point } from '../../../lib/mappers/series.js';

const series = (lines: { key: Record<string, string>; points: Point[] }[], step = 1): Series => ({
  metric: 'rps',
  by: 'fleet',
  step,
  series: lines,
  window: 300,
  truncated: 0,
});

test('mergePoints replaces equal timestamps, keeps order, trims the front', () => {
  const prev: Point[] = [
    [1000, 1],
    [2000, 2],
    [3000, 3],
  ];
  const fresh: Point[] = [
    [3000, 30],
    [4000, 4],
  ];
  assert.deepEqual(mergePoints(prev, fresh, 2000), [
    [2000, 2],
    [3000, 30],
    [4000, 4],
  ]);
});

test('a live window stays bounded however many ticks merge into it', () => {
  let s: Series | null = null;
  const windowMs = 300_000;
  for (let now = 0; now < 3_600_000; now += 1000) {
    const pts: Point[] = [];
    for (let k = 4; k >= 0; k--) pts.push([now - k * 1000, now]);
    s = mergeSeries(s, series([{ key: {}, points: pts }]), now - windowMs);
  }
  assert.ok(s);
  assert.ok(s.series[0].points.length <= 301, `${s.series[0].points.length} points`);
  assert.equal(lastValue(s), 3_599_000);
});

test('lines that stop reporting keep their history until it leaves the window', () => {
  const a = { instance: 'a' };
  const b = { instance: 'b' };
  let s = mergeSeries(null, series([{ key: a, points: [[1000, 1]] }, { key: b, points: [[1000, 5]] }]), 0);
  s = mergeSeries(s, series([{ key: a, points: [[2000, 2]] }]), 0);
  assert.equal(s.series.length, 2);
  s = mergeSeries(s, series([{ key: a, points: [[3000, 3]] }]), 1500);
  assert.deepEqual(
    s.series.map((l) => l.key.instance),
    ['a'],
  );
});

test('joinColumns aligns several metrics on time with nulls for gaps', () => {
  const p50 = series([{ key: {}, points: [[1, 0.01], [2, 0.02]] }]);
  const p99 = series([{ key: {}, points: [[2, 0.2], [3, 0.3]] }]);
  assert.deepEqual(joinColumns({ p50, p99 }), [
    { t: 1, p50: 0.01, p99: null },
    { t: 2, p50: 0.02, p99: 0.2 },
    { t: 3, p50: null, p99: 0.3 },
  ]);
});

test('pivotLines keeps the largest lines and labels routes by method', () => {
  const s = series([
    { key: { route: '/a', method: 'GET' }, points: [[1, 1]] },
    { key: { route: '/b', method: 'POST' }, points: [[1, 3]] },
    { key: { route: '/c', method: 'GET' }, points: [[1, 2]] },
  ]);
  const { rows, columns } = pivotLines(s, 2);
  assert.deepEqual(columns, ['POST /b', 'GET /c']);
  assert.deepEqual(rows, [{ t: 1, 'POST /b': 3, 'GET /c': 2 }]);
  assert.equal(lineLabel({}), 'fleet');
});
