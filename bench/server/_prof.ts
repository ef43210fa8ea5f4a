import { decodeProtobuf, encodeProtobuf } from '@perf/metrics';
import { FleetSimulator } from '../../apps/web/simulator/fleet.js';
import { FleetStore } from '../../apps/web/server/store/FleetStore.js';
import { Applier } from '../../apps/web/server/ingest/apply.js';
import { IngestStats } from '../../apps/web/server/ingest/stats.js';
const nodes = 100, seconds = 15, warmup = 5;
const sim = new FleetSimulator({ nodes, rpsPerNode: 2000, routes: 20, samplesPerNode: 200, temporality: 'cumulative' });
const t0 = Math.floor(Date.now() / 1000) * 1000 - seconds * 1000 - 60_000;
const bodies: Uint8Array[][] = [];
for (let s = 0; s < seconds; s++) { sim.beginSecond(s); const sec = []; for (let i = 0; i < nodes; i++) sec.push(encodeProtobuf(sim.generateNode(i, t0 + s * 1000 + (i % 900))!)); bodies.push(sec); }
const mode = process.argv[2] ?? 'apply';
for (let r = 0; r < 8; r++) {
  const store = new FleetStore({}, t0);
  const applier = new Applier(store, new IngestStats());
  (applier as unknown as { startNs: number }).startNs = 0;
  const decoded = mode === 'apply' ? bodies.map((sec) => sec.map((b) => decodeProtobuf(b))) : undefined;
  const start = process.hrtime.bigint();
  for (let s = 0; s < seconds; s++) {
    const now = t0 + s * 1000 + 999;
    if (decoded) for (const r of decoded[s]) applier.apply(r, now); else for (const b of bodies[s]) applier.apply(decodeProtobuf(b), now);
    store.tick(now + 1);
  }
  console.log(Number(process.hrtime.bigint() - start) / 1e6, 'ms');
}
