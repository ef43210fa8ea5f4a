// Freshness: time from a point's creation in the simulator to its appearance in the SSE stream.
// A second's points have "appeared" when the snapshot for that second (its `second` block) shows exactly
// the simulator's request count for it; each point's freshness is that snapshot's arrival − its creation.
// The dashboard runs in its own process. Baseline in the same run: a plain HTTP round trip to the API.
//   pnpm bench:freshness [--nodes 200] [--seconds 30]
import { parseArgs } from 'node:util';
import { request } from 'node:http';
import { runSimulation } from '../../apps/web/simulator/run.js';
import { machine, table } from '../lib/report.js';
import { percentile, startDashboard } from './lib.js';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: { nodes: { type: 'string', default: '200' }, seconds: { type: 'string', default: '30' } },
});
const nodes = Number(values.nodes);
console.log(`# freshness: ${machine()}`);
const dash = await startDashboard();
/** second → creation times of its exports */
const created = new Map<number, number[]>();
/** second → arrival time of the snapshot that showed it complete */
const shown = new Map<number, number>();
const incomplete: number[] = [];
const snapshots: { at: number; rps: number; arrived: number }[] = [];

// the SSE client
const req = request(`${dash.url}/api/v1/stream`, (res) => {
  let buf = '';
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => {
    buf += chunk;
    let i: number;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (!data) continue;
      const snap = JSON.parse(data) as { at: number; second: { rps: number } };
      snapshots.push({ at: snap.at, rps: snap.second.rps, arrived: Date.now() });
    }
  });
});
req.end();

const run = runSimulation(
  { nodes, rpsPerNode: 500, routes: 10, samplesPerNode: 20 },
  { target: dash.otlpUrl },
  {
    duration: Number(values.seconds),
    onExport: (_node, second, at) => {
      let list = created.get(second);
      if (list === undefined) created.set(second, (list = []));
      list.push(at);
    },
  },
);
await run.done;
await new Promise((r) => setTimeout(r, 2500));
req.destroy();
// baseline: API round trips
const rtt: number[] = [];
for (let i = 0; i < 30; i++) {
  const a = performance.now();
  await (await fetch(`${dash.url}/api/v1/fleet?window=10s`)).arrayBuffer();
  rtt.push(performance.now() - a);
}
await dash.stop();
run.sender.close();

const delays: number[] = [];
for (const [second, times] of created) {
  const exp = run.sim.expected(1, second);
  const snap = snapshots.find((s) => s.at === (second + 1) * 1000);
  if (snap === undefined || Math.abs(snap.rps - exp.requests) > 1e-6) {
    incomplete.push(second);
    continue;
  }
  shown.set(second, snap.arrived);
  for (const c of times) delays.push(snap.arrived - c);
}
// the first and last seconds are partial runs of the simulator: leave them out of the complete count
const considered = created.size - 2;
table(['measure', 'value'], [
  ['fleet', `${nodes} nodes exporting once a second, spread over 0.8 s of each second`],
  ['seconds shown complete in their snapshot', `${shown.size} of ${created.size}`],
  ['freshness p50', `${(percentile(delays, 0.5) / 1000).toFixed(3)} s`],
  ['freshness p95', `${(percentile(delays, 0.95) / 1000).toFixed(3)} s`],
  ['freshness max', `${(Math.max(...delays) / 1000).toFixed(3)} s`],
  ['baseline: API round trip p50', `${percentile(rtt, 0.5).toFixed(1)} ms`],
]);
if (incomplete.length > 2) console.log(`# incomplete seconds (data arrived after their snapshot): ${incomplete.length} of ${considered}`);
process.exit(0);
