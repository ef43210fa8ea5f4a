// The simulator's CPU profiles: a node whose loop an anomaly makes busy exports one in the agent's wire
// format on the first export of the busy spell and every 30 s after; a healthy node none; the same seed
// gives the same profiles.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Attrs, Metrics, type ExportMetricsRequest, type NumberDataPoint } from '@perf/metrics';
import { FleetSimulator, type SimulatorOptions } from '../../simulator/fleet.js';
import { PROFILE_MILLIS } from '../../simulator/profile.js';

function profileOf(req: ExportMetricsRequest | undefined): { points: NumberDataPoint[]; samples: NumberDataPoint } | null {
  const metrics = req?.resourceMetrics[0].scopeMetrics[0].metrics ?? [];
  const self = metrics.find((m) => m.name === Metrics.cpuProfileSelfTime);
  const samples = metrics.find((m) => m.name === Metrics.cpuProfileSamples);
  if (self === undefined && samples === undefined) return null;
  assert.ok(self?.type === 'gauge' && samples?.type === 'gauge', 'both profile metrics, as gauges');
  assert.equal(self.unit, '1');
  assert.equal(samples.points.length, 1);
  return { points: self.points, samples: samples.points[0] };
}

const options: SimulatorOptions = {
  nodes: 6,
  rpsPerNode: 100,
  routes: 3,
  samplesPerNode: 20,
  seed: 7,
  anomalies: [
    { target: 'node', index: 1, kind: 'eventloop', value: 20 },
    { target: 'node', index: 2, kind: 'rps', value: 3 },
    { target: 'node', index: 3, kind: 'gc', value: 0.5 },
    // busy neither way: no profile
    { target: 'node', index: 4, kind: 'latency', value: 5 },
    { target: 'node', index: 5, kind: 'gc', value: 0.2 },
  ],
};

test('a busy node exports a profile at once and every 30 s; healthy ones none', () => {
  const sim = new FleetSimulator(options);
  const t0 = 1_700_000_000_000;
  const at: number[][] = sim.nodes.map(() => []);
  for (let s = 0; s < 65; s++) for (let i = 0; i < sim.nodes.length; i++) if (profileOf(sim.generateNode(i, t0 + s * 1000))) at[i].push(s);
  assert.deepEqual(at, [[], [0, 30, 60], [0, 30, 60], [0, 30, 60], [], []]);
});

test('the wire format: one point per function, shares of whole samples summing to 1, the window on every point', () => {
  const sim = new FleetSimulator(options);
  const end = 1_700_000_000_000;
  const p = profileOf(sim.generateNode(1, end));
  assert.ok(p);
  const { points, samples } = p;
  assert.equal(samples.isInt, true);
  // one sample every 2 ms, as the agent takes them
  assert.ok(samples.value > (0.9 * PROFILE_MILLIS) / 2 && samples.value <= PROFILE_MILLIS / 2, `samples ${samples.value}`);
  for (const pt of [...points, samples]) {
    assert.equal(pt.startTimeUnixNano, (end - PROFILE_MILLIS) * 1e6);
    assert.equal(pt.timeUnixNano, end * 1e6);
  }
  const sum = points.reduce((a, pt) => a + pt.value, 0);
  assert.ok(Math.abs(sum - 1) < 1e-9, `shares sum to ${sum}`);
  for (const pt of points) {
    const count = pt.value * samples.value;
    assert.ok(Math.abs(count - Math.round(count)) < 1e-6, 'a share is whole samples over the total');
    assert.equal(typeof pt.attributes[Attrs.codeFunctionName], 'string');
    assert.equal(typeof pt.attributes[Attrs.codeFilePath], 'string');
    assert.ok(Number.isInteger(pt.attributes[Attrs.codeLineNumber]));
    assert.ok(Number.isInteger(pt.attributes[Attrs.codeColumnNumber]));
  }
  // worst first, the blocking function on top with its caller in the app's code
  for (let i = 1; i < points.length; i++) assert.ok(points[i - 1].value >= points[i].value);
  const top = points[0].attributes;
  assert.equal(top[Attrs.codeFunctionName], 'renderInvoice');
  assert.equal(top[Attrs.codeFilePath], '/srv/app/src/billing/invoice.js');
  assert.equal(top[Attrs.codeLineNumber], 88);
  assert.equal(top[Attrs.callerFunctionName], 'handleInvoice');
  assert.ok(points[0].value > 0.45 && points[0].value < 0.75, `top share ${points[0].value}`);
  const names = points.map((pt) => pt.attributes[Attrs.codeFunctionName]);
  for (const n of ['(idle)', '(other)', '(program)', '(garbage collector)']) {
    assert.ok(names.includes(n), `${n} in ${names.join(', ')}`);
    assert.equal(points.find((pt) => pt.attributes[Attrs.codeFunctionName] === n)!.attributes[Attrs.codeFilePath], '');
  }
  // a package function is named with the app's caller
  const pkg = points.find((pt) => String(pt.attributes[Attrs.codeFilePath]).includes('/node_modules/'));
  assert.ok(pkg && typeof pkg.attributes[Attrs.callerFunctionName] === 'string');
  // the GC anomaly's share of wall time is the collector's share of the profile
  const gc = profileOf(new FleetSimulator(options).generateNode(3, end))!;
  const collector = gc.points.find((pt) => pt.attributes[Attrs.codeFunctionName] === '(garbage collector)')!;
  assert.ok(Math.abs(collector.value - 0.5) < 0.01, `collector share ${collector.value}`);
});

