// Scale: one dashboard process (its own process, in-memory store) receiving a simulated fleet at a 1 s
// interval. Reports the dashboard's CPU (share of one core), API latency while it ingests, refused
// exports and its own event-loop delay. Baseline in the same run: the simulator's CPU for the same fleet.
//   pnpm bench:scale [--nodes 1000] [--routes 20] [--seconds 60] [--warmup 15]
import { parseArgs } from 'node:util';
import { runSimulation } from '../../apps/web/simulator/run.js';
import type { Status } from '../../apps/web/server/api/types.js';
import { machine, table } from '../lib/report.js';
import { cpuSeconds, percentile, startDashboard } from './lib.js';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    nodes: { type: 'string', default: '1000' },
    routes: { type: 'string', default: '20' },
    seconds: { type: 'string', default: '60' },
    warmup: { type: 'string', default: '15' },
  },
});
const nodes = Number(values.nodes);
const seconds = Number(values.seconds);
const warmup = Number(values.warmup);
console.log(`# scale: ${machine()}`);
const dash = await startDashboard();
const run = runSimulation(
  // 5% errors: every route has a 200 and a 500 series (40 histograms) + 2 runtime histograms + 10 gauges ≈ 50 series a node
  { nodes, rpsPerNode: 1000, routes: Number(values.routes), samplesPerNode: 50, errorRate: 0.05, keepSeconds: 0 },
  { target: dash.otlpUrl, concurrency: 128 },
  { duration: seconds + warmup },
);
await new Promise((r) => setTimeout(r, warmup * 1000));
const cpu0 = cpuSeconds(dash.child.pid!);
const sim0 = process.cpuUsage();
const t0 = Date.now();
const endpoints = ['/api/v1/fleet?window=60s', '/api/v1/nodes?window=60s', '/api/v1/routes?window=60s', '/api/v1/series?metric=latency.p99&by=route&window=15m', '/api/v1/series?metric=rps&by=node&window=5m&limit=50', '/api/v1/heatmap?window=15m', '/api/v1/status'];
const times = new Map<string, number[]>(endpoints.map((e) => [e, []]));
const poll = setInterval(async () => {
  for (const e of endpoints) {
    const a = performance.now();
    const res = await fetch(dash.url + e);
    await res.arrayBuffer();
    times.get(e)!.push(performance.now() - a);
  }
}, 3000);
await run.done;
clearInterval(poll);
const wall = (Date.now() - t0) / 1000;
const dashCpu = (cpuSeconds(dash.child.pid!) - cpu0) / wall;
const simUsage = process.cpuUsage(sim0);
const simCpu = (simUsage.user + simUsage.system) / 1e6 / wall;
const status = (await (await fetch(`${dash.url}/api/v1/status`)).json()) as Status;
run.sender.close();
await dash.stop();
table(['measure', 'value'], [
  ['fleet', `${nodes} nodes × ${run.sim.seriesPerNode()} series, 1 export/s each (${(nodes * 1000).toLocaleString('en')} req/s simulated)`],
  ['ingest (status)', `${status.ingest.requestsPerSecond.toFixed(0)} exports/s, ${status.ingest.pointsPerSecond.toFixed(0)} points/s`],
  ['dashboard CPU (share of one core)', dashCpu.toFixed(2)],
  ['simulator CPU (baseline, same fleet)', simCpu.toFixed(2)],
  ['dashboard / simulator CPU', (dashCpu / simCpu).toFixed(2)],
  ['exports refused (429/503) or failed', String([...run.sender.statuses].filter(([s]) => s !== 200).map(([s, n]) => `${s}: ${n}`).join(', ') || 'none')],
  ['rejected points', status.ingest.rejectedPoints],
  ['dashboard event-loop delay p99 / max', `${(status.process.eventLoopDelay.p99 * 1000).toFixed(1)} / ${(status.process.eventLoopDelay.max * 1000).toFixed(1)} ms`],
  ['store series / estimate', `${status.store.series} / ${(status.store.bytes / 2 ** 20).toFixed(0)} MiB (${Math.round(status.store.bytesPerSeries)} B/series)`],
  ['dashboard RSS', `${(status.process.rss / 2 ** 20).toFixed(0)} MiB`],
]);
table(
  ['API call while ingesting', 'p50 ms', 'max ms', 'calls'],
  endpoints.map((e) => [e, percentile(times.get(e)!, 0.5).toFixed(1), Math.max(...times.get(e)!).toFixed(1), times.get(e)!.length]),
);
process.exit(0);
