// Long-window reads: what the overview and a node page ask the API for when opened on a range (every chart's
// whole range, the heatmap, the tables), timed against a store holding `--seconds` of a simulated fleet
// (default 40 nodes × 20 routes for an hour, filled in-process with a simulated clock, as bench:memory does).
// Reports each read's time (median of --runs), a page's total, and the longest the reads hold the dashboard's one
// event loop, where OTLP ingest and the live stream also run (the API reads a chart's range and the heatmap in
// slices). Baseline in the same run: the live 5 min range.
//   pnpm bench:reads [--nodes 40] [--routes 20] [--seconds 3600] [--runs 5] [--only heatmap]
import { parseArgs } from 'node:util';
import { FleetSimulator } from '../../apps/web/simulator/fleet.js';
import { FleetStore } from '../../apps/web/server/store/FleetStore.js';
import { FleetView } from '../../apps/web/server/query/FleetView.js';
import { Applier } from '../../apps/web/server/ingest/apply.js';
import { IngestStats } from '../../apps/web/server/ingest/stats.js';
import type { SeriesMetric } from '../../apps/web/server/api/types.js';
import { SLICE_MS, type Sliced } from '../../apps/web/server/query/sliced.js';
import { machine, table } from '../lib/report.js';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    nodes: { type: 'string', default: '40' },
    routes: { type: 'string', default: '20' },
    seconds: { type: 'string', default: '3600' },
    runs: { type: 'string', default: '5' },
    /** only reads whose name contains this (to profile one) */
    only: { type: 'string' },
  },
});
const nodes = Number(values.nodes);
const seconds = Number(values.seconds);
const runs = Number(values.runs);
console.log(`# reads: ${machine()}`);

const sim = new FleetSimulator({ nodes, rpsPerNode: 500, routes: Number(values.routes), samplesPerNode: 40, errorRate: 0.05, keepSeconds: 0 });
const t0 = Math.floor(Date.now() / 1000) * 1000 - seconds * 1000;
const store = new FleetStore({}, t0);
const applier = new Applier(store, new IngestStats());
(applier as unknown as { startNs: number }).startNs = 0;
const fill = Date.now();
for (let s = 0; s < seconds; s++) {
  sim.beginSecond(s);
  const now = t0 + s * 1000;
  for (let i = 0; i < nodes; i++) applier.apply(sim.generateNode(i, now)!, now + 999);
  store.tick(now + 1000);
  if ((s + 1) % 600 === 0) console.error(`  … ${s + 1} simulated seconds filled`);
}
const end = t0 + seconds * 1000;
console.log(`# filled ${seconds} s of ${nodes} nodes × ${values.routes} routes in ${((Date.now() - fill) / 1000).toFixed(0)} s`);

const view = new FleetView(store);
const instance = [...store.services.values()][0].nodes.values().next().value!.meta.instance;
const service = [...store.services.values()][0].name;

/** The reads a page makes when opened on a range (the same parameters as the UI's components). */
/** A read: an answer at once, or a generator the API runs in slices (server/query/sliced.ts). */
type Read = [string, () => unknown];

/**
 * One read, ms: its whole time and the longest it holds the event loop, run as the API runs it (a sliced read gives
 * the loop back once a slice has taken SLICE_MS; the time between slices is not counted).
 */
function timeRead(read: () => unknown): { whole: number; hold: number } {
  const a = performance.now();
  const r = read();
  if (!(typeof r === 'object' && r !== null && 'next' in r)) {
    const whole = performance.now() - a;
    return { whole, hold: whole };
  }
  const g = r as Sliced<unknown>;
  let whole = 0;
  let hold = 0;
  let sliceStart = a;
  for (;;) {
    const done = g.next().done;
    const t = performance.now();
    if (done || t - sliceStart >= SLICE_MS) {
      whole += t - sliceStart;
      hold = Math.max(hold, t - sliceStart);
      sliceStart = performance.now();
    }
    if (done) return { whole, hold };
  }
}

function pageReads(page: 'overview' | 'node', window: number, step: number, live: boolean): Read[] {
  const at = { now: end, window };
  // the tiles and tables: the last 10 s on a live range (the overview's come from the stream then), else the range
  const stats = { now: end, window: live ? 10 : window };
  const s = (metric: SeriesMetric, extra: object = {}) => [`series ${metric}`, () => view.seriesSliced({ ...at, step, metric, ...extra })] as Read;
  if (page === 'overview') {
    return [
      s('rps'),
      s('latency.p50'),
      s('latency.p90'),
      s('latency.p99'),
      s('latency.p999'),
      s('errorRate'),
      s('eventLoopDelay.p99'),
      s('eventLoopDelay.max'),
      ['heatmap', () => view.heatmapSliced({ ...at, step })],
      ...(live ? [] : [['fleet', () => view.fleetSliced(stats)] as Read]),
    ];
  }
  const node = { by: 'node' as const, instance };
  const metrics: SeriesMetric[] = ['rps', 'errorRate', 'latency.p50', 'latency.p90', 'latency.p99', 'latency.p999', 'inFlight', 'eventLoopDelay.p99', 'eventLoopDelay.max', 'elu', 'cpu', 'heapUsed', 'gcShare', 'rss', 'handles', 'listenQueue', 'runDelay', 'cpuThrottled'];
  return [
    ...metrics.map((m) => s(m, node)),
    ['series latency.p99 by route', () => view.seriesSliced({ ...at, step, metric: 'latency.p99', by: 'route', service })],
    ['heatmap (node)', () => view.heatmapSliced({ ...at, step, instance })],
    ['nodes', () => view.nodesSliced({ ...stats, instance })],
    ['routes', () => view.routesSliced({ ...stats, service })],
  ];
}

const ranges: [string, number, number, boolean][] = [
  ['live 5 min', 300, 2, true],
  ['live 15 min', 900, 5, true],
  ['1 h', 3600, 10, false],
];
const rows: (string | number)[][] = [];
for (const page of ['overview', 'node'] as const) {
  for (const [label, window, step, live] of ranges) {
    if (window > seconds) continue;
    const reads = pageReads(page, window, step, live).filter(([name]) => values.only === undefined || name.includes(values.only));
    if (reads.length === 0) continue;
    const median = (xs: number[]) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)];
    const times = reads.map(([, read]) => {
      const t = Array.from({ length: runs }, () => timeRead(read));
      return { whole: median(t.map((x) => x.whole)), hold: median(t.map((x) => x.hold)) };
    });
    const total = times.reduce((x, y) => x + y.whole, 0);
    let worst = 0;
    let held = 0;
    for (let i = 1; i < times.length; i++) {
      if (times[i].whole > times[worst].whole) worst = i;
      if (times[i].hold > times[held].hold) held = i;
    }
    rows.push([page, label, reads.length, total.toFixed(1), `${times[worst].whole.toFixed(1)} (${reads[worst][0]})`, `${times[held].hold.toFixed(1)} (${reads[held][0]})`]);
  }
}
table(['page', 'range', 'reads', 'all reads, ms (medians summed)', 'longest read, ms', `longest hold of the loop, ms (in slices of ${SLICE_MS} ms)`], rows);
