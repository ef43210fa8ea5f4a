// What a graceful stop costs with many series states: every node's cumulative series' last points saved into the data
// file (saved-states.ts), against Docker's 10 s and Kubernetes' 30 s before a stopping container is killed (then the
// states are lost, and what nodes serve during the restart is not counted). Fills a store through the real ingest with
// the simulated fleet's exports (bench:ingest's: per node every route's request histograms at a 200 and a 500 status,
// and the runtime series), then times saveStates, and packs the same states both ways in the same run: as saved
// (varints) and deflated (zlib level 1, what dashboards saved before).
//   pnpm bench:stop [--nodes 1000] [--routes 40]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { deflateRawSync } from 'node:zlib';
import { FleetSimulator } from '../../apps/web/simulator/fleet.js';
import { FleetStore } from '../../apps/web/server/store/FleetStore.js';
import { Persistence } from '../../apps/web/server/store/persist.js';
import { packState } from '../../apps/web/server/store/persist/saved-states.js';
import { encodeState, type SeriesState } from '../../apps/web/server/ingest/series.js';
import { Applier } from '../../apps/web/server/ingest/apply.js';
import { IngestStats } from '../../apps/web/server/ingest/stats.js';
import { machine, median, table } from '../lib/report.js';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: { nodes: { type: 'string', default: '1000' }, routes: { type: 'string', default: '40' }, rounds: { type: 'string', default: '3' } },
});
const NODES = Number(values.nodes);
const ROUTES = Number(values.routes);
const ROUNDS = Number(values.rounds);

const rows: (string | number)[][] = [];
const saveMs: number[] = [];
let states = 0;
let savedBytes = 0;
const packMs: number[] = [];
const deflateMs: number[] = [];
let deflatedBytes = 0;
let rawBytes = 0;
for (let r = 0; r < ROUNDS; r++) {
  const dir = mkdtempSync(join(tmpdir(), 'perf-bench-stop-'));
  try {
    const now = Date.now();
    const store = new FleetStore({}, now - 5000);
    const p = Persistence.open(dir, () => {});
    p.load(store, now - 5000);
    store.sink = p.sink;
    const applier = new Applier(store, new IngestStats());
    const sim = new FleetSimulator({ nodes: NODES, rpsPerNode: 2000, routes: ROUTES, samplesPerNode: 200, maxScale: 6 });
    for (const [k, at] of [now - 2000, now - 1000].entries()) {
      sim.beginSecond(k);
      for (let n = 0; n < NODES; n++) applier.apply(sim.generateNode(n, at)!, at);
    }
    store.tick(now + 5000);
    p.flush(now + 5000);
    const t0 = performance.now();
    states = p.saveStates(store);
    saveMs.push(performance.now() - t0);
    savedBytes = (p.db.prepare('SELECT sum(length(state)) AS b FROM series_state').get() as { b: number }).b;
    // the packing alone, both ways, on the same states
    const raw: Buffer[] = [];
    for (const svc of store.services.values()) for (const node of svc.nodes.values()) for (const st of node.states.values()) raw.push(encodeState(st as SeriesState));
    rawBytes = raw.reduce((n, b) => n + b.byteLength, 0);
    let t = performance.now();
    for (const b of raw) packState(b);
    packMs.push((performance.now() - t) / raw.length);
    t = performance.now();
    deflatedBytes = 0;
    for (const b of raw) deflatedBytes += deflateRawSync(b, { level: 1 }).byteLength + 4;
    deflateMs.push((performance.now() - t) / raw.length);
    p.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
console.log(`# graceful stop: saving ${states.toLocaleString('en-US')} series states (${NODES} nodes, ${ROUTES} routes each), median of ${ROUNDS} rounds — ${machine()}`);
rows.push(['saveStates (pack + SQLite insert, one transaction)', `${median(saveMs).toFixed(0)} ms`, `${(savedBytes / 1e6).toFixed(1)} MB`]);
rows.push(['  packing alone, varints (as saved)', `${(median(packMs) * 1000).toFixed(1)} µs a state`, `${(savedBytes / states).toFixed(0)} B a state`]);
rows.push(['  a state unpacked (encodeState)', '', `${(rawBytes / states).toFixed(0)} B a state`]);
rows.push(['  packing alone, deflate level 1 (saved before)', `${(median(deflateMs) * 1000).toFixed(1)} µs a state`, `${(deflatedBytes / states).toFixed(0)} B a state`]);
table(['what', 'time', 'size'], rows);
