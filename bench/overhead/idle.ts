// The agent's per-second cost, on its own: CPU time of an idle server (no requests) with and without the
// agent, after a 20 s warm-up, over 10 s. What remains when nothing is served: the event-loop sampler's
// wakeups, the once-a-second export (in the export thread) and the runtime probes.
//   node --import tsx bench/overhead/idle.ts
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { machine, table } from '../lib/report.js';

const here = dirname(fileURLToPath(import.meta.url));
const sink = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
});
await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
const endpoint = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;
const WARMUP = Number(process.env.IDLE_WARMUP_SECONDS ?? 20) * 1000;
const MEASURE = 10_000;

const configs: [string, string[], Record<string, string>][] = [
  ['bare', [], {}],
  ['@perf/agent (defaults: sampler 20 ms, export every 1 s)', ['--import', join(here, '../../apps/agent/dist/index.js')], {}],
  ['@perf/agent, sampler 10 ms', ['--import', join(here, '../../apps/agent/dist/index.js')], { PERF_EVENTLOOP_RESOLUTION: '10' }],
];
// IDLE_DIAGNOSE=1: split the cost (sampler nearly off; export nearly off)
if (process.env.IDLE_DIAGNOSE === '1')
  configs.push(
    ['@perf/agent, sampler 1000 ms (diagnostic)', ['--import', join(here, '../../apps/agent/dist/index.js')], { PERF_EVENTLOOP_RESOLUTION: '1000' }],
    ['@perf/agent, export every 60 s (diagnostic)', ['--import', join(here, '../../apps/agent/dist/index.js')], { OTEL_METRIC_EXPORT_INTERVAL: '60000' }],
    ['@perf/agent, no compression (diagnostic)', ['--import', join(here, '../../apps/agent/dist/index.js')], { OTEL_EXPORTER_OTLP_COMPRESSION: 'none' }],
    ['@perf/agent, sampler 1000 ms, export every 60 s (diagnostic)', ['--import', join(here, '../../apps/agent/dist/index.js')], { PERF_EVENTLOOP_RESOLUTION: '1000', OTEL_METRIC_EXPORT_INTERVAL: '60000' }],
  );
// all servers run at once (same conditions), measured over the same 10 s
const servers = await Promise.all(
  configs.map(async ([name, args, env]) => {
    const child = spawn(process.execPath, [...args, join(here, 'server.mjs')], { env: { ...process.env, ...env, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint }, stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise<string>((r) => createInterface({ input: child.stdout! }).once('line', r));
    return { name, child, port: JSON.parse(line).port as number };
  }),
);
const cpu = async (port: number) => ((await (await fetch(`http://127.0.0.1:${port}/__stats`)).json()) as { cpuMicros: number }).cpuMicros;
await new Promise((r) => setTimeout(r, WARMUP));
const before = await Promise.all(servers.map((s) => cpu(s.port)));
await new Promise((r) => setTimeout(r, MEASURE));
const after = await Promise.all(servers.map((s) => cpu(s.port)));
console.log(`# Agent idle cost — ${machine()}\n`);
table(
  ['server (idle)', 'CPU ms per second', '% of one core'],
  servers.map((s, i) => {
    const ms = (after[i] - before[i]) / MEASURE;
    return [s.name, ms, `${(ms / 10).toFixed(2)}%`];
  }),
);
for (const s of servers) s.child.kill('SIGKILL');
sink.close();
