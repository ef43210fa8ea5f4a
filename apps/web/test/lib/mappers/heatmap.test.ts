import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Heatmap } from '../../../server/api/types.js';
import { bucketBound, cellAt, columnWidth, heatColor, HEAT_LIGHT, intensity, latencyY, mergeHeatmap, timeX, TOP_HEADROOM, trimHeatmap, visibleBuckets } from '../../../lib/mappers/heatmap.js';
import { evidenceEntries, sortFindings } from '../../../lib/mappers/findings.js';
import { sparkPath } from '../../../components/sparkline.js';

const bounds = [0.001, 0.002, 0.004, 0.008, 0.016, 0.032];
const hm = (times: number[], counts: number[][]): Heatmap => ({
  step: 1,
  window: 300,
  times,
  bounds,
  counts,
  maxCount: Math.max(0, ...counts.flat()),
  p50: times.map(() => 0.003),
  p99: times.map(() => 0.01),
});

test('visible buckets: the populated span padded by one below and TOP_HEADROOM above, null when empty', () => {
  assert.equal(TOP_HEADROOM, 2);
  assert.deepEqual(visibleBuckets(hm([1, 2], [[0, 0, 5, 0, 0], [0, 0, 0, 1, 0]])), { lo: 1, hi: 6 });
  assert.equal(visibleBuckets(hm([1], [[0, 0, 0, 0, 0]])), null);
});

test('the slowest band is not at the top edge: the axis reaches past the server bounds (outside audit: 300 ms band, axis ending at 354 ms)', () => {
  // the server's bounds end at the slowest bucket's upper edge, as for a 297–354 ms band at scale 2
  const b = Array.from({ length: 5 }, (_, i) => 2 ** ((i - 10) / 4)); // 0.177 … 0.297, 0.354 s
  const h: Heatmap = { ...hm([1000], [[0, 0, 1, 0]]), bounds: b, counts: [[0, 0, 0, 7]] };
  const range = visibleBuckets(h)!;
  assert.ok(range.hi > b.length - 1, 'rows above the server bounds');
  const top = bucketBound(h, range.hi);
  assert.ok(top >= 0.35 * 2 ** (TOP_HEADROOM / 4) * 0.99, `axis top ${top} s leaves room above the 354 ms edge`);
  // the band is drawn below the top: its upper edge at (hi − its row − 1) / rows of the height from the top
  const y = latencyY(h, range, 0.3)!;
  assert.ok(y >= TOP_HEADROOM / (range.hi - range.lo), `300 ms at ${y} of the height from the top`);
  // edges past the bounds keep the ratio
  assert.ok(Math.abs(bucketBound(h, b.length) / b[b.length - 1] - 2 ** 0.25) < 1e-9);
  assert.ok(Math.abs(b[0] / bucketBound(h, -1) - 2 ** 0.25) < 1e-9);
});

test('the time axis is the line charts\': first step at the left edge, last at the right, columns centred on their time', () => {
  const h = { ...hm([0, 2000, 4000, 6000, 8000], [[1], [1], [1], [1], [1]]), step: 2 };
  const plot = { left: 72, top: 0, width: 400, height: 100 };
  assert.equal(timeX(h, plot, 0), 72);
  assert.equal(timeX(h, plot, 8000), 472);
  assert.equal(timeX(h, plot, 4000), 272);
  assert.equal(columnWidth(h, plot), 100);
  // the first answer is trimmed like the line charts' (mergeSeries): steps before the range are dropped
  assert.deepEqual(trimHeatmap(h, 1500).times, [2000, 4000, 6000, 8000]);
});

test('intensity is log-scaled and bounded', () => {
  assert.equal(intensity(0, 10), 0);
  assert.equal(intensity(10, 10), 1);
  assert.ok(intensity(1, 1000) > 0.05 && intensity(1, 1000) < 0.2);
  assert.equal(heatColor(0, HEAT_LIGHT), 'rgb(222,235,252)');
  assert.equal(heatColor(1, HEAT_LIGHT), 'rgb(200,51,47)');
});

test('cellAt maps plot coordinates to the step and bucket (top = slowest)', () => {
  const h = hm([1000, 2000, 3000, 4000], [[1, 1, 1, 1, 1], [1, 1, 1, 1, 1], [1, 1, 1, 1, 1], [1, 1, 1, 1, 1]]);
  const range = { lo: 0, hi: 5 };
  const plot = { left: 0, top: 0, width: 300, height: 100 };
  assert.deepEqual(cellAt(h, range, plot, 10, 1), { t: 0, b: 4 });
  assert.deepEqual(cellAt(h, range, plot, 160, 50), { t: 2, b: 2 });
  assert.deepEqual(cellAt(h, range, plot, 299, 99), { t: 3, b: 0 });
  assert.equal(cellAt(h, range, plot, 401, 50), null);
});