test('deterministic per seed, and the latency draws are the same with or without profiles', () => {
  const run = (o: SimulatorOptions, quiet = false) => {
    const sim = new FleetSimulator(o);
    // a profile taken "in the future" holds the next ones back: the same fleet, exporting no profile
    if (quiet) for (const n of sim.nodes) n.profiled = { cause: 'blocking', atMs: Number.MAX_SAFE_INTEGER };
    const out: unknown[] = [];
    // (cumulative series start at the simulator's creation time: compare the profiles themselves)
    for (let s = 0; s < 3; s++) for (let i = 0; i < sim.nodes.length; i++) out.push(profileOf(sim.generateNode(i, 1_700_000_000_000 + s * 1000)));
    return { out, exact: sim.expected(3, 1_700_000_002) };
  };
  const first = run(options).out;
  assert.equal(first.filter((p) => p !== null).length, 3);
  assert.deepEqual(run(options).out, first);
  assert.notDeepEqual(run({ ...options, seed: 8 }).out, first);
  // the profiles have their own random stream: a blocked node's requests are drawn as if it exported none
  const blocked = { ...options, anomalies: [{ target: 'node', index: 1, kind: 'eventloop', value: 20 }] satisfies SimulatorOptions['anomalies'] };
  const quiet = run(blocked, true);
  assert.equal(quiet.out.filter((p) => p !== null).length, 0);
  assert.deepEqual(run(blocked).exact, quiet.exact);
});

test('an anomaly switched on at runtime profiles at its first export; healed, the node stops', () => {
  const sim = new FleetSimulator({ ...options, anomalies: [] });
  const t0 = 1_700_000_000_000;
  const profiled = (s: number) => profileOf(sim.generateNode(0, t0 + s * 1000)) !== null;
  assert.equal(profiled(0), false);
  sim.applyAnomaly({ target: 'node', index: 0, kind: 'rps', value: 3 });
  assert.equal(profiled(1), true);
  assert.equal(profiled(2), false);
  // a new cause is profiled at once
  sim.applyAnomaly({ target: 'node', index: 0, kind: 'eventloop', value: 20 });
  const p = profileOf(sim.generateNode(0, t0 + 3000));
  assert.equal(p?.points[0].attributes[Attrs.codeFunctionName], 'renderInvoice');
  sim.applyAnomaly({ target: 'node', index: 0, kind: 'eventloop', value: 1 });
  sim.applyAnomaly({ target: 'node', index: 0, kind: 'rps', value: 1 });
  assert.equal(profiled(4), false);
  assert.equal(profiled(40), false);
  // busy again after healing: at once, not 30 s after the last profile
  sim.applyAnomaly({ target: 'node', index: 0, kind: 'rps', value: 3 });
  assert.equal(profiled(41), true);
});
