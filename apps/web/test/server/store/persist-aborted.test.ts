// Aborted requests across a restart: each route slot's count is in the data file (route_slots.aborted), read back on
// start; the series' cumulative total is saved with the other states, so the next export counts only what is new; a
// data file written before the column existed opens with it added (0 for its rows).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { encodeProtobuf } from '@perf/metrics';
import { postOtlp, testServer, waitFor } from '../lib/server.js';
import { abortedSum, request, resource } from '../lib/otlp.js';
import { DB_FILE, Persistence } from '../../../server/store/persist.js';
import { encodeHist } from '../../../server/store/persist/histogram-blob.js';
import { FleetStore } from '../../../server/store/FleetStore.js';
import { FleetView } from '../../../server/query/FleetView.js';
import { StoreHistogram } from '../../../server/store/histogram.js';

const ns = (ms: number) => ms * 1e6;
type Row = { route: string; requests: number; aborted: number };

test('a restart keeps each route\'s aborted requests, and the next cumulative point counts only what is new', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'perf-aborted-'));
  try {
    const a = await testServer({ dataDir: dir });
    // the agent started after the dashboard: its first point counts whole
    const start = ns(Date.now());
    const res = resource('svc', 'node-a');
    const send = (srvUrl: string, value: number) => postOtlp(srvUrl, encodeProtobuf(request(res, [abortedSum('cumulative', [{ start, time: ns(Date.now()), value }])])));
    const aborted = async (srv: Awaited<ReturnType<typeof testServer>>) => (await srv.get<Row[]>('/api/v1/routes?window=5m'))[1].find((r) => r.route === '/hang')?.aborted;
    try {
      assert.equal((await send(a.otlpUrl, 4)).status, 200);
      await waitFor(async () => (await aborted(a)) === 4, 8000, '4 aborted');
    } finally {
      await a.close(); // graceful: settles the open seconds, flushes, saves the series states
    }
    const b = await testServer({ dataDir: dir });
    try {
      assert.equal(await aborted(b), 4, 'the same count after the restart');
      const [, fleet] = await b.get<{ aborted: number }>('/api/v1/fleet?window=5m');
      assert.equal(fleet.aborted, 4);
      // the saved total is the series' baseline: 4 → 7 adds 3, not 7
      assert.equal((await send(b.otlpUrl, 7)).status, 200);
      await waitFor(async () => (await aborted(b)) === 7, 8000, '7 aborted');
    } finally {
      await b.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a data file from before the aborted column opens with it added; its rows read back with 0 aborted', () => {
  const dir = mkdtempSync(join(tmpdir(), 'perf-aborted-old-'));
  try {
    const now = Math.floor(Date.now() / 1000) * 1000;
    const t = now / 1000 - 5;
    const db = new Database(join(dir, DB_FILE));
    // route_slots as dashboards before this column wrote it
    db.exec(`CREATE TABLE route_slots (
      service TEXT NOT NULL, method TEXT NOT NULL, route TEXT NOT NULL, tier INTEGER NOT NULL, slot INTEGER NOT NULL,
      requests REAL NOT NULL, errors REAL NOT NULL, hist BLOB NOT NULL,
      PRIMARY KEY (tier, slot, service, method, route)) WITHOUT ROWID`);
    const h = new StoreHistogram(6, 2048, 0);
    h.recordMany(0.01, 2);
    db.prepare('INSERT INTO route_slots VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run('svc', 'GET', '/old', 0, t, 2, 0, encodeHist(h));
    // and catch_ups before its aborted column: a span of /old's 2 requests over the 2 seconds up to t
    db.exec(`CREATE TABLE catch_ups (
      service TEXT NOT NULL, subject TEXT NOT NULL, from_s INTEGER NOT NULL, to_s INTEGER NOT NULL, at_s INTEGER NOT NULL,
      requests REAL NOT NULL, errors REAL NOT NULL, PRIMARY KEY (service, subject, from_s, to_s, at_s)) WITHOUT ROWID`);
    db.prepare('INSERT INTO catch_ups VALUES (?, ?, ?, ?, ?, ?, ?)').run('svc', 'r:GET /old', t - 1, t, t, 2, 0);
    db.close();
    const p = Persistence.open(dir, () => {});
    try {
      const store = new FleetStore({}, now);
      p.load(store, now);
      const view = new FleetView(store);
      const row = view.routes({ window: 60, now }).find((r) => r.route === '/old');
      assert.equal(row?.requests, 2);
      assert.equal(row?.aborted, 0);
      assert.deepEqual(store.services.get('svc')!.routes.get('GET /old')!.catchUps, [{ from: t - 1, to: t, at: t, requests: 2, errors: 0, aborted: 0 }], 'its span read back');
      // and writes go on into the new column
      const route = store.route(store.service('svc'), 'GET', '/hung');
      store.sink = p.sink;
      store.addAborted(route, undefined, t + 1, 5);
      p.sink.route(0, route, t + 1, route.tiers[0].get(t + 1)!);
      p.flush();
      const back = p.db.prepare('SELECT aborted FROM route_slots WHERE route = ?').get('/hung') as { aborted: number };
      assert.equal(back.aborted, 5);
      store.noteCatchUp(route, undefined, t - 3, t + 1, t + 1, 0, 0, 5);
      p.flush();
      const span = p.db.prepare("SELECT aborted FROM catch_ups WHERE subject = 'r:GET /hung'").get() as { aborted: number };
      assert.equal(span.aborted, 5, 'a span\'s aborted requests go into the added column');
    } finally {
      p.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
