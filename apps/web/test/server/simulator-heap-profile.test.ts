// The simulator's heap profiles: a node with a leak anomaly (`node:I:leak=MB`) grows its heap that much a second
// and, like the agent, after 10 s of growth profiles it for 10 s, sends that profile for 30 s, and again 5 minutes
// later; other nodes none. The profile's bytes are what the window's growth kept.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Attrs, Metrics, type ExportMetricsRequest, type NumberDataPoint } from '@perf/metrics';
import { parseAnomaly } from '../../simulator/anomaly.js';
import { FleetSimulator, type SimulatorOptions } from '../../simulator/fleet.js';
import { HEAP_PROFILE_MILLIS } from '../../simulator/profile.js';

function metricsOf(req: ExportMetricsRequest | undefined) {
  return req?.resourceMetrics[0].scopeMetrics[0].metrics ?? [];
}

function heapProfileOf(req: ExportMetricsRequest | undefined): { sites: NumberDataPoint[]; samples: NumberDataPoint } | null {
  const metrics = metricsOf(req);
  const sites = metrics.find((m) => m.name === Metrics.heapProfileLiveSize);
  const samples = metrics.find((m) => m.name === Metrics.heapProfileSamples);
  if (sites === undefined && samples === undefined) return null;
  assert.ok(sites?.type === 'gauge' && samples?.type === 'gauge', 'both heap profile metrics, as gauges');
  assert.equal(sites.unit, 'By');
  return { sites: sites.points, samples: samples.points[0] };
}

function heapUsed(req: ExportMetricsRequest | undefined): number {
  const m = metricsOf(req).find((x) => x.name === Metrics.heapUsed);
  return m?.type === 'gauge' ? m.points[0].value : NaN;
}

const options: SimulatorOptions = { nodes: 3, rpsPerNode: 50, routes: 2, samplesPerNode: 10, seed: 3, anomalies: [parseAnomaly('node:1:leak=10')] };

test('a leaking node grows its heap and sends a heap profile after 10 s of growth plus 10 s of profile, for 30 s, then every 5 minutes', () => {
  const sim = new FleetSimulator(options);
  const t0 = 1_700_000_000_000;
  const at: number[][] = sim.nodes.map(() => []);
  const windows = new Set<string>();
  const heap: number[] = [];
  for (let s = 0; s < 400; s++) {
    for (let i = 0; i < sim.nodes.length; i++) {
      const req = sim.generateNode(i, t0 + s * 1000);
      const p = heapProfileOf(req);
      if (p) {
        at[i].push(s);
        windows.add(`${p.sites[0].startTimeUnixNano}-${p.sites[0].timeUnixNano}`);
      }
      if (i === 1) heap.push(heapUsed(req));
    }
  }
  const seconds = (from: number, n: number) => Array.from({ length: n }, (_, k) => from + k);
  assert.deepEqual(at, [[], [...seconds(19, 30), ...seconds(319, 30)], []]);
  assert.equal(windows.size, 2, 'one window per profile, repeated unchanged');
  // 10 MB a second, give or take the usual wobble
  const growth = (heap[399] - heap[0]) / 399;
  assert.ok(Math.abs(growth - 10e6) < 0.2e6, `heap grew ${growth} B/s`);
});

test('the wire format: one point per allocation site, the window on every point, bytes ≈ what 10 s of the leak kept', () => {
  const sim = new FleetSimulator(options);
  const t0 = 1_700_000_000_000;
  let first: ReturnType<typeof heapProfileOf> = null;
  let end = 0;
  for (let s = 0; s < 25 && first === null; s++) {
    end = t0 + s * 1000;
    first = heapProfileOf(sim.generateNode(1, end));
  }
  assert.ok(first);
  const { sites, samples } = first;
  for (const p of [...sites, samples]) {
    assert.equal(p.startTimeUnixNano, (end - HEAP_PROFILE_MILLIS) * 1e6);
    assert.equal(p.timeUnixNano, end * 1e6);
  }
  const total = sites.reduce((s, p) => s + p.value, 0);
  assert.ok(total > 0.85 * 100e6 && total <= 100e6, `${total} bytes held`);
  for (let i = 1; i < sites.length; i++) assert.ok(sites[i - 1].value >= sites[i].value, 'largest first');
  const top = sites[0].attributes;
  assert.deepEqual([top[Attrs.codeFunctionName], top[Attrs.codeFilePath], top[Attrs.codeLineNumber]], ['cacheResult', '/srv/app/src/cache/results.js', 12]);
  assert.ok(sites[0].value / total > 0.7);
  const pkg = sites.find((p) => String(p.attributes[Attrs.codeFilePath]).includes('/node_modules/'));
  assert.equal(pkg?.attributes[Attrs.callerFunctionName], 'cacheResult');
  assert.ok(Math.abs(samples.value - total / (128 * 1024)) < 2, `${samples.value} samples`);
});

test('bad leak anomalies are refused with the list of what is understood', () => {
  assert.deepEqual(parseAnomaly('node:4:leak=2.5'), { target: 'node', index: 4, kind: 'leak', value: 2.5 });
  assert.throws(() => parseAnomaly('route:1:leak=3'), /not understood.*node:4:leak=10/);
  assert.throws(() => parseAnomaly('node:1:leak=-3'), /not understood/);
});

test('a node whose GC takes ≥ 10% of the time sends an allocation profile at once, for 30 s, and again each minute', () => {
  const sim = new FleetSimulator({ ...options, anomalies: [parseAnomaly('node:0:gc=0.3'), parseAnomaly('node:2:gc=0.05')] });
  const t0 = 1_700_000_000_000;
  const at: number[][] = sim.nodes.map(() => []);
  let first: NumberDataPoint[] | undefined;
  for (let s = 0; s < 100; s++) {
    for (let i = 0; i < sim.nodes.length; i++) {
      const sizes = metricsOf(sim.generateNode(i, t0 + s * 1000)).find((m) => m.name === Metrics.allocationProfileSize);
      if (sizes?.type !== 'gauge') continue;
      at[i].push(s);
      first ??= sizes.points;
    }
  }
  const seconds = (from: number, n: number) => Array.from({ length: n }, (_, k) => from + k);
  assert.deepEqual(at, [[...seconds(0, 30), ...seconds(60, 30)], [], []]);
  assert.ok(first);
  const total = first.reduce((s, p) => s + p.value, 0);
  // ≈ 100 MB a second per 10% of GC, over 3 s
  assert.ok(total > 0.8 * 900e6 && total < 1.2 * 900e6, `${total} bytes allocated`);
  assert.equal(first[0].attributes[Attrs.codeFunctionName], 'buildUserView');
  assert.equal((first[0].timeUnixNano - first[0].startTimeUnixNano) / 1e6, 3000);
});
