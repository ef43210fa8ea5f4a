// How long the export snapshot holds the app's event loop (issue: "never blocks the event loop for more than
// a millisecond at export"): the real agent's snapshot (histograms packed into a buffer shared with the export
// thread, apps/agent/src/export/snapshot.ts) and its postMessage, for 60 series (20 routes × 3 status codes,
// the export-size node) and 600 (the default route cap, 200 routes × 3 status codes). Baseline, in the same
// run and process on the same histograms: what the agent did before, each series a point object with its
// bucket array (toData()), the list structured-cloned through a MessagePort.
// Snapshots are taken 20 ms apart (one a second in the agent: caches are as cold as they get between two).
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

type AgentInternals = { snapshot(): unknown; exportWorker: { export(s: unknown): void } };
const rows: (string | number)[][] = [];
console.log(`# Export snapshot on the app's thread — ${machine()}`);
for (const routes of [20, 200]) {
  const agent = api.start()!;
  const internals = agent as unknown as AgentInternals;
  const r = prng(routes);
  for (let i = 0; i < routes; i++) {
    const route = agent.routes.byTemplate(`/api/r${i}/:id`);
    // log-normal latencies, median 1–400 ms, σ 0.8: a few hundred buckets per series at scale 6
    const mu = Math.log(0.001 * 400 ** (i / Math.max(1, routes - 1)));
    for (const status of [200, 404, 500]) {
      for (let k = 0; k < 3000; k++) route.record(0, status, Math.exp(mu + 0.8 * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r())));
    }
  }
  const { port1, port2 } = new MessageChannel();
  port2.on('message', () => {});
  const packed: number[] = [];
  const cloned: number[] = [];
  let buckets = 0;
  for (let round = 0; round < ROUNDS; round++) {
    let t0 = performance.now();
    internals.exportWorker.export(internals.snapshot());
    packed.push(performance.now() - t0);
    await new Promise((res) => setTimeout(res, 20));
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
  const p = median(packed.slice(5));
  const c = median(cloned.slice(5));
  rows.push([`${routes * 3} series (≈ ${Math.round(buckets)} buckets each)`, c, p, Math.max(...packed.slice(5)), `${(p / c).toFixed(2)}×`]);
}
table(['node', 'points + structured clone (before), ms median', 'packed, shared buffer (agent), ms median', 'packed, ms max', 'packed ÷ before'], rows);
