// What a graceful stop costs with many series states: every node's cumulative series' last points saved into the data
// file (saved-states.ts), against Docker's 10 s and Kubernetes' 30 s before a stopping container is killed (then the
// states are lost, and what nodes serve during the restart is not counted). Fills a store through the real ingest with
// NODES × SERIES cumulative request histograms (≈ 150 populated buckets each), then times saveStates, and packs the
// same states both ways in the same run: as saved (varints) and deflated (zlib level 1, what dashboards saved before).
//   pnpm bench:stop [--nodes 1000] [--series 80]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { deflateRawSync } from 'node:zlib';
import { ExponentialHistogram, Metrics, type ExportMetricsRequest, type Metric } from '@perf/metrics';
import { FleetStore } from '../../apps/web/server/store/FleetStore.js';
import { Persistence } from '../../apps/web/server/store/persist.js';
import { packState } from '../../apps/web/server/store/persist/saved-states.js';
import { encodeState, type SeriesState } from '../../apps/web/server/ingest/series.js';
import { Applier } from '../../apps/web/server/ingest/apply.js';
import { IngestStats } from '../../apps/web/server/ingest/stats.js';
import { Random } from '../../apps/web/simulator/random.js';
import { machine, median, table } from '../lib/report.js';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: { nodes: { type: 'string', default: '1000' }, series: { type: 'string', default: '80' }, rounds: { type: 'string', default: '3' } },
});
const NODES = Number(values.nodes);
const SERIES = Number(values.series);
const ROUNDS = Number(values.rounds);

const rnd = new Random(7);
const series = Array.from({ length: SERIES }, (_, i) => {
  const h = new ExponentialHistogram({ maxScale: 6 });
  for (let k = 0; k < 5000; k++) h.record(0.001 * Math.exp(rnd.next() * 5));
  return { attributes: { 'http.request.method': 'GET', 'http.route': `/r${i % 20}`, 'http.response.status_code': 200 + Math.floor(i / 20) }, h };
});
function exportOf(instance: string, startNs: number, timeMs: number): ExportMetricsRequest {
  const points = series.map((s) => ({ attributes: { ...s.attributes }, startTimeUnixNano: startNs, timeUnixNano: timeMs * 1e6, flags: 0, ...s.h.toData() }));
  const metric = { name: Metrics.httpServerRequestDuration, description: '', unit: 's', type: 'exponentialHistogram', temporality: 'cumulative', points } as Metric;
  const resource = { attributes: { 'service.name': 'svc', 'service.instance.id': instance }, droppedAttributesCount: 0 };
  const scope = { name: 'bench', version: '', attributes: {}, droppedAttributesCount: 0 };
  return { resourceMetrics: [{ resource, scopeMetrics: [{ scope, metrics: [metric], schemaUrl: '' }], schemaUrl: '' }] };
}

const rows: (string | number)[][] = [];
const saveMs: number[] = [];
let states = 0;
let savedBytes = 0;
const packMs: number[] = [];
const deflateMs: number[] = [];
let deflatedBytes = 0;
for (let r = 0; r < ROUNDS; r++) {
  const dir = mkdtempSync(join(tmpdir(), 'perf-bench-stop-'));
  try {
    const now = Date.now();
    const store = new FleetStore({}, now - 5000);
    const p = Persistence.open(dir, () => {});
    p.load(store, now - 5000);
    store.sink = p.sink;
    const applier = new Applier(store, new IngestStats());
    for (const at of [now - 2000, now - 1000]) for (let n = 0; n < NODES; n++) applier.apply(exportOf(`n${n}`, (now - 60_000) * 1e6, at), at);
    store.tick(now + 5000);
    p.flush(now + 5000);
    const t0 = performance.now();
    states = p.saveStates(store);
    saveMs.push(performance.now() - t0);
    savedBytes = (p.db.prepare('SELECT sum(length(state)) AS b FROM series_state').get() as { b: number }).b;
    // the packing alone, both ways, on the same states
    const raw: Buffer[] = [];
    for (const svc of store.services.values()) for (const node of svc.nodes.values()) for (const st of node.states.values()) raw.push(encodeState(st as SeriesState));
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
console.log(`# graceful stop: saving ${states.toLocaleString('en-US')} series states (${NODES} nodes × ${SERIES} series), median of ${ROUNDS} rounds — ${machine()}`);
rows.push(['saveStates (pack + SQLite insert, one transaction)', `${median(saveMs).toFixed(0)} ms`, `${(savedBytes / 1e6).toFixed(1)} MB`]);
rows.push(['  packing alone, varints (as saved)', `${(median(packMs) * 1000).toFixed(1)} µs a state`, `${(savedBytes / states).toFixed(0)} B a state`]);
rows.push(['  packing alone, deflate level 1 (saved before)', `${(median(deflateMs) * 1000).toFixed(1)} µs a state`, `${(deflatedBytes / states).toFixed(0)} B a state`]);
table(['what', 'time', 'size'], rows);
