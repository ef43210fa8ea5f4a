// Reducing a V8 CPU profile to its top functions: self time per function, a dependency's or Node's function
// attributed to the nearest caller in the app's own code, the long tail summed as `(other)`, idle apart.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BusyProfiler, busyOrStalled, correctUtilization, isAppCode, MAX_PROFILE_NODES, MIN_PROFILE_MS, nextDuration, parseSchedstat, profileMetrics, quietRetryAfter, summarize, type V8Profile } from '../../src/export/profiler.js';
import { MetricBatch } from '../../src/recording/MetricBatch.js';

const frame = (functionName: string, url = '', lineNumber = -1, columnNumber = -1) => ({ functionName, url, lineNumber, columnNumber });

// (root) → handler (app) → render (node_modules) → escape (node_modules)
//                        → JSON work in handler itself
// (root) → (idle), (garbage collector), (program)
const profile: V8Profile = {
  startTime: 0,
  endTime: 1_000_000,
  nodes: [
    { id: 1, callFrame: frame('(root)'), children: [2, 6, 7, 8] },
    { id: 2, callFrame: frame('handler', 'file:///srv/app/server.js', 41, 2), children: [3] },
    { id: 3, callFrame: frame('render', 'file:///srv/app/node_modules/tpl/index.js', 9, 0), children: [4] },
    { id: 4, callFrame: frame('escape', 'file:///srv/app/node_modules/tpl/escape.js', 0, 0), children: [5] },
    { id: 5, callFrame: frame('', 'node:internal/util', 10, 4) },
    { id: 6, callFrame: frame('(idle)') },
    { id: 7, callFrame: frame('(garbage collector)') },
    { id: 8, callFrame: frame('(program)') },
  ],
  samples: [...Array(50).fill(4), ...Array(20).fill(2), ...Array(10).fill(3), ...Array(5).fill(5), ...Array(10).fill(6), ...Array(3).fill(7), ...Array(2).fill(8)],
};

test('self time per function, with the caller in the app for code that is not the app’s', () => {
  const s = summarize(profile);
  assert.equal(s.samples, 100);
  const rows = s.functions.map((f) => [f.name, f.file, f.line, f.samples, f.caller ? `${f.caller.name}@${f.caller.line}` : '']);
  assert.deepEqual(rows, [
    ['escape', '/srv/app/node_modules/tpl/escape.js', 1, 50, 'handler@42'],
    ['handler', '/srv/app/server.js', 42, 20, ''],
    ['render', '/srv/app/node_modules/tpl/index.js', 10, 10, 'handler@42'],
    ['(anonymous)', 'node:internal/util', 11, 5, 'handler@42'],
    ['(garbage collector)', '', 0, 3, ''],
    ['(program)', '', 0, 2, ''],
    ['(idle)', '', 0, 10, ''],
  ]);
});

test('past the top N the rest is one (other) row, and idle stays apart', () => {
  const s = summarize(profile, 2);
  assert.deepEqual(
    s.functions.map((f) => [f.name, f.samples]),
    [['escape', 50], ['handler', 20], ['(idle)', 10], ['(other)', 20]],
  );
  const [self, samples] = profileMetrics(s, 5e18, 5e18 + 3e9);
  assert.equal(self.type, 'gauge');
  const points = self.type === 'gauge' ? self.points : [];
  assert.equal(points.reduce((t, p) => t + p.value, 0), 1);
  assert.deepEqual(points[0].attributes, {
    'code.function.name': 'escape',
    'code.file.path': '/srv/app/node_modules/tpl/escape.js',
    'code.line.number': 1,
    'code.column.number': 1,
    'perf.caller.function.name': 'handler',
    'perf.caller.file.path': '/srv/app/server.js',
    'perf.caller.line.number': 42,
  });
  assert.equal(points[0].startTimeUnixNano, 5e18);
  assert.equal(samples.type === 'gauge' && samples.points[0].value, 100);
});

test('hit counts stand in when the profile has no sample list', () => {
  const s = summarize({ ...profile, samples: undefined, nodes: profile.nodes.map((n) => ({ ...n, hitCount: n.id === 2 ? 7 : 0 })) });
  assert.deepEqual(s.functions.map((f) => [f.name, f.samples]), [['handler', 7]]);
});

