// Outside audit AB2: with the data file's disk full, every flush failed, and the writer had dropped its rows before the
// transaction ran: the seconds of a full disk were lost, and after a restart read 0 req/s (the chart claimed an outage
// that never happened). The writes fail here the way a full disk makes them fail (SQLITE_FULL), through SQLite's
// max_page_count: the rows wait in memory, the status says why, and once there is room they are all written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExponentialHistogram } from '@perf/metrics';
import { histogramExport } from '../lib/otlp.js';
import { Persistence } from '../../../server/store/persist.js';
import { FleetStore } from '../../../server/store/FleetStore.js';
import { FleetView } from '../../../server/query/FleetView.js';
import { Applier } from '../../../server/ingest/apply.js';
import { IngestStats } from '../../../server/ingest/stats.js';

const T0 = Math.floor(Date.now() / 1000) * 1000 - 600_000;
const attributes = { 'http.request.method': 'GET', 'http.route': '/a', 'http.response.status_code': 200 };

/** Runs `fn` in a fresh data folder with console.error collected into the list it is given. */
function inFolder(prefix: string, fn: (dir: string, errors: string[]) => void): void {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const errors: string[] = [];
  const log = console.error;
  console.error = (...args: unknown[]) => errors.push(args.join(' '));
  try {
    fn(dir, errors);
  } finally {
    console.error = log;
    rmSync(dir, { recursive: true, force: true });
  }
}

test('a full disk: the unwritten seconds wait in memory, the status says why, and they are written once there is room', () => {
  inFolder('perf-full-', (dir, errors) => {
  const p = Persistence.open(dir);
  const store = new FleetStore({}, T0);
  store.sink = p.sink;
  const applier = new Applier(store, new IngestStats());
  (applier as unknown as { startNs: number }).startNs = T0 * 1e6;
  const series = { attributes, h: new ExponentialHistogram({ maxScale: 6 }) };
  let now = T0;
  const serve = (from: number, to: number) => {
    for (let s = from; s <= to; s++) {
      for (let i = 0; i < 100; i++) series.h.record(0.01);
      now = T0 + s * 1000 + 300;
      applier.apply(histogramExport('n1', [series], (T0 + 100) * 1e6, now), now);
      store.tick(now + 200);
      if (s % 2 === 0) p.flush(now + 200);
    }
  };
  serve(1, 20);
  assert.equal(p.flushError, undefined);
  // the disk fills up: no page more than the file has now
  const pages = p.db.pragma('page_count', { simple: true }) as number;
  p.db.pragma(`max_page_count = ${pages}`);
  serve(21, 100);
  assert.match((p.flushError as { message: string } | undefined)?.message ?? '', /full/, 'the status says the writes fail, and why');
  assert.equal(errors.filter((e) => e.includes('writing the data file failed')).length, 1, `said once: ${errors.join(' | ')}`);
  // room again
  p.db.pragma(`max_page_count = ${2 ** 30}`);
  serve(101, 110);
  assert.equal(p.flushError, undefined);
  assert.ok(errors.some((e) => e.includes('the data file is written again')));
  assert.equal(p.lostRows, 0);
  // a graceful stop: everything still open settled and written
  store.tick(now + store.options.settleSeconds * 1000 + 1000);
  p.flush();
  p.close();
  // what a restarted dashboard reads: every second, the full disk's included
  const q = Persistence.open(dir);
  const again = new FleetStore({}, now);
  q.load(again, now + 1000);
  const view = new FleetView(again);
  assert.equal(view.fleet({ window: 200, now: now + 1000 }).requests, 110 * 100);
  q.close();
  });
});

// outside audit AB5: the data files deleted under a running dashboard: no word, a second dashboard could start on the
// folder, and a restart found no history
test('the data file deleted while the dashboard runs: said once, and in the status', () => {
  inFolder('perf-gone-', (dir, errors) => {
  const p = Persistence.open(dir);
  p.flush();
  assert.equal(p.fileGone, undefined);
  for (const f of readdirSync(dir)) rmSync(join(dir, f));
  p.flush();
  p.flush();
  assert.match((p.fileGone as { message: string } | undefined)?.message ?? '', /was deleted or replaced while the dashboard runs/);
  assert.equal(errors.filter((e) => e.includes('was deleted or replaced')).length, 1);
  p.close();
  });
});
