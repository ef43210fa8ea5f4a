// http.server.aborted_requests into per-route, per-second counts: cumulative and delta, duplicates, restarts, baselines,
// domain checks and the series cap, read back through the routes, the fleet and the series.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Metric } from '@perf/metrics';
import { FleetStore } from '../../../server/store/FleetStore.js';
import { FleetView } from '../../../server/query/FleetView.js';
import { Applier } from '../../../server/ingest/apply.js';
import { IngestStats } from '../../../server/ingest/stats.js';
import { NodeField } from '../../../server/store/node.js';
import { abortedSum, expPoint, httpExp, request, resource } from '../lib/otlp.js';

const ns = (ms: number) => ms * 1e6;

/** A store and applier opened 10 s before `base` (Unix ms, whole second), a view, and a send at `base + dt`. */
function setup(options: ConstructorParameters<typeof FleetStore>[0] = {}) {
  const base = Math.floor(Date.now() / 1000) * 1000 - 30_000;
  const store = new FleetStore(options, base - 10_000);
  const stats = new IngestStats();
  const applier = new Applier(store, stats);
  // the dashboard started when the store opened (startedAt is the real clock's): series starting after it are new
  (applier as unknown as { startNs: number }).startNs = ns(base - 10_000);
  const view = new FleetView(store);
  const send = (instance: string, dt: number, metrics: Metric[]) => applier.apply(request(resource('svc', instance), metrics), base + dt + 100);
  const at = (dt: number) => ns(base + dt);
  const readAt = base + 25_000;
  const row = (method: string, route: string) => view.routes({ window: 60, now: readAt }).find((r) => r.method === method && r.route === route);
  return { store, stats, applier, view, send, at, readAt, row, base };
}

test('cumulative: exact counts; a repeated export is not counted twice; an agent restart counts its new total whole', () => {
  const { send, at, row, stats, view, readAt } = setup();
  const start = at(0); // the agent started after the dashboard: its first point counts
  const c = (dt: number, value: number, s = start) => send('a', dt, [abortedSum('cumulative', [{ start: s, time: at(dt), value }])]);
  c(1000, 2);
  c(2000, 5); // +3
  c(2000, 5); // the same export again
  c(1500, 4); // older than the last one
  c(3000, 5); // +0
  c(5000, 1, at(4000)); // the agent restarted: +1
  c(6000, 4, at(4000)); // +3
  const r = row('GET', '/hang');
  assert.ok(r, 'a route with only aborted requests is listed');
  assert.equal(r.aborted, 2 + 3 + 1 + 3);
  assert.equal(r.requests, 0);
  assert.equal(r.rps, 0);
  assert.equal(r.errorRate, 0);
  assert.equal(r.latency.p50, null);
  assert.equal(stats.duplicatePoints, 1);
  assert.equal(stats.outOfOrderPoints, 1);
  assert.equal(stats.resets, 1);
  assert.equal(view.fleet({ window: 60, now: readAt }).aborted, 9);
  assert.equal(view.fleet({ window: 60, now: readAt }).requests, 0, 'aborted requests are not finished ones');
});

test('cumulative: a series that started before the dashboard is a baseline on a node not yet baselined, whole on one that is', () => {
  const { send, at, row, base } = setup();
  const before = ns(base - 3_600_000);
  send('old', 1000, [abortedSum('cumulative', [{ route: '/a', start: before, time: at(1000), value: 700 }])]);
  send('old', 2000, [abortedSum('cumulative', [{ route: '/a', start: before, time: at(2000), value: 704 }])]);
  assert.equal(row('GET', '/a')?.aborted, 4, 'only the increase since the first point seen');
  // the node is baselined now: a route's first abort (the agent exports a route's series from its first one) is new
  send('old', 3000, [abortedSum('cumulative', [{ route: '/a', start: before, time: at(3000), value: 704 }, { route: '/b', start: before, time: at(3000), value: 2 }])]);
  assert.equal(row('GET', '/b')?.aborted, 2);
});

