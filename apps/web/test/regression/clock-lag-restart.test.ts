// A node whose clock is behind the dashboard's, across a graceful restart of the dashboard (outside audit AB4): its
// deltas were taken for spanning the dashboard's downtime for as long as its lag after every start (its point times,
// by its own clock, were before the dashboard opened), so each was spread over seconds a minute in the past and the node
// read idle now (an rps floor would page). A delta really across the downtime (the export taken at the stop and
// retried after the start, and the next one) is still spread over the seconds it covers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeProtobuf } from '@perf/metrics';
import { postOtlp, sleep, testServer } from '../server/lib/server.js';
import { expPoint, httpExp, request, resource } from '../server/lib/otlp.js';
import { NodeState } from '../../server/store/node.js';
import { DEFAULT_TIERS } from '../../server/store/config.js';
import { FleetStore } from '../../server/store/FleetStore.js';
import { Applier } from '../../server/ingest/apply.js';
import { IngestStats } from '../../server/ingest/stats.js';

const RATE = 100;

interface NodeRow {
  instance: string;
  rps: number;
}

for (const lag of [60, -30]) {
  const which = lag > 0 ? `${lag} s behind` : `${-lag} s ahead`;
  test(`a node whose clock is ${which} reads its rate right after a restart of the dashboard; its total stays exact`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'perf-clock-lag-'));
    let srv = await testServer({ dataDir: dir });
    try {
      // both processes started before the dashboard (their first points are baselines) and serve RATE a second; a
      // point of second s is taken at s + 0.3 s by the dashboard's clock, s - lag + 0.3 by the skewed node's
      const start = (Math.floor(Date.now() / 1000) - 300) * 1e9;
      const s0 = Math.floor(Date.now() / 1000) + 1;
      const exportOf = (service: string, s: number, skew: number) =>
        encodeProtobuf(
          request(resource(service, `${service}-1`), [httpExp('cumulative', [expPoint({ start, time: ((s - skew) * 1000 + 300) * 1e6, offset: -7, counts: [RATE * (s - s0)], sum: RATE * (s - s0) * 0.01 })])]),
        );
      const send = (s: number, retried?: number) =>
        Promise.all([
          postOtlp(srv.otlpUrl, exportOf('skewed', retried ?? s, lag)),
          postOtlp(srv.otlpUrl, exportOf('synced', s, 0)),
        ]);
      const untilSecond = async (s: number) => {
        const wait = s * 1000 + 300 - Date.now();
        if (wait > 0) await sleep(wait);
      };
      let s = s0;
      for (; s < s0 + 6; s++) {
        await untilSecond(s);
        for (const r of await send(s)) assert.equal(r.status, 200);
      }
      // the export of second s0 + 6 is taken as the dashboard stops; it is down for 2 s
      const stopped = s;
      await untilSecond(stopped);
      await srv.close();
      srv = await testServer({ dataDir: dir });
      // the skewed node's export of the stop is retried first, then every second as before
      for (const r of await send(stopped + 2, stopped)) assert.equal(r.status, 200);
      for (s = stopped + 2; s < stopped + 14; s++) {
        await untilSecond(s);
        for (const r of await send(s)) assert.equal(r.status, 200);
      }
      const last = s - 1;
      // the last 5 s are all after the restart: both nodes at their rate (read idle for the skew's length before)
      const [, nodes] = await srv.get<NodeRow[]>('/api/v1/nodes?window=5s');
      const rate = (instance: string) => nodes.find((r) => r.instance === instance)?.rps;
      assert.ok(Math.abs(rate('synced-1')! - RATE) <= 0.25 * RATE, `the synced node: ${rate('synced-1')} req/s`);
      assert.ok(Math.abs(rate('skewed-1')! - RATE) <= 0.25 * RATE, `the skewed node: ${rate('skewed-1')} req/s over the last 5 s`);
      // nothing lost or counted twice across the restart, the retried export included (read once the seconds the
      // last points landed in, the ahead node's the next one, are in the window)
      await untilSecond(last + 2);
      for (const service of ['synced', 'skewed']) {
        const [, fleet] = await srv.get<{ requests: number }>(`/api/v1/fleet?service=${service}&window=5m`);
        assert.equal(fleet.requests, RATE * (last - s0), `${service}: every request since its baseline`);
      }
    } finally {
      await srv.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

test('a node\'s clock lag is the least of its recent exports: a retried export arriving late does not move it, a clock set right is followed', () => {
  const node = new NodeState({ service: 's', instance: 'i', host: 'h', pid: 1, version: null }, DEFAULT_TIERS, 6, 0);
  assert.equal(node.clockLag, undefined);
  node.noteClock(1000, 1000);
  assert.equal(node.clockLagSec, 0);
  node.noteClock(1001, 1002);
  assert.equal(node.clockLagSec, 0, 'a second of delivery is no lag');
  for (let s = 0; s < 20; s++) node.noteClock(940 + s, 1000 + s);
  assert.equal(node.clockLagSec, 60, 'set 60 s back: followed within 16 exports');
  node.noteClock(950, 1030);
  assert.equal(node.clockLagSec, 60, 'an export taken 20 s before it arrived (retried)');
  node.noteClock(1031, 1031);
  assert.equal(node.clockLagSec, 0, 'set right again: at once');
  node.restoreClock(-30);
  assert.deepEqual([node.clockLag, node.clockLagSec], [-30, -30], 'restored from the data file');
});

test('the clock is judged by when an export arrived, not when it was applied (a backlog in the queue), and not for points read from Prometheus', () => {
  const t0 = Date.UTC(2026, 0, 1);
  const store = new FleetStore({}, t0);
  const applier = new Applier(store, new IngestStats());
  const start = (t0 - 60_000) * 1e6;
  const exportOf = (instance: string, ms: number, n: number) =>
    request(resource('s', instance), [httpExp('cumulative', [expPoint({ start, time: ms * 1e6, offset: -7, counts: [n], sum: n / 100 })])]);
  for (let s = 1; s <= 20; s++) {
    // applied 6 s after they arrived, for 20 s: the receiver was behind, the nodes' clocks are right
    applier.apply(exportOf('queued', t0 + s * 1000, s), t0 + s * 1000 + 6000, t0 + s * 1000 + 100);
    // Prometheus' samples are up to a scrape interval old when read
    applier.apply(exportOf('scraped', t0 + s * 1000 - 30_000, s), t0 + s * 1000, null);
    // behind by 40 s
    applier.apply(exportOf('behind', t0 + s * 1000 - 40_000, s), t0 + s * 1000);
  }
  const lag = (instance: string) => store.services.get('s')!.nodes.get(instance)!.clockLagSec;
  assert.deepEqual([lag('queued'), lag('scraped'), lag('behind')], [0, 0, 40]);
});
