// Heap allocation profiles: a V8 sampling heap profile reduced to its largest allocation sites (a dependency's or
// Node's site attributed to the nearest caller in the app's own code, the tail summed as `(other)`), and the
// decision to take one: a heap that grows along a line, not a saw-tooth, by enough, after the start-up, one at
// a time (the cooldown between them is the same code as the CPU profiler's).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Metrics, type Metric } from '@perf/metrics';
import { AllocationProfiler, GrowthProfiler, heapProfileMetrics, steadyGrowth, summarizeHeap, type V8HeapNode, type V8HeapProfile } from '../../src/export/heapProfiler.js';

let ids = 0;
const node = (functionName: string, url: string, selfSize: number, children: V8HeapNode[] = [], lineNumber = 0): V8HeapNode => ({
  callFrame: { functionName, url, lineNumber, columnNumber: 4 },
  selfSize,
  id: ++ids,
  children,
});

// (root) → handler (app) → remember (app) ; handler → Buffer.from (node:) ; handler → parse (node_modules) → (anon, node_modules)
const MB = 1024 * 1024;
const profile: V8HeapProfile = {
  head: node('(root)', '', 0, [
    node('handler', 'file:///srv/app/server.js', 1 * MB, [
      node('remember', 'file:///srv/app/cache.js', 30 * MB, [], 11),
      node('from', 'node:buffer', 5 * MB),
      node('parse', 'file:///srv/app/node_modules/qs/parse.js', 2 * MB, [node('', 'file:///srv/app/node_modules/qs/utils.js', 1.5 * MB)]),
    ], 40),
    node('(V8 API)', '', 0.5 * MB),
  ]),
  samples: Array.from({ length: 320 }, (_, i) => ({ size: 128 * 1024, nodeId: 2, ordinal: i })),
};

test('live bytes per allocation site, with the caller in the app for a site that is not the app’s', () => {
  const s = summarizeHeap(profile);
  assert.equal(s.samples, 40 * MB, 'the bytes of every site');
  assert.equal(s.liveSamples, 320);
  assert.deepEqual(
    s.functions.map((f) => [f.name, f.samples / MB, f.caller?.name]),
    [
      ['remember', 30, undefined],
      ['from', 5, 'handler'],
      ['parse', 2, 'handler'],
      ['(anonymous)', 1.5, 'handler'],
      ['handler', 1, undefined],
      ['(V8 API)', 0.5, undefined],
    ],
  );
  assert.deepEqual(s.functions[0], { name: 'remember', file: '/srv/app/cache.js', line: 12, column: 5, samples: 30 * MB, caller: undefined });
  assert.deepEqual(s.functions[1].caller, { name: 'handler', file: '/srv/app/server.js', line: 41, column: 5 });

  const two = summarizeHeap(profile, 2);
  assert.deepEqual(two.functions.map((f) => [f.name, f.samples / MB]), [['remember', 30], ['from', 5], ['(other)', 5]]);

  const [sites, samples] = heapProfileMetrics(two, 1e18, 1e18 + 2e9) as [Extract<Metric, { type: 'gauge' }>, Extract<Metric, { type: 'gauge' }>];
  assert.equal(sites.name, Metrics.heapProfileLiveSize);
  assert.equal(sites.unit, 'By');
  assert.deepEqual(sites.points.map((p) => p.value), [30 * MB, 5 * MB, 5 * MB]);
  assert.deepEqual(sites.points[1].attributes, {
    'code.function.name': 'from',
    'code.file.path': 'node:buffer',
    'code.line.number': 1,
    'code.column.number': 5,
    'perf.caller.function.name': 'handler',
    'perf.caller.file.path': '/srv/app/server.js',
    'perf.caller.line.number': 41,
  });
  assert.ok(sites.points.every((p) => p.startTimeUnixNano === 1e18 && p.timeUnixNano === 1e18 + 2e9));
  assert.equal(samples.points[0].value, 320);
});

test('a deep stack does not overflow the reduction', () => {
  let leaf = node('leaf', 'file:///srv/app/deep.js', 1024);
  for (let i = 0; i < 50_000; i++) leaf = node(`f${i}`, 'file:///srv/app/deep.js', 0, [leaf], i);
  const s = summarizeHeap({ head: node('(root)', '', 0, [leaf]) });
  assert.deepEqual(s.functions.map((f) => f.name), ['leaf']);
});

const series = (seconds: number, f: (t: number) => number) => Array.from({ length: seconds + 1 }, (_, t) => ({ at: t * 1000, used: f(t) }));

test('steady growth: a line by enough over 10 s or more; not a saw-tooth, not too little, not too short', () => {
  assert.ok(steadyGrowth(series(12, (t) => 50 * MB + t * 2 * MB + (t % 2) * 0.5 * MB), 16 * MB), 'a leak of 2 MB/s');
  assert.ok(!steadyGrowth(series(12, (t) => 50 * MB + t * 1 * MB), 16 * MB), '12 MB is under the line');
  assert.ok(!steadyGrowth(series(8, (t) => 50 * MB + t * 4 * MB), 16 * MB), '8 s is too short to tell');
  // young-generation churn: fills 16 MB over 4 s, then a scavenge drops it
  assert.ok(!steadyGrowth(series(30, (t) => 50 * MB + (t % 4) * 8 * MB), 16 * MB), 'a saw-tooth');
  assert.ok(!steadyGrowth(series(30, (t) => 300 * MB - t * 2 * MB), 16 * MB), 'shrinking');
  assert.ok(!steadyGrowth(series(30, () => 80 * MB), 0), 'flat');
});

