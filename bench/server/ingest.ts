// Ingest throughput on one core: histogram data points per second decoded (protobuf), de-cumulated and
// merged into the store (plus the per-second tick), at the agent's defaults (scale 6, at most 1,024
// buckets: a route spanning 1–2 decades exports ~200–400 buckets). Steady state: the first --warmup
// seconds (new series) are applied untimed. Baseline in the same run: decoding alone.
// --max-scale 10 records at @perf/metrics' default scale instead (sparser, 2–3× wider points that the
// store maps down to its scale 6).
//   pnpm bench:ingest [--nodes 100] [--seconds 30] [--warmup 5] [--routes 20] [--max-scale 6] [--delta]
import { parseArgs } from 'node:util';
import { decodeProtobuf, encodeProtobuf } from '@perf/metrics';
import { FleetSimulator } from '../../apps/web/simulator/fleet.js';
import { FleetStore } from '../../apps/web/server/store/FleetStore.js';
import { Applier } from '../../apps/web/server/ingest/apply.js';
import { IngestStats } from '../../apps/web/server/ingest/stats.js';
import { machine, median, table } from '../lib/report.js';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    nodes: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '5' },
    routes: { type: 'string', default: '20' },
    delta: { type: 'boolean', default: false },
    'max-scale': { type: 'string', default: '6' },
  },
});
const nodes = Number(values.nodes);
const seconds = Number(values.seconds);
const warmup = Number(values.warmup);
const temporality = values.delta ? 'delta' : 'cumulative';
console.log(`# ingest throughput (${temporality}, recorded at scale ≤ ${values['max-scale']}): ${machine()}`);

// the bodies a fleet sends over `seconds` seconds, encoded once up front
const sim = new FleetSimulator({ nodes, rpsPerNode: 2000, routes: Number(values.routes), samplesPerNode: 200, temporality, maxScale: Number(values['max-scale']) });
const t0 = Math.floor(Date.now() / 1000) * 1000 - seconds * 1000 - 60_000;
const bodies: Uint8Array[][] = [];
let histPoints = 0;
let allPoints = 0;
let buckets = 0;
for (let s = 0; s < seconds; s++) {
  sim.beginSecond(s);
  const sec: Uint8Array[] = [];
  for (let i = 0; i < nodes; i++) {
    const req = sim.generateNode(i, t0 + s * 1000 + (i % 900))!;
    if (s >= warmup) {
      for (const m of req.resourceMetrics[0].scopeMetrics[0].metrics) {
        if (!('points' in m)) continue;
        allPoints += m.points.length;
        if (m.type === 'exponentialHistogram') {
          histPoints += m.points.length;
          for (const p of m.points) buckets += p.positive.bucketCounts.length;
        }
      }
    }
    sec.push(encodeProtobuf(req));
  }
  bodies.push(sec);
}
const timed = bodies.slice(warmup);
const bytes = timed.flat().reduce((a, b) => a + b.length, 0);
console.log(
  `# ${nodes} nodes × ${seconds - warmup} timed s: ${timed.flat().length} exports, ${histPoints} histogram points averaging ${(buckets / histPoints).toFixed(0)} buckets (${allPoints} points in all), ${(bytes / 1e6).toFixed(1)} MB`,
);

/** [wall seconds, CPU seconds of this process (user + system; what a shared, busy machine distorts least)] */
type Took = [number, number];

function since(start: bigint, cpu: NodeJS.CpuUsage): Took {
  const c = process.cpuUsage(cpu);
  return [Number(process.hrtime.bigint() - start) / 1e9, (c.user + c.system) / 1e6];
}

function decodeOnly(): Took {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (const sec of timed) for (const b of sec) decodeProtobuf(b);
  return since(start, cpu);
}

/** A store that has seen the warm-up seconds (series known, state in place). */
function warmStore(): { store: FleetStore; applier: Applier } {
  const store = new FleetStore({}, t0);
  const applier = new Applier(store, new IngestStats());
  // the simulated processes started after this receiver: their first export counts in full
  (applier as unknown as { startNs: number }).startNs = 0;
  for (let s = 0; s < warmup; s++) {
    const now = t0 + s * 1000 + 999;
    for (const b of bodies[s]) applier.apply(decodeProtobuf(b), now);
    store.tick(now + 1);
  }
  return { store, applier };
}

function run(decodeInside: boolean): Took {
  const { store, applier } = warmStore();
  const decoded = decodeInside ? undefined : timed.map((sec) => sec.map((b) => decodeProtobuf(b)));
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let s = 0; s < timed.length; s++) {
    const now = t0 + (s + warmup) * 1000 + 999;
    if (decoded) for (const r of decoded[s]) applier.apply(r, now);
    else for (const b of timed[s]) applier.apply(decodeProtobuf(b), now);
    store.tick(now + 1);
  }
  return since(start, cpu);
}

decodeOnly();
run(true); // warm up the JIT
const dec: Took[] = [];
const app: Took[] = [];
const tot: Took[] = [];
for (let r = 0; r < 5; r++) {
  dec.push(decodeOnly());
  app.push(run(false));
  tot.push(run(true));
}
const wall = (xs: Took[]) => median(xs.map((x) => x[0]));
const cpu = (xs: Took[]) => median(xs.map((x) => x[1]));
const d = wall(dec);
const a = wall(app);
const t = wall(tot);
const row = (name: string, secs: number, cpuSecs: number) => [
  name,
  Math.round(histPoints / secs),
  Math.round(histPoints / cpuSecs),
  Math.round(allPoints / secs),
  (d / secs).toFixed(2),
];
table(['stage', 'histogram points/s (one core)', 'histogram points per CPU-second', 'all points/s', 'speed vs decode only'], [
  row('decode only (baseline)', d, cpu(dec)),
  row('de-cumulate + merge + tick (bodies decoded beforehand)', a, cpu(app)),
  row('decode + de-cumulate + merge + tick', t, cpu(tot)),
]);
const requests = (seconds - warmup) * nodes * 2000;
console.log(`# = ${Math.round(requests / t).toLocaleString('en')} requests/s of fleet traffic absorbed per core at 2,000 req/s per node`);
