// Reads in slices (server/query/sliced.ts): a long read gives the event loop back every SLICE_MS and answers what the
// whole read answers; a read whose asker has gone stops; each windowed read in slices answers the same as in one go.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSliced, runSync, type Sliced } from '../../../server/query/sliced.js';
import { expPoint, httpExp, request, resource } from '../lib/otlp.js';
import { FleetStore } from '../../../server/store/FleetStore.js';
import { FleetView } from '../../../server/query/FleetView.js';
import { Applier } from '../../../server/ingest/apply.js';
import { IngestStats } from '../../../server/ingest/stats.js';

/** A read of `steps` points, each costing 1 ms on the fake clock; `done` counts the points computed. */
function* counting(steps: number, clock: { t: number }, done: { n: number; closed: boolean }): Sliced<number> {
  try {
    for (let i = 0; i < steps; i++) {
      clock.t += 1;
      done.n++;
      yield;
    }
    return done.n;
  } finally {
    done.closed = true;
  }
}

test('a read in slices gives the event loop back every slice and answers as the whole read does', async () => {
  const clock = { t: 0 };
  const done = { n: 0, closed: false };
  // what else the loop does meanwhile: counted each turn
  let turns = 0;
  let running = true;
  const spin = () => {
    turns++;
    if (running) setImmediate(spin);
  };
  setImmediate(spin);
  const answer = await runSliced(counting(100, clock, done), () => false, 8, () => clock.t);
  running = false;
  assert.equal(answer, 100);
  // 100 points of 1 ms in slices of 8 ms: the loop ran between every two slices
  assert.ok(turns >= 11 && turns <= 14, `the loop turned ${turns} times during the read`);
  assert.equal(runSync(counting(50, { t: 0 }, { n: 0, closed: false })), 50, 'in one go');
});

test('a read whose asker has gone stops after the slice it is in, and its generator is closed', async () => {
  const clock = { t: 0 };
  const done = { n: 0, closed: false };
  let gone = false;
  setImmediate(() => (gone = true));
  const answer = await runSliced(counting(1000, clock, done), () => gone, 8, () => clock.t);
  assert.equal(answer, undefined);
  assert.ok(done.n <= 16, `${done.n} of 1,000 points computed`);
  assert.ok(done.closed, 'its finally ran');
});

test('every windowed read in slices (a chart\'s range, the heatmap, the tiles and tables) answers what the read in one go answers', async () => {
  const T0 = Math.floor(Date.now() / 1000) * 1000 - 600_000;
  const ms = (s: number) => T0 + s * 1000 + 300;
  const store = new FleetStore({}, ms(0) - 300);
  const applier = new Applier(store, new IngestStats());
  for (let s = 1; s <= 300; s++) {
    const time = ms(s) * 1e6;
    const start = (ms(s) - 1000) * 1e6;
    const pts = [0, 1, 2, 3].map((r) => expPoint({ route: `/r${r}`, start, time, scale: 3, offset: -60 + r * 3 + (s % 7), counts: [s % 5, 3, 0, 1 + r] }));
    for (const n of ['a', 'b']) applier.apply(request(resource('svc', n), [httpExp('delta', pts)]), ms(s));
    store.tick(ms(s) + 700);
  }
  const view = new FleetView(store);
  const now = ms(301);
  for (const q of [
    { metric: 'latency.p99' as const, window: 300, step: 2, now },
    { metric: 'rps' as const, window: 300, step: 5, now, by: 'route' as const },
    { metric: 'latency.p50' as const, window: 300, step: 1, now, by: 'node' as const, instance: 'a' },
  ]) {
    // slices of 0 ms: the loop is given back after every point
    assert.deepEqual(await runSliced(view.seriesSliced(q), () => false, 0), view.series(q), q.metric);
  }
  assert.deepEqual(await runSliced(view.heatmapSliced({ window: 300, step: 2, now }), () => false, 0), view.heatmap({ window: 300, step: 2, now }));
  // the tiles and tables
  for (const window of [10, 300]) {
    assert.deepEqual(await runSliced(view.fleetSliced({ window, now }), () => false, 0), view.fleet({ window, now }));
    assert.deepEqual(await runSliced(view.routesSliced({ window, now }), () => false, 0), view.routes({ window, now }));
    const all = view.nodes({ window, now });
    assert.equal(all.length, 2);
    assert.deepEqual(await runSliced(view.nodesSliced({ window, now }), () => false, 0), all);
    // one node's row, built alone (a node page asks for it every second)
    assert.deepEqual(await runSliced(view.nodesSliced({ window, now, instance: 'b' }), () => false, 0), all.filter((r) => r.instance === 'b'));
    assert.deepEqual(await runSliced(view.nodesSliced({ window, now, instance: 'nope' }), () => false, 0), []);
  }
});
