// A /series answer holds at most SERIES_MAX_POINTS points: an outside audit's by=node read of 15 min at 1 s steps with
// limit=1000 was 21.5 MB (and held the event loop for a second); the largest lines are kept, the rest counted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FleetStore } from '../../../server/store/FleetStore.js';
import { FleetView, SERIES_MAX_POINTS } from '../../../server/query/FleetView.js';

test('a series answer keeps at most SERIES_MAX_POINTS points: fewer lines over long windows at fine steps', () => {
  const t0 = 1_700_000_000_000;
  const store = new FleetStore({}, t0);
  const view = new FleetView(store);
  const svc = store.service('s');
  for (let i = 0; i < 400; i++) store.node(svc, { service: 's', instance: `n${i}`, host: 'h', pid: i, version: null }, t0);
  const now = t0 + 1000;
  const wide = view.series({ metric: 'cpu', by: 'node', window: 900, step: 1, limit: 1000, now });
  const points = wide.series.reduce((a, l) => a + l.points.length, 0);
  assert.ok(points <= SERIES_MAX_POINTS, `${points} points`);
  assert.ok(wide.series.length >= 200 && wide.series.length < 400, `${wide.series.length} lines`);
  assert.equal(wide.truncated, 400 - wide.series.length);
  // a short window keeps every line asked for
  const short = view.series({ metric: 'cpu', by: 'node', window: 60, step: 1, limit: 1000, now });
  assert.equal(short.series.length, 400);
  assert.equal(short.truncated, 0);
});

// outside audit (hostile input): on a dashboard a cardinality flood had left with ≈ 50,000 routes, one documented read,
// /series?metric=rps&by=route&step=1s&window=15m&limit=1000, ran it out of memory: every route's line was built before
// the largest were kept (+460 MB for 5,000 routes)
test('a rate by route builds only the lines it keeps: ranked on the range\'s requests first', async () => {
  const { newRequestSlot } = await import('../../../server/store/slots.js');
  const t0 = 1_700_000_000_000;
  const store = new FleetStore({}, t0);
  const view = new FleetView(store);
  const svc = store.service('s');
  const now = t0 + 120_000;
  const routes = 600;
  for (let i = 0; i < routes; i++) {
    const r = store.route(svc, 'GET', `/r${i}`);
    for (let t = now / 1000 - 60; t < now / 1000; t++) {
      const slot = newRequestSlot(store.options.fleetScale);
      slot.requests = i + 1;
      r.tiers[0].set(t, slot);
      r.lastData = t;
    }
  }
  // the seconds of each route's data read (a read over the 900 s window reads 900; one over a 1 s step, 1)
  const reads = new Map<string, number>();
  for (const r of svc.routes.values()) {
    const ring = r.tiers[0];
    const get = ring.get.bind(ring);
    ring.get = (slot: number) => {
      reads.set(r.route, (reads.get(r.route) ?? 0) + 1);
      return get(slot);
    };
  }
  const answer = view.series({ metric: 'rps', by: 'route', window: 900, step: 1, limit: 1000, now });
  const kept = Math.floor(SERIES_MAX_POINTS / 900);
  assert.equal(answer.series.length, kept);
  assert.equal(answer.truncated, routes - kept);
  // the busiest routes, busiest first
  assert.deepEqual(
    answer.series.map((l) => l.key.route),
    Array.from({ length: kept }, (_, k) => `/r${routes - 1 - k}`),
  );
  // one read of the window per route to rank them, then one per step with data (the store's 120 s) of each line kept,
  // not of every route's line
  const withData = answer.series[0].points.filter((p) => p[1] !== null).length;
  assert.ok(withData >= 60 && withData <= 121, `${withData} steps with data`);
  const shown = new Set(answer.series.map((l) => l.key.route));
  assert.equal(reads.size, routes);
  for (const [route, seconds] of reads) {
    if (shown.has(route)) assert.ok(seconds <= 900 + 121, `${route} (kept): ${seconds} seconds read`);
    else assert.equal(seconds, 900, `${route} (left out): read once, to rank it`);
  }
});
