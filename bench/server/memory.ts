// Memory: bytes per series and for a whole fleet (default 1,000 nodes × 50 series) over 15 minutes at
// 1 s resolution. The fleet's exports are generated and applied in-process as fast as possible with a
// simulated clock (no sockets), then the store's own estimate and the process's measured memory
// (heap + array buffers, after GC) are reported. Baseline in the same run: the process before any data.
//   pnpm bench:memory [--nodes 1000] [--seconds 900] [--routes 20]
import { parseArgs } from 'node:util';
import { FleetSimulator } from '../../apps/web/simulator/fleet.js';
import { FleetStore } from '../../apps/web/server/store/FleetStore.js';
import { Applier } from '../../apps/web/server/ingest/apply.js';
import { IngestStats } from '../../apps/web/server/ingest/stats.js';
import { stateBytes, type SeriesState } from '../../apps/web/server/ingest/series.js';
import { machine, table } from '../lib/report.js';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: { nodes: { type: 'string', default: '1000' }, seconds: { type: 'string', default: '900' }, routes: { type: 'string', default: '20' } },
});
const nodes = Number(values.nodes);
const seconds = Number(values.seconds);
const gc = (globalThis as { gc?: () => void }).gc;
const measure = () => {
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, buffers: m.arrayBuffers, rss: m.rss };
};
console.log(`# memory: ${machine()}${gc ? '' : ' (run with --expose-gc for exact numbers)'}`);

// 5% errors so every route has both a 200 and a 500 series: 20 routes → 40 histogram series per node
const sim = new FleetSimulator({ nodes, rpsPerNode: 2000, routes: Number(values.routes), samplesPerNode: 40, errorRate: 0.05, keepSeconds: 0 });
const simBase = measure();
const t0 = Math.floor(Date.now() / 1000) * 1000 - seconds * 1000 - 60_000;
const store = new FleetStore({}, t0);
const applier = new Applier(store, new IngestStats());
(applier as unknown as { startNs: number }).startNs = 0;
// the simulated fleet's histograms exist after its first second: generate it before the baseline
sim.beginSecond(0);
const first = Array.from({ length: nodes }, (_, i) => sim.generateNode(i, t0 + (i % 900))!);
const base = measure();
void simBase;
const checkpoints = new Set([60, 300, 600, seconds]);
const rows: (string | number)[][] = [];
const wall = Date.now();
for (let s = 0; s < seconds; s++) {
  sim.beginSecond(s);
  const now = t0 + s * 1000;
  for (let i = 0; i < nodes; i++) applier.apply(s === 0 ? first[i] : sim.generateNode(i, now + (i % 900))!, now + 999);
  if (s === 0) first.length = 0;
  store.tick(now + 1000);
  if (checkpoints.has(s + 1)) {
    const m = measure();
    let series = 0;
    let state = 0;
    for (const svc of store.services.values()) {
      series += svc.series;
      for (const n of svc.nodes.values()) for (const st of n.states.values()) state += stateBytes(st as SeriesState);
    }
    const est = store.bytes((n) => {
      let b = 0;
      for (const st of n.states.values()) b += stateBytes(st as SeriesState) + 80;
      return b;
    });
    const measured = m.heap + m.buffers - base.heap - base.buffers;
    rows.push([
      `${s + 1} s`,
      series,
      (est / 2 ** 20).toFixed(0) + ' MiB',
      (measured / 2 ** 20).toFixed(0) + ' MiB',
      Math.round(measured / series),
      (state / 2 ** 20).toFixed(0) + ' MiB',
      (m.rss / 2 ** 20).toFixed(0) + ' MiB',
      ((Date.now() - wall) / 1000).toFixed(0) + ' s',
    ]);
    console.error(`  … ${s + 1} simulated seconds done`);
  }
}
table(['data held', 'series', 'store estimate', 'measured (heap + buffers − baseline)', 'bytes/series', 'of which cumulative state', 'process RSS', 'wall time'], rows);
console.log(
  `# ${nodes} nodes, each exporting ${sim.seriesPerNode()} series: ${values.routes} routes × 2 status codes (histograms), event-loop and GC histograms, 10 gauges. "series" above counts what the store keeps state for (histograms, plus one per node); gauges only fill the node's row.`,
);
console.log('# measured = growth of the process after the simulated fleet was set up: the store, plus garbage not yet collected');