test('the profiler starts once the heap grows steadily, not in the first seconds, one at a time', async () => {
  const heap = (used: number): Metric[] => [{ type: 'gauge', name: Metrics.heapUsed, unit: 'By', description: '', points: [{ attributes: {}, startTimeUnixNano: 0, timeUnixNano: 0, flags: 0, value: used, isInt: true }] }];
  const t0 = 1_000_000;
  const p = new GrowthProfiler({ enabled: true, growthBytes: 16 * MB, durationMillis: 1000, cooldownMillis: 60_000, afterMillis: 15_000 }, () => {}, t0);
  const started: number[] = [];
  // 3 MB a second from the start: steady after 10 s, but the first 15 s are the app's start-up; one at a time
  // (it counts as running from the decision on, while its session connects)
  for (let t = 0; t <= 120; t++) if (p.observe(heap(50 * MB + t * 3 * MB), t0 + t * 1000)) started.push(t);
  assert.deepEqual(started, [15]);
  assert.equal(p.running, true);
  // this process's main thread is no worker thread, so no profile can start here: once that is known it stops trying
  for (let waited = 0; p.running && waited < 5000; waited += 20) await new Promise((r) => setTimeout(r, 20));
  assert.equal(p.running, false);
  for (let t = 121; t <= 300; t++) assert.equal(p.observe(heap(50 * MB + t * 3 * MB), t0 + t * 1000), false);
  const off = new GrowthProfiler({ enabled: false, growthBytes: 0, durationMillis: 1000, cooldownMillis: 0, afterMillis: 0 }, () => {}, t0);
  for (let t = 0; t <= 20; t++) assert.equal(off.observe(heap(50 * MB + t * 3 * MB), t0 + t * 1000), false);
});

test('the allocation profiler starts when an interval’s GC pauses took at least the set share of it', async () => {
  // the GC duration histograms' sums are cumulative seconds of pauses, one histogram per GC type
  const gc = (minor: number, major: number): Metric[] =>
    (
      [
        ['minor', minor],
        ['major', major],
      ] as const
    ).map(([type, sum]) => ({
      type: 'exponentialHistogram',
      name: Metrics.gcDuration,
      unit: 's',
      description: '',
      temporality: 'cumulative',
      points: [
        {
          attributes: { 'v8js.gc.type': type },
          startTimeUnixNano: 0,
          timeUnixNano: 0,
          flags: 0,
          count: 1,
          sum,
          min: undefined,
          max: undefined,
          scale: 0,
          zeroCount: 0,
          zeroThreshold: 0,
          positive: { offset: 0, bucketCounts: new Float64Array([1]) },
          negative: { offset: 0, bucketCounts: new Float64Array(0) },
        },
      ],
    }));
  const t0 = 1_000_000;
  let blocked = false;
  const p = new AllocationProfiler({ enabled: true, gcShare: 0.1, durationMillis: 1000, cooldownMillis: 0, afterMillis: 0, blocked: () => blocked }, () => {}, t0);
  assert.equal(p.observe(gc(0, 0), t0), false, 'a first snapshot has no interval yet');
  assert.equal(p.observe(gc(0.05, 0.02), t0 + 1000), false, '7% of the second');
  blocked = true;
  assert.equal(p.observe(gc(0.15, 0.04), t0 + 2000), false, '12%, but a heap profile runs');
  blocked = false;
  assert.equal(p.observe(gc(0.25, 0.06), t0 + 3000), true, '12% of the second');
  assert.equal(p.running, true);
  const none = new AllocationProfiler({ enabled: true, gcShare: 0.1, durationMillis: 1000, cooldownMillis: 0, afterMillis: 0 }, () => {}, t0);
  assert.equal(none.observe([], t0), false);
  assert.equal(none.observe([], t0 + 1000), false, 'no GC histograms (GC probe off): never');
  for (let waited = 0; p.running && waited < 5000; waited += 20) await new Promise((r) => setTimeout(r, 20));
  assert.equal(p.running, false, 'no worker thread here: it gave up');
});

test('an allocation profile goes out under its own names', () => {
  const [sites, samples] = heapProfileMetrics(summarizeHeap(profile, 2), 1e18, 1e18 + 3e9, 'allocated') as [Extract<Metric, { type: 'gauge' }>, Extract<Metric, { type: 'gauge' }>];
  assert.equal(sites.name, Metrics.allocationProfileSize);
  assert.equal(sites.unit, 'By');
  assert.equal(samples.name, Metrics.allocationProfileSamples);
  assert.deepEqual(sites.points.map((p) => p.value), [30 * MB, 5 * MB, 5 * MB]);
});
