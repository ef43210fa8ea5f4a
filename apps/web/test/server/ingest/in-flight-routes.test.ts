// `perf.http.server.active_requests.by_route` (the agent's requests in flight per method and route, sent with 10 or
// more in flight) through ingest: kept as the node's last list, busiest first, with the second it was measured in;
// served on /nodes (`inFlightRoutes`) and to the diagnosis only while it is the node's latest in-flight count's; bad
// points refused with the reason, the rest of the export kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Metrics, type Metric } from '@perf/metrics';
import { FleetStore } from '../../../server/store/FleetStore.js';
import { FleetView } from '../../../server/query/FleetView.js';
import { Applier } from '../../../server/ingest/apply.js';
import { IngestStats } from '../../../server/ingest/stats.js';
import { DiagnosisAdapter } from '../../../server/diagnose/adapter.js';
import { request, resource } from '../lib/otlp.js';

const ns = (ms: number) => ms * 1e6;

function gauge(name: string, timeMs: number, points: { method?: string; route?: string; started?: boolean | string; value: number }[]): Metric {
  return {
    name,
    description: '',
    unit: '{request}',
    type: 'gauge',
    points: points.map((p) => ({
      attributes: { ...(p.method ? { 'http.request.method': p.method } : {}), ...(p.route ? { 'http.route': p.route } : {}), ...(p.started !== undefined ? { 'perf.http.response.started': p.started } : {}) },
      startTimeUnixNano: 0,
      timeUnixNano: ns(timeMs),
      value: p.value,
      isInt: true,
      flags: 0,
    })),
  } as Metric;
}
const active = (timeMs: number, value: number): Metric => ({
  name: Metrics.httpServerActiveRequests,
  description: '',
  unit: '{request}',
  type: 'sum',
  temporality: 'cumulative',
  monotonic: false,
  points: [{ attributes: { 'http.request.method': 'GET' }, startTimeUnixNano: 0, timeUnixNano: ns(timeMs), value, isInt: true, flags: 0 }],
});

test('the routes of a node\'s requests in flight: its last list, busiest first, while it is its latest count\'s; bad points refused', () => {
  const base = Math.floor(Date.now() / 1000) * 1000 - 30_000;
  const store = new FleetStore({}, base - 10_000);
  const stats = new IngestStats();
  const applier = new Applier(store, stats);
  const send = (dt: number, metrics: Metric[]) => applier.apply(request(resource('svc', 'n1'), metrics), base + dt + 100);
  const view = new FleetView(store);
  const row = (dt: number) => view.nodes({ window: 10, now: base + dt + 900 })[0];

  // below 10 in flight the agent names no route: an empty list
  send(1000, [active(base + 1000, 4)]);
  assert.deepEqual(row(1000).inFlightRoutes, []);
  const res = send(2000, [
    active(base + 2000, 45),
    gauge(Metrics.httpServerActiveRequestsByRoute, base + 2000, [
      { method: 'GET', route: '/events', started: true, value: 2 },
      { method: 'GET', route: '/events', started: 'true', value: 1 },
      { method: 'POST', route: '/api/orders', started: false, value: 38 },
      { method: 'POST', route: '/api/orders', value: 2 },
      { method: 'GET', route: '/bad', value: -1 },
      { method: 'GET', route: '/nan', value: NaN },
      { value: 2 },
    ]),
  ]);
  assert.equal(res.rejected, 2);
  assert.ok(Object.keys(stats.rejectedByReason).length > 0);
  // (a route's points with and without its response begun added up; those begun are `answering`)
  assert.deepEqual(row(2000).inFlightRoutes, [
    { method: 'POST', route: '/api/orders', count: 40, answering: 0 },
    { method: 'GET', route: '/events', count: 3, answering: 3 },
    { method: '*', route: '(no route)', count: 2, answering: 0 },
  ]);
  const w = new DiagnosisAdapter(store).build(base + 3500, 'svc').nodes[0];
  assert.deepEqual(w.inFlightRoutes?.slice(0, 2), [
    { name: 'POST /api/orders', count: 40, answering: 0 },
    { name: 'GET /events', count: 3, answering: 3 },
  ]);
  // the next export says 5 in flight and names none: the list is stale, served neither on /nodes nor to the rules
  send(3000, [active(base + 3000, 5)]);
  assert.deepEqual(row(3000).inFlightRoutes, []);
  assert.equal(new DiagnosisAdapter(store).build(base + 4500, 'svc').nodes[0].inFlightRoutes, undefined);
  // a node whose sender reports no requests in flight at all: null
  applier.apply(request(resource('svc', 'n2'), [gauge(Metrics.eventLoopUtilization, base + 3000, [{ value: 0.1 }])]), base + 3100);
  assert.equal(view.nodes({ window: 10, now: base + 3900 }).find((n) => n.instance === 'n2')?.inFlightRoutes, null);
});

// outside audit Q: a true delta http.server.active_requests left inFlight null with nothing said
test('a level sent as a delta sum (an up-down counter with delta temporality) is refused with the reason', () => {
  const base = Math.floor(Date.now() / 1000) * 1000 - 30_000;
  const store = new FleetStore({}, base - 10_000);
  const stats = new IngestStats();
  const applier = new Applier(store, stats);
  const delta = { ...active(base + 1000, 3), temporality: 'delta' } as Metric;
  const res = applier.apply(request(resource('svc', 'n1'), [delta, gauge(Metrics.eventLoopUtilization, base + 1000, [{ value: 0.2 }])]), base + 1100);
  assert.equal(res.rejected, 1);
  assert.ok(Object.keys(stats.rejectedByReason).some((k) => k.includes('sent as a delta sum')), JSON.stringify(stats.rejectedByReason));
  // the rest of the export is kept
  assert.equal(res.points - res.rejected, 1);
  assert.equal(new FleetView(store).nodes({ window: 10, now: base + 1900 })[0].inFlight, null);
});
