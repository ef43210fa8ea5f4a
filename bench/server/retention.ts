// What full retention costs per busy route and per node: one route and one node served every second for the
// longest tier's retention on a simulated clock (no sockets), through the real store and its SQLite persistence,
// then each tier's slots, the store's estimate, the heap it holds and the data file's size. Run once per tier
// configuration, each in a fresh child process (so one run's garbage is not the next one's baseline).
//   pnpm bench:retention [--tiers 1s:15m,10s:6h,1m:24h,10m:7d] [--tiers …] [--rate 200]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FleetStore } from '../../apps/web/server/store/FleetStore.js';
import { StoreHistogram } from '../../apps/web/server/store/histogram.js';
import { SparseDelta } from '../../apps/web/server/store/delta.js';
import { Persistence } from '../../apps/web/server/store/persist.js';
import { parseTiers, type Tier } from '../../apps/web/server/store/config.js';
import { requestSlotBytes } from '../../apps/web/server/store/slots.js';
import { Random } from '../../apps/web/simulator/random.js';
import { machine, table } from '../lib/report.js';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: { tiers: { type: 'string', multiple: true }, rate: { type: 'string', default: '200' }, child: { type: 'boolean', default: false } },
});
const rate = Number(values.rate);
const configs = values.tiers ?? ['1s:15m,10s:6h,1m:24h,10m:7d', '1s:15m,10s:6h,1m:7d'];

interface Result {
  tiers: string;
  slots: number[];
  routeBytes: number[];
  nodeBytes: number;
  heap: number;
  file: number;
  /** heap held by a fresh store that read the file back (a restart) */
  reloaded: number;
  wall: number;
}

function run(tiersText: string): Result {
  const tiers = parseTiers(tiersText);
  const seconds = Math.max(...tiers.map((t) => t.retention));
  const dir = mkdtempSync(join(tmpdir(), 'perf-retention-'));
  const t0 = Math.floor(Date.now() / 1000) - seconds - 10;
  const wall = Date.now();
  const filled = fill(tiers, dir, t0, seconds);
  const file = statSync(join(dir, 'perf.db')).size;
  // a restart: the same data read back from the file by a fresh store
  const base = heap();
  const store = new FleetStore({ tiers }, (t0 + seconds) * 1000);
  const persistence = Persistence.open(dir, () => {});
  persistence.load(store, (t0 + seconds) * 1000);
  persistence.close();
  const reloaded = heap() - base;
  rmSync(dir, { recursive: true, force: true });
  void store;
  return { ...filled, tiers: tiersText, file, reloaded, wall: (Date.now() - wall) / 1000 };
}

function heap(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  gc?.();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Serves the route and node for `seconds` from `t0` into a fresh store persisted in `dir`; what the store holds at the end. */
function fill(tiers: Tier[], dir: string, t0: number, seconds: number): Pick<Result, 'slots' | 'routeBytes' | 'nodeBytes' | 'heap'> {
  const store = new FleetStore({ tiers }, t0 * 1000);
  const persistence = Persistence.open(dir, () => {});
  store.sink = persistence.sink;
  const svc = store.service('checkout');
  const node = store.node(svc, { service: 'checkout', instance: 'n1', host: 'h', pid: 1, version: null }, t0 * 1000)!;
  const route = store.route(svc, 'GET', '/api/orders/:id');
  const rnd = new Random(7);
  const base = heap();
  const d = new StoreHistogram(6);
  for (let t = t0; t < t0 + seconds; t++) {
    // a busy route: `rate` requests a second, median 20 ms with a long tail (as the demo's routes), its load
    // drifting over the day so that slots differ
    d.resetTo(6);
    const n = Math.round(rate * (0.75 + 0.25 * Math.sin((2 * Math.PI * t) / 86400)));
    for (let i = 0; i < n; i++) d.recordMany(rnd.lognormal(0.02, 1.0), 1);
    d.boundFromBuckets();
    store.addRequests(route, node, t, new SparseDelta().fromHistogram(d), t % 50 === 0);
    node.lastSeen = (t + 1) * 1000;
    store.tick((t + 1) * 1000);
    if (t % 60 === 0) persistence.flush((t + 1) * 1000);
    // as the server does: rows past their tier's retention are deleted
    if (t % 3600 === 0) persistence.prune(store, (t + 1) * 1000);
  }
  persistence.flush();
  persistence.prune(store, (t0 + seconds) * 1000);
  const held = heap() - base;
  persistence.close();
  return {
    slots: route.tiers.map((tier) => tier.size),
    routeBytes: route.tiers.map((tier) => {
      let b = 0;
      for (const s of tier.slots.values()) b += requestSlotBytes(s);
      return b;
    }),
    nodeBytes: node.tiers.reduce((a, r) => a + r.bytes, 0),
    heap: held,
  };
}

if (values.child) {
  process.stdout.write(JSON.stringify(run(configs[0])));
} else {
  console.log(`# retention: ${machine()}; one route at ≈ ${rate} req/s (median 20 ms, long tail) and one node, for the longest tier's retention`);
  const rows: (string | number)[][] = [];
  for (const tiers of configs) {
    const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', import.meta.filename, '--child', '--tiers', tiers, '--rate', String(rate)], { encoding: 'utf8', maxBuffer: 1 << 20 });
    const r = JSON.parse(out) as Result;
    const mb = (b: number) => (b / 1e6).toFixed(1) + ' MB';
    rows.push([r.tiers, r.slots.join(' + '), r.routeBytes.map(mb).join(' + '), mb(r.nodeBytes), mb(r.heap), mb(r.reloaded), mb(r.file), r.wall.toFixed(0) + ' s']);
    console.error(`  … ${tiers} done`);
  }
  table(['tiers', 'route slots per tier', 'route histograms per tier (store estimate)', 'node rows (all tiers)', 'heap held (route + node)', 'heap held after a restart (read back)', 'data file', 'wall time'], rows);
}
