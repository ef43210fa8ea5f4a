// How long a Prometheus scrape of /metrics holds the app's event loop (issue: "never blocks the event loop for more
// than a millisecond at export"), for 60 series (20 routes × 3 status codes) and 600 (the default route cap). The
// agent serves /metrics from its export thread: the app's thread only packs a snapshot, in slices (the longest
// slice is what the loop is held for). Baseline, in the same run and process on the same histograms: the text
// built on the app's thread (the collection, prom-client's registry and serialiser), as the agent did before.
// Each scrape comes from another process (a client on this thread would itself hold it reading the text).
//   node --import tsx bench/overhead/scrape.ts
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Registry } from 'prom-client';
import { toPrometheus } from '../../apps/agent/src/export/prometheus.js';
import { machine, median, table } from '../lib/report.js';
import { prng } from '../lib/interleave.js';

const api = await import('../../apps/agent/src/api.js');
const ROUNDS = Number(process.env.SCRAPE_ROUNDS ?? 12);
const keepAlive = setInterval(() => {}, 1000); // the agent keeps nothing alive; this script has nothing else

type Internals = { packSlice: () => void };
const rows: (string | number)[][] = [];
console.log(`# Prometheus scrape, the app's thread — ${machine()}`);
for (const routes of [20, 200]) {
  const agent = api.start({ otlp: false, prometheusPort: 0, prometheusHost: '127.0.0.1', maxRoutes: 1000 })!;
  const port = (await agent.prometheusPort)!;
  const r = prng(routes);
  for (let i = 0; i < routes; i++) {
    const route = agent.routes.byTemplate(`/api/r${i}/:id`);
    const mu = Math.log(0.001 * 400 ** (i / Math.max(1, routes - 1)));
    for (const status of [200, 404, 500]) for (let k = 0; k < 3000; k++) route.record(0, status, Math.exp(mu + 0.8 * Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r())));
  }
  const internals = agent as unknown as Internals;
  const packSlice = internals.packSlice;
  let holds: number[] = [];
  internals.packSlice = () => {
    const t0 = performance.now();
    packSlice();
    holds.push(performance.now() - t0);
  };
  const before: number[] = [];
  const longest: number[] = [];
  const slices: number[] = [];
  let bytes = 0;
  for (let round = 0; round < ROUNDS; round++) {
    let t0 = performance.now();
    const registry = new Registry();
    for (const m of toPrometheus(agent.collect('prometheus'))) registry.registerMetric(m as never);
    bytes = (await registry.metrics()).length;
    before.push(performance.now() - t0);
    await new Promise((res) => setTimeout(res, 50));
    holds = [];
    const child = spawn(process.execPath, ['-e', `fetch('http://127.0.0.1:${port}/metrics').then((r) => r.text())`], { stdio: 'ignore' });
    await once(child, 'exit');
    longest.push(Math.max(...holds));
    slices.push(holds.length);
    t0 = performance.now();
    await new Promise((res) => setTimeout(res, 50));
  }
  await api.shutdown();
  const b = median(before.slice(2));
  const l = median(longest.slice(2));
  rows.push([`${routes * 3} series (${(bytes / 1e6).toFixed(2)} MB of text)`, b, l, Math.max(...longest.slice(2)), median(slices.slice(2)), `${(l / b).toFixed(3)}×`]);
}
clearInterval(keepAlive);
table(['node', 'text built on the app thread (before), ms median', 'served by the export thread: longest hold of the app thread, ms median', 'longest hold, max', 'slices per scrape', 'longest hold ÷ before'], rows);
