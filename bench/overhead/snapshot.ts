// How long the export snapshot holds the app's event loop (issue: "never blocks the event loop for more than
// a millisecond at export"): the real agent's snapshot (histograms packed into a buffer shared with the export
// thread, apps/agent/src/export/snapshot.ts, copied in slices of SLICE_DOUBLES with the loop free in between)
// and its postMessage, for 60 series (20 routes × 3 status codes, the export-size node) and 600 (the default
// route cap, 200 routes × 3 status codes). Per snapshot: its longest hold of the loop (the first slice includes
// collecting the gauges), the number of slices, and the sum of the holds. Also the whole snapshot in one go (what
// flush() and shutdown() take). Baseline, in the same run and process on the same histograms: what the agent did
// before the packing, each series a point object with its bucket array (toData()), the list structured-cloned
// through a MessagePort. Every series gets requests between two snapshots (so no series could be skipped), and
// snapshots are 20 ms apart (one a second in the agent: caches are as cold as they get between two).
//   node --import tsx bench/overhead/snapshot.ts
import { MessageChannel } from 'node:worker_threads';
import { Metrics } from '@perf/metrics';
import { MetricBatch } from '../../apps/agent/src/recording/MetricBatch.js';
import { machine, median, table } from '../lib/report.js';
import { prng } from '../lib/interleave.js';

process.env.OTEL_EXPORTER_OTLP_ENDPOINT = 'http://127.0.0.1:9'; // nowhere: only the app thread's side is measured
process.env.OTEL_METRIC_EXPORT_INTERVAL = '3600000';
process.env.PERF_MAX_ROUTES = '1000';
const api = await import('../../apps/agent/src/api.js');
const ROUNDS = Number(process.env.SNAPSHOT_ROUNDS ?? 60);

type AgentInternals = {
  snapshot(): unknown;
  beginExport(): void;
  packSlice: () => void;
  packing: unknown;
  exportWorker: { export(s: unknown): void };
};
const rows: (string | number)[][] = [];
console.log(`# Export snapshot on the app's thread — ${machine()}`);
for (const routes of [20, 200]) {
  const agent = api.start()!;
  const internals = agent as unknown as AgentInternals;
  const r = prng(routes);
  // log-normal latencies, median 1–400 ms, σ 0.8: a few hundred buckets per series at scale 6
  const latency = (i: number) => Math.exp(Math.log(0.001 * 400 ** (i / Math.max(1, routes - 1))) + 0.8 * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r()));
  const series = Array.from({ length: routes }, (_, i) => agent.routes.byTemplate(`/api/r${i}/:id`));
  const traffic = (perSeries: number) => {
    for (let i = 0; i < routes; i++) for (const status of [200, 404, 500]) for (let k = 0; k < perSeries; k++) series[i].record(0, status, latency(i));
  };
  traffic(3000);
  // every hold of the loop by a sliced snapshot: beginExport (collect + first slice), then each later slice
  let holds: number[] = [];
  const packSlice = internals.packSlice;
  internals.packSlice = () => {
    const t0 = performance.now();
    packSlice();
    holds.push(performance.now() - t0);
  };
  const { port1, port2 } = new MessageChannel();
  port2.on('message', () => {});
  const longest: number[] = [];
  const slices: number[] = [];
  const busy: number[] = [];
  const whole: number[] = [];
  const cloned: number[] = [];
  let buckets = 0;
  for (let round = 0; round < ROUNDS; round++) {
    traffic(5);
    holds = [];
    let t0 = performance.now();
    internals.beginExport();
    holds[0] = performance.now() - t0; // includes the first slice, which the wrapper also timed
    holds.length = 1;
    while (internals.packing !== undefined) await new Promise((res) => setImmediate(res));
    longest.push(Math.max(...holds));
    slices.push(holds.length);
    busy.push(holds.reduce((a, b) => a + b, 0));
    await new Promise((res) => setTimeout(res, 20));
    traffic(5);
    t0 = performance.now();
    internals.exportWorker.export(internals.snapshot());
    whole.push(performance.now() - t0);
    await new Promise((res) => setTimeout(res, 20));
    traffic(5);
    t0 = performance.now();
    const batch = new MetricBatch(0, 1, 'otlp');
    for (const c of agent.collectors) if (!c.offThread) c.collect(batch);
    const metrics = [...batch.metrics.values()];
    port1.postMessage(metrics);
    cloned.push(performance.now() - t0);
    if (round === 0) {
      const m = metrics.find((x) => x.name === Metrics.httpServerRequestDuration);
      buckets = m && m.type === 'exponentialHistogram' ? m.points.reduce((n, p) => n + p.positive.bucketCounts.length, 0) / m.points.length : 0;
    }
    await new Promise((res) => setTimeout(res, 20));
  }
  port1.close();
  await api.shutdown();
  const l = median(longest.slice(5));
  const c = median(cloned.slice(5));
  rows.push([
    `${routes * 3} series (≈ ${Math.round(buckets)} buckets each)`,
    c,
    median(whole.slice(5)),
    l,
    Math.max(...longest.slice(5)),
    median(slices.slice(5)),
    median(busy.slice(5)),
    `${(l / c).toFixed(2)}×`,
  ]);
}
table(
  [
    'node',
    'points + structured clone (before), ms median',
    'packed in one go (flush, shutdown), ms median',
    'sliced (agent): longest hold per snapshot, ms median',
    'longest hold, max over rounds',
    'slices per snapshot',
    'sum of the holds, ms median',
    'longest hold ÷ before',
  ],
  rows,
);
