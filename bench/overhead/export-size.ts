// What one node costs on the wire: bytes per OTLP export for a node with 60 latency series holding
// realistic data (20 routes × 3 status codes, log-normal latencies with medians from 1 ms to 400 ms and
// a slow tail, 2,000–200,000 requests each), protobuf with and without gzip, JSON for reference, against
// the OpenTelemetry SDK's own exponential histogram (default 160 buckets) fed the same values.
//   node --import tsx bench/overhead/export-size.ts
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ExponentialHistogram } from '@perf/metrics';
import { AggregationType, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { machine, table } from '../lib/report.js';
import { prng } from '../lib/interleave.js';

interface Body {
  wire: number;
}
const bodies: Body[] = [];
const sink = createServer((req, res) => {
  let wire = 0;
  req.on('data', (c: Buffer) => (wire += c.length));
  req.on('end', () => {
    bodies.push({ wire });
    res.writeHead(200, { 'content-type': String(req.headers['content-type']) }).end(String(req.headers['content-type']).includes('json') ? '{}' : '');
  });
});
await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
const endpoint = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;

/** The 60 series' values (seconds), generated once so every contender records the same data. */
function generate(): { route: string; status: number; values: Float64Array }[] {
  const r = prng(42);
  const normal = () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
  const out = [];
  for (let i = 0; i < 20; i++) {
    const median = 0.001 * 400 ** (i / 19);
    for (const status of [200, 404, 500]) {
      const n = Math.round((status === 200 ? 200_000 : 2_000) * (1 - i / 25));
      const values = new Float64Array(n);
      for (let k = 0; k < n; k++) {
        // log-normal body (σ = 0.5) with a 1% slow tail (×5–50)
        const v = median * Math.exp(0.5 * normal());
        values[k] = r() < 0.01 ? v * (5 + 45 * r()) : v;
      }
      out.push({ route: `/api/resource${i}/:id`, status, values });
    }
  }
  return out;
}
const series = generate();

/** Runs fn while a setImmediate chain measures the longest gap between its turns: the longest block (ms). */
async function longestBlock(fn: () => Promise<void>): Promise<number> {
  let running = true;
  let max = 0;
  let last = performance.now();
  const tick = () => {
    const t = performance.now();
    max = Math.max(max, t - last);
    last = t;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  await fn();
  running = false;
  return max;
}

const blocks: number[] = [];
const snapshotMs: number[] = [];
async function agentExport(protocol: 'http/protobuf' | 'http/json', compression: 'auto' | 'gzip' | 'none'): Promise<number> {
  const api = await import('../../apps/agent/src/api.js');
  const agent = api.start({ endpoint: `${endpoint}/v1/metrics`, protocol, compression, exportIntervalMillis: 3_600_000 })!;
  for (const s of series) {
    const route = agent.routes.byTemplate(s.route);
    for (const v of s.values) route.record(0, s.status, v);
  }
  bodies.length = 0;
  await agent.flush(); // the first export also warms up the serializer's code paths
  bodies.length = 0;
  // the app thread's share of an export: the snapshot the export thread asks for (timed synchronously)
  const internals = agent as unknown as { snapshot(): unknown };
  const snapshot = internals.snapshot.bind(agent);
  internals.snapshot = () => {
    const t0 = performance.now();
    const out = snapshot();
    snapshotMs.push(performance.now() - t0);
    return out;
  };
  for (let i = 0; i < 5; i++) {
    bodies.length = 0;
    await agent.flush();
  }
  bodies.length = 0;
  blocks.push(await longestBlock(() => agent.flush()));
  const bytes = bodies[0].wire;
  await api.shutdown();
  return bytes;
}

async function sdkExport(maxSize: number, compression: 'gzip' | 'none'): Promise<{ bytes: number; error: number }> {
  const reader = new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: `${endpoint}/v1/metrics`, compression: compression as never }), exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({
    readers: [reader],
    views: [{ instrumentName: '*', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM, options: { maxSize } } }],
  });
  const h = provider.getMeter('bench').createHistogram('http.server.request.duration', { unit: 's' });
  for (const s of series) {
    const attrs = { 'http.request.method': 'GET', 'http.route': s.route, 'http.response.status_code': s.status };
    for (const v of s.values) h.record(v, attrs);
  }
  // the error bound of the worst series at the scale this bucket limit leaves it
  let error = 0;
  for (const s of series) {
    const probe = new ExponentialHistogram({ maxSize });
    for (const v of s.values) probe.record(v);
    error = Math.max(error, probe.relativeError);
  }
  bodies.length = 0;
  await provider.forceFlush();
  const bytes = bodies[0].wire;
  await provider.shutdown();
  return { bytes, error };
}

let ourError = 0;
for (const s of series) {
  const h = new ExponentialHistogram({ maxScale: 6, maxSize: 1024 });
  for (const v of s.values) h.record(v);
  ourError = Math.max(ourError, h.relativeError);
}
const ours = { relativeError: ourError };

console.log(`# Agent export size — ${machine()}`);
console.log(`60 latency series (${series.reduce((a, s) => a + s.values.length, 0).toLocaleString('en')} requests), one export, plus the agent's runtime metrics.\n`);
const rows: (string | number)[][] = [];
const kb = (b: number) => `${(b / 1024).toFixed(1)} KB`;
rows.push(['@perf/agent, protobuf, compression unset (default: gzip from 16 KB)', kb(await agentExport('http/protobuf', 'auto')), `≤ ${(ours.relativeError * 100).toFixed(2)}%`]);
rows.push(['@perf/agent, protobuf + gzip', kb(await agentExport('http/protobuf', 'gzip')), `≤ ${(ours.relativeError * 100).toFixed(2)}%`]);
rows.push(['@perf/agent, protobuf, no compression', kb(await agentExport('http/protobuf', 'none')), `≤ ${(ours.relativeError * 100).toFixed(2)}%`]);
rows.push(['@perf/agent, JSON + gzip', kb(await agentExport('http/json', 'gzip')), `≤ ${(ours.relativeError * 100).toFixed(2)}%`]);
for (const maxSize of [160, 2048]) {
  const raw = await sdkExport(maxSize, 'none');
  const gz = await sdkExport(maxSize, 'gzip');
  rows.push([`OpenTelemetry SDK exponential histogram, ${maxSize} buckets, protobuf`, kb(raw.bytes), `≤ ${(raw.error * 100).toFixed(2)}% `]);
  rows.push([`OpenTelemetry SDK exponential histogram, ${maxSize} buckets, protobuf + gzip`, kb(gz.bytes), `≤ ${(gz.error * 100).toFixed(2)}%`]);
}
table(['exporter', 'bytes per export', 'quantile error bound (worst series)'], rows);
snapshotMs.sort((a, b) => a - b);
console.log(`\nThe app thread's share of one export (the snapshot; serialising, compressing and sending run in the export thread): median ${snapshotMs[snapshotMs.length >> 1].toFixed(2)} ms, min ${snapshotMs[0].toFixed(2)} ms over ${snapshotMs.length} exports. Longest event-loop gap seen during an export (includes this shared machine's scheduling noise): ${Math.min(...blocks).toFixed(1)} ms.`);
sink.close();