test('latencyY is monotonic: slower is higher on the plot', () => {
  const h = hm([1], [[1, 1, 1, 1, 1]]);
  const range = { lo: 0, hi: 5 };
  const ys = [0.0015, 0.003, 0.006, 0.012, 0.024].map((s) => latencyY(h, range, s) as number);
  for (let i = 1; i < ys.length; i++) assert.ok(ys[i] < ys[i - 1]);
  assert.equal(latencyY(h, range, 0), null);
});

test('mergeHeatmap appends and replaces steps, refuses changed buckets', () => {
  const a = hm([1000, 2000], [[1, 0, 0, 0, 0], [2, 0, 0, 0, 0]]);
  const b = hm([2000, 3000], [[9, 0, 0, 0, 0], [3, 0, 0, 0, 0]]);
  const m = mergeHeatmap(a, b, 1500);
  assert.ok(m);
  assert.deepEqual(m.times, [2000, 3000]);
  assert.deepEqual(m.counts.map((c) => c[0]), [9, 3]);
  assert.equal(m.maxCount, 9);
  assert.equal(mergeHeatmap(a, { ...b, bounds: [...bounds.slice(0, 5), 0.064] }, 0), null);
});

// the overview fetched the whole heatmap again whenever a live tick's few steps had other buckets than the whole
// range (6 whole heatmaps in its first 5 s): the server gives each answer the span of its own data on one grid
test('mergeHeatmap moves both onto the span of their buckets when they are on the server\'s grid', () => {
  const grid = (first: number, n: number) => Array.from({ length: n + 1 }, (_, i) => 2 ** ((first + i) / 4));
  const g = (times: number[], first: number, counts: number[][]): Heatmap => ({ ...hm(times, counts), bounds: grid(first, counts[0].length) });
  // the whole range: rows -40…-36; a live tick whose steps hold only rows -39…-38, then one with a slower request (-34)
  const whole = g([1000, 2000], -40, [[1, 2, 3, 4], [5, 6, 7, 8]]);
  // (a tick's step replaces the one it had)
  const narrow = mergeHeatmap(whole, g([2000, 3000], -39, [[60, 70], [9, 9]]), 0)!;
  assert.deepEqual(narrow.bounds, whole.bounds);
  assert.deepEqual(narrow.counts, [[1, 2, 3, 4], [0, 60, 70, 0], [0, 9, 9, 0]]);
  const wide = mergeHeatmap(narrow, g([4000], -35, [[0, 2]]), 0)!;
  assert.deepEqual(wide.bounds, grid(-40, 7));
  assert.deepEqual(wide.counts, [[1, 2, 3, 4, 0, 0, 0], [0, 60, 70, 0, 0, 0, 0], [0, 9, 9, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0, 2]]);
  assert.equal(wide.maxCount, 70);
  // a tick with no requests has no buckets: its steps are empty rows
  const quiet = mergeHeatmap(whole, { ...whole, times: [3000], bounds: [], counts: [[]], maxCount: 0, p50: [null], p99: [null] }, 0)!;
  assert.deepEqual(quiet.counts[2], [0, 0, 0, 0]);
  // past the server's 160 rows, or another step: the whole range again
  assert.equal(mergeHeatmap(whole, g([3000], 130, [[1]]), 0), null);
  assert.equal(mergeHeatmap(whole, { ...g([3000], -39, [[1]]), step: 10 }, 0), null);
});

test('findings: most severe first, evidence in every shape', () => {
  const f = (severity: 'info' | 'warning' | 'critical', since: number) => ({ kind: 'k', severity, summary: '', evidence: [], nodes: [], routes: [], since });
  assert.deepEqual(sortFindings([f('info', 1), f('critical', 5), f('warning', 2), f('critical', 3)]).map((x) => `${x.severity}${x.since}`), [
    'critical3',
    'critical5',
    'warning2',
    'info1',
  ]);
  assert.deepEqual(evidenceEntries({ p99: 0.123456, nodes: ['a', 'b'] }), [
    ['p99', '0.1235'],
    ['nodes', 'a, b'],
  ]);
  assert.deepEqual(evidenceEntries('one sentence'), [['evidence', 'one sentence']]);
});

test('sparkPath draws one segment per run of values and skips gaps', () => {
  assert.equal(sparkPath([], 80, 20), '');
  const d = sparkPath([1, 2, null, 3], 30, 20);
  assert.equal((d.match(/M/g) ?? []).length, 2);
});