test('app code is any script but Node’s own and dependencies', () => {
  assert.equal(isAppCode('file:///srv/app/server.js'), true);
  assert.equal(isAppCode('/srv/app/server.js'), true);
  assert.equal(isAppCode('node:internal/timers'), false);
  assert.equal(isAppCode('file:///srv/app/node_modules/express/lib/router.js'), false);
  assert.equal(isAppCode(''), false);
});

const snapshot = (elu: number, maxSeconds: number) => {
  const b = new MetricBatch(0, 1);
  b.gauge('nodejs.eventloop.utilization', '1', '', elu);
  b.gauge('nodejs.eventloop.delay.max', 's', '', maxSeconds);
  return [...b.metrics.values()];
};

test('a profile is wanted when the loop was busy or stalled past the lines', () => {
  const lines = { elu: 0.7, stallMillis: 100 };
  assert.equal(busyOrStalled(snapshot(0.5, 0.05), lines), false);
  assert.equal(busyOrStalled(snapshot(0.7, 0.05), lines), true);
  assert.equal(busyOrStalled(snapshot(0.2, 0.1), lines), true);
  assert.equal(busyOrStalled([], lines), false, 'a snapshot without the loop gauges');
});

test('where no inspector session can reach the main thread, the profiler gives up quietly', async () => {
  // this test runs on the main thread, where Session.connectToMainThread is not available
  const states: boolean[] = [];
  const p = new BusyProfiler({ enabled: true, elu: 0.7, stallMillis: 100, durationMillis: 50, cooldownMillis: 0, afterMillis: 10_000 }, (running) => states.push(running), 0);
  p.observe(snapshot(0.9, 0), 5000);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(p.available, true, 'in the first 10 s it does not even try');
  p.observe(snapshot(0.9, 0), 10_000);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(p.available, false);
  assert.equal(p.running, false);
  assert.deepEqual(states, []);
  assert.deepEqual(p.metrics(), []);
});

test('during a profile the loop’s utilisation is bounded by its thread’s time on and waiting for a CPU', () => {
  const inflated = snapshot(0.58, 0);
  assert.equal(correctUtilization(inflated, 0.13), 0.13);
  assert.equal((inflated[0] as { points: { value: number }[] }).points[0].value, 0.13);
  const truthful = snapshot(0.1, 0);
  assert.equal(correctUtilization(truthful, 0.13), undefined, 'a lower figure stands');
  assert.equal((truthful[0] as { points: { value: number }[] }).points[0].value, 0.1);
  assert.equal(correctUtilization(snapshot(0.9, 0), NaN), undefined, 'no schedstat, no change');
  assert.equal(parseSchedstat('1500000000 250000000 4200\n'), 1_750_000_000);
  assert.equal(parseSchedstat('garbage'), undefined);
});

// outside UI audit: a profile started by a passing stall found the loop 5.6% busy; a 200 ms block that began 3 s later
// waited out the 60 s cooldown, and its finding named the code a minute late
test('after a profile that found its loop idle, the next may start after three profiles\' time, once in a row', () => {
  assert.equal(quietRetryAfter(0.056, 3000, false), 9000, 'a quiet profile: soon again');
  assert.equal(quietRetryAfter(0.056, 3000, true), undefined, 'a second quiet one in a row: the cooldown');
  assert.equal(quietRetryAfter(0.6, 3000, false), undefined, 'a busy profile caught what it was for: the cooldown');
  assert.equal(quietRetryAfter(0, 1500, false), 4500, 'no samples at all');
});

test('a profile with too many stacks makes the next ones shorter (V8 builds it on the app’s thread at the stop)', () => {
  assert.equal(nextDuration(3000, 3000, 200), 3000, 'a typical profile: unchanged');
  assert.equal(nextDuration(3000, 3000, MAX_PROFILE_NODES * 2), 1500);
  assert.equal(nextDuration(3000, 1500, MAX_PROFILE_NODES * 1.5), 1000, 'from the last length, so it keeps shrinking while needed');
  assert.equal(nextDuration(3000, 3000, MAX_PROFILE_NODES * 100), MIN_PROFILE_MS);
  assert.equal(nextDuration(3000, 1000, MAX_PROFILE_NODES / 2), 3000, 'back to the configured length once small');
});