test('delta: points add up (int and double), a repeated export is dropped; the older http.method names the method', () => {
  const { send, at, row, store } = setup();
  const d = (dt: number, value: number, legacyMethod = false) => send('d', dt, [abortedSum('delta', [{ method: 'POST', start: at(dt - 1000), time: at(dt), value, legacyMethod }])]);
  d(1000, 3);
  d(2000, 2.0);
  d(2000, 2.0); // repeated
  d(3000, 1, true);
  assert.equal(row('POST', '/hang')?.aborted, 6);
  // per node too
  const node = store.services.get('svc')!.nodes.get('d')!;
  let total = 0;
  for (let t = Math.floor(at(0) / 1e9); t <= Math.floor(at(4000) / 1e9); t++) {
    const v = node.tiers[0].get(t, NodeField.aborted);
    if (!Number.isNaN(v)) total += v;
  }
  assert.equal(total, 6);
});

test('aborted requests go to the route their finished requests are on: one row with both', () => {
  const { send, at, row } = setup();
  const start = at(0);
  send('a', 1000, [httpExp('cumulative', [expPoint({ route: '/mixed', start, time: at(1000), offset: -7, counts: [10] })]), abortedSum('cumulative', [{ route: '/mixed', start, time: at(1000), value: 3 }])]);
  const r = row('GET', '/mixed')!;
  assert.equal(r.requests, 10);
  assert.equal(r.aborted, 3);
  assert.equal(r.errorRate, 0);
});

test('values outside the domain are refused with the reason; the rest of the export is kept', () => {
  const { send, at, row, stats } = setup();
  const start = at(0);
  const res = send('a', 1000, [
    abortedSum('cumulative', [
      { route: '/neg', start, time: at(1000), value: -1 },
      { route: '/nan', start, time: at(1000), value: NaN },
      { route: '/huge', start, time: at(1000), value: 2 ** 60 },
      { route: '/ok', start, time: at(1000), value: 7 },
    ]),
  ]);
  assert.equal(res.rejected, 3);
  assert.equal(row('GET', '/ok')?.aborted, 7);
  assert.equal(row('GET', '/neg'), undefined);
  assert.equal(row('GET', '/huge'), undefined);
  assert.ok(Object.keys(stats.rejectedByReason).some((k) => k.startsWith('counter value')));
  // a jump of more than 10^12 in one interval is refused; the series goes on from there
  send('a', 2000, [abortedSum('cumulative', [{ route: '/ok', start, time: at(2000), value: 7 + 2e12 }])]);
  send('a', 3000, [abortedSum('cumulative', [{ route: '/ok', start, time: at(3000), value: 9 + 2e12 }])]);
  assert.equal(row('GET', '/ok')?.aborted, 9);
});

test('aborted series count against the series cap: over it, delta counts go to the service\'s `other` route, cumulative ones are folded', () => {
  const { send, at, row, store } = setup({ maxSeriesPerService: 2 });
  const start = at(0);
  send('a', 1000, [abortedSum('delta', [{ route: '/1', start, time: at(1000), value: 1 }, { route: '/2', start, time: at(1000), value: 1 }, { route: '/3', start, time: at(1000), value: 5 }])]);
  send('a', 2000, [abortedSum('cumulative', [{ route: '/4', start, time: at(2000), value: 9 }])]);
  assert.equal(row('GET', '/1')?.aborted, 1);
  assert.equal(row('GET', '/3'), undefined);
  assert.equal(row('*', 'other')?.aborted, 5);
  assert.equal(row('GET', '/4'), undefined);
  assert.equal(store.services.get('svc')!.foldedSeries, 2);
});

test('/series metric=aborted: per-second rate for the fleet, by route and by node', () => {
  const { send, at, view, readAt } = setup();
  send('a', 1000, [abortedSum('delta', [{ route: '/x', start: at(0), time: at(1000), value: 4 }])]);
  send('b', 1000, [abortedSum('delta', [{ route: '/y', start: at(0), time: at(1000), value: 6 }])]);
  const total = (s: ReturnType<typeof view.series>, key?: string) =>
    s.series.filter((l) => key === undefined || Object.values(l.key).includes(key)).reduce((a, l) => a + l.points.reduce((b, [, v]) => b + (v ?? 0), 0), 0) * s.step;
  assert.equal(total(view.series({ metric: 'aborted', window: 60, step: 1, now: readAt })), 10);
  const byRoute = view.series({ metric: 'aborted', by: 'route', window: 60, step: 1, now: readAt });
  assert.equal(total(byRoute, '/x'), 4);
  assert.equal(total(byRoute, '/y'), 6);
  const byNode = view.series({ metric: 'aborted', by: 'node', window: 60, step: 1, now: readAt });
  assert.equal(total(byNode, 'a'), 4);
  assert.equal(total(byNode, 'b'), 6);
});
