// Tiers: seconds roll up into 10 s, 1 min and 10 min slots by merging; queries over long windows read the
// coarser tier plus the finest tier's not-yet-rolled seconds, and agree with the fine answer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FleetStore } from '../../../server/store/FleetStore.js';
import { StoreHistogram } from '../../../server/store/histogram.js';
import { SparseDelta } from '../../../server/store/delta.js';
import { FleetView } from '../../../server/query/FleetView.js';
import { NodeField } from '../../../server/store/node.js';
import { Random } from '../../../simulator/random.js';


/** A store with one service `s`, one node `n1` seen from `t0` (Unix s) and one route `GET /x`. */
function oneNode(t0: number, storeFrom = t0 - 1) {
  const store = new FleetStore({}, storeFrom * 1000);
  const view = new FleetView(store);
  const svc = store.service('s');
  const node = store.node(svc, { service: 's', instance: 'n1', host: 'h', pid: 1, version: null }, t0 * 1000)!;
  const route = store.route(svc, 'GET', '/x');
  return { store, view, svc, node, route };
}

/** Each second from `t0` for `seconds`: the requests `record` puts in a histogram, applied to the route and node, then the second settles. */
function serve(one: ReturnType<typeof oneNode>, t0: number, seconds: number, record: (d: StoreHistogram) => void): void {
  for (let t = t0; t < t0 + seconds; t++) {
    const d = new StoreHistogram(6);
    record(d);
    d.boundFromBuckets();
    one.store.addRequests(one.route, one.node, t, new SparseDelta().fromHistogram(d), false);
    one.node.lastSeen = (t + 1) * 1000;
    one.store.tick((t + 1) * 1000);
  }
}

test('rollups merge histograms and sum counts; long windows agree with short ones', () => {
  const t0 = 1_800_000_000; // a whole minute
  const { store, view, node, route } = oneNode(t0);
  const rnd = new Random(3);
  const all = new StoreHistogram(6);
  let requests = 0;
  const seconds = 200;
  for (let t = t0; t < t0 + seconds; t++) {
    const d = new StoreHistogram(6);
    for (let i = 0; i < 20; i++) d.recordMany(rnd.lognormal(0.02, 0.7), 3);
    d.boundFromBuckets();
    store.addRequests(route, node, t, new SparseDelta().fromHistogram(d), t % 7 === 0);
    all.merge(d);
    requests += d.count;
    node.lastSeen = (t + 1) * 1000;
    store.tick((t + 1) * 1000);
  }
  const now = (t0 + seconds + 5) * 1000;
  store.tick(now);
  // the 10 s tier holds whole slots, each the merge of its ten seconds
  const slot = route.tiers[1].get(t0 / 10 + 3)!;
  let sum = 0;
  for (let t = t0 + 30; t < t0 + 40; t++) sum += route.tiers[0].get(t)!.requests;
  assert.equal(slot.requests, sum);
  assert.equal(route.tiers[2].get(t0 / 60 + 1)!.requests, 60 * 60);
  // the 15-minute window (1 s tier) and the 1-hour window (10 s tier + recent seconds) agree exactly
  const short = view.fleet({ window: 900, now });
  const long = view.fleet({ window: 3600, now });
  const week = view.fleet({ window: 7 * 86400, now });
  assert.equal(short.requests, requests);
  assert.equal(long.requests, requests);
  assert.equal(week.requests, requests);
  assert.deepEqual(long.latency, short.latency);
  assert.equal(short.latency.p99, all.quantile(0.99));
  // series at 1-minute steps from the 24-hour tier sum to the same
  const s = view.series({ metric: 'rps', window: 86400, step: 60, now });
  assert.equal(s.step, 60);
  const minute1 = s.series[0].points.find((p) => p[0] === (t0 + 60) * 1000);
  assert.equal(minute1?.[1], 60, 'a whole minute: 3,600 requests = 60/s');
  // a week is read from the 10-minute tier (plus the seconds not rolled into it yet), in steps of whole slots
  const w = view.series({ metric: 'rps', window: 7 * 86400, now });
  assert.equal(w.step % 600, 0, `week step ${w.step} s`);
  // node rows rolled too: requests per 10 s slot
  assert.equal(node.tiers[1].get(t0 / 10 + 3, 0), 600);
});

test('the default tiers: a week is held at 10 minutes, each slot the merge of its ten 1-minute slots (a week at 1 minute cost ≈ 31 MB per busy route)', () => {
  const t0 = 1_800_000_000; // a whole 10 minutes
  const one = oneNode(t0);
  const { store, view, node, route } = one;
  assert.deepEqual(
    store.options.tiers.map((t) => [t.step, t.retention]),
    [
      [1, 900],
      [10, 6 * 3600],
      [60, 86400],
      [600, 7 * 86400],
    ],
  );
  const rnd = new Random(5);
  serve(one, t0, 1260, (d) => {
    for (let i = 0; i < 10; i++) d.recordMany(rnd.lognormal(0.03, 0.8), 2);
  });
  const now = (t0 + 1265) * 1000;
  store.tick(now);
  for (const k of [0, 1]) {
    const slot = route.tiers[3].get(t0 / 600 + k)!;
    assert.equal(slot.requests, 600 * 20, `10-minute slot ${k}`);
    const merged = new StoreHistogram(6);
    for (let m = 0; m < 10; m++) merged.merge(route.tiers[2].get(t0 / 60 + 10 * k + m)!.hist);
    assert.equal(slot.hist.count, merged.count);
    assert.equal(slot.hist.quantile(0.99), merged.quantile(0.99));
    assert.equal(node.tiers[3].get(t0 / 600 + k, NodeField.requests), 600 * 20, `node row of slot ${k}`);
  }
  assert.equal(route.tiers[3].get(t0 / 600 + 2), undefined, 'the third 10 minutes are not over');
  // a week's answer (10-minute slots + the seconds after them) agrees with the 24-hour one (1-minute slots + seconds)
  const week = view.fleet({ window: 7 * 86400, now });
  const day = view.fleet({ window: 86400, now });
  assert.equal(week.requests, 1260 * 20);
  assert.equal(day.requests, 1260 * 20);
  assert.deepEqual(week.latency, day.latency);
});

test('settled seconds are trimmed to their buckets (memory regression: growth headroom was kept forever)', () => {
  const t0 = 1_800_000_000;
  const { store, node, route } = oneNode(t0);
  const rnd = new Random(4);
  for (let t = t0; t < t0 + 30; t++) {
    // values arriving from both ends of the range make the backing array grow in both directions
    for (let i = 0; i < 50; i++) {
      const d = new StoreHistogram(6);
      d.recordMany(rnd.lognormal(0.01, 2), 1);
      d.boundFromBuckets();
      store.addRequests(route, node, t, new SparseDelta().fromHistogram(d), false);
    }
    node.lastSeen = (t + 1) * 1000;
    store.tick((t + 1) * 1000);
  }
  for (const [t, slot] of route.tiers[0].slots) {
    if (t > store.settledUntil) continue;
    assert.equal(slot.hist.counts.length, slot.hist.length, `second ${t} trimmed`);
    assert.ok(slot.hist.counts instanceof Uint16Array, 'whole counts below 65,536 kept as Uint16');
  }
  for (const [k, h] of node.hists) if ((k + 1) * 10 <= store.settledUntil) assert.equal(h.lat.counts.length, h.lat.length);
});


test('node histograms older than 5 minutes merge into 60 s slots and still count every request', () => {
  const t0 = 1_800_000_000;
  const { store, view, node, route } = oneNode(t0);
  const rnd = new Random(5);
  const seconds = 700;
  let requests = 0;
  for (let t = t0; t < t0 + seconds; t++) {
    const d = new StoreHistogram(6);
    d.recordMany(rnd.lognormal(0.02, 0.5), 4);
    d.boundFromBuckets();
    store.addRequests(route, node, t, new SparseDelta().fromHistogram(d), false);
    requests += 4;
    node.lastSeen = (t + 1) * 1000;
    store.tick((t + 1) * 1000);
  }
  store.tick((t0 + seconds + 5) * 1000);
  assert.ok(node.coarse.size >= 6, `coarse slots: ${node.coarse.size}`);
  assert.ok(node.hists.size <= 32, `fine slots: ${node.hists.size}`);
  const now = (t0 + seconds + 5) * 1000;
  const all = view.nodeHistograms(node, { from: t0 - 60, to: t0 + seconds + 4, step: 1, tier: 0 });
  assert.equal(all.lat.count, requests);
  const [row] = view.nodes({ window: 900, now });
  assert.ok(row.latency.p99 !== null && row.latency.p99 > 0);
});

test('a node’s latency series: p50, p90, p99 and p99.9 are each their own percentile at every step (p90 and p99.9 were p99 under 10 s)', () => {
  const t0 = 1_800_000_000;
  const one = oneNode(t0);
  const { store, view } = one;
  const seconds = 120;
  // each second: 900 requests at 1 ms, 90 at 10 ms, 9 at 100 ms, 1 at 1 s
  serve(one, t0, seconds, (d) => {
    d.recordMany(0.001, 900);
    d.recordMany(0.01, 90);
    d.recordMany(0.1, 9);
    d.recordMany(1, 1);
  });
  const now = (t0 + seconds + 5) * 1000;
  store.tick(now);
  // a node keeps its histograms at a coarser scale than routes (4.4% buckets)
  const near = (v: number | null, want: number) => v !== null && Math.abs(v - want) / want < 0.05;
  for (const step of [1, 2, 5, 10, 30]) {
    const at = (metric: 'latency.p50' | 'latency.p90' | 'latency.p99' | 'latency.p999') => {
      const line = view.series({ metric, by: 'node', step, window: 100, now }).series[0];
      return line.points.filter((p) => p[1] !== null).map((p) => p[1]);
    };
    for (const [metric, want] of [['latency.p50', 0.001], ['latency.p90', 0.001], ['latency.p99', 0.01], ['latency.p999', 0.1]] as const) {
      const values = at(metric);
      assert.ok(values.length > 0 && values.every((v) => near(v, want)), `step ${step} ${metric}: ${values.slice(0, 5).join(', ')} (want ≈ ${want})`);
    }
  }
});

test('event-loop p99, a node’s and the fleet’s, is never shown above the exact max the agents measured', () => {
  const t0 = 1_800_000_000;
  const { store, view, svc, node } = oneNode(t0);
  for (let t = t0; t < t0 + 20; t++) {
    const d = new StoreHistogram(6);
    d.recordMany(0.2807, 100);
    d.boundFromBuckets();
    store.addEventLoop(svc, node, t, new SparseDelta().fromHistogram(d));
    // the exact max (the agent's gauge) just under the bucket's estimate
    node.setField(t, NodeField.elMax, 0.2806);
    node.lastSeen = (t + 1) * 1000;
    store.tick((t + 1) * 1000);
  }
  const row = view.nodes({ window: 10, now: (t0 + 21) * 1000 })[0];
  assert.ok(row.eventLoopDelay.p99 !== null && row.eventLoopDelayMax !== null);
  assert.ok(row.eventLoopDelay.p99 <= row.eventLoopDelayMax, `p99 ${row.eventLoopDelay.p99} > max ${row.eventLoopDelayMax}`);
  const fleet = view.fleet({ window: 10, now: (t0 + 21) * 1000 }).eventLoopDelay;
  assert.ok(fleet.p99 !== null && fleet.max !== null && fleet.p99 <= fleet.max, `fleet p99 ${fleet.p99} > max ${fleet.max}`);
  assert.ok(row.eventLoopDelay.p99 > 0.27);
});

test('rates over a window longer than the store’s data are over the part with data (window=7d on a fresh dashboard)', () => {
  const t0 = 1_800_000_000;
  const one = oneNode(t0, t0);
  const { store, view } = one;
  serve(one, t0, 120, (d) => d.recordMany(0.01, 50));
  const now = (t0 + 125) * 1000;
  store.tick(now);
  for (const window of [3600, 7 * 86400]) {
    const f = view.fleet({ window, now });
    assert.equal(f.requests, 6000);
    assert.ok(f.window < 130, `covers ${f.window} s`);
    assert.ok(f.rps > 45 && f.rps <= 50, `fleet rps ${f.rps} over ${window} s`);
    const r = view.routes({ window, now })[0];
    assert.ok(r.rps > 45 && r.rps <= 50, `route rps ${r.rps}`);
    const n = view.nodes({ window, now })[0];
    assert.ok(n.rps > 45 && n.rps <= 50, `node rps ${n.rps}`);
  }
  // a window within the data is the window
  assert.equal(view.fleet({ window: 60, now }).window, 60);
});

test('series: the seconds before the store’s first data are null, not a rate of 0', () => {
  const t0 = 1_800_000_000;
  const one = oneNode(t0, t0);
  const { store, view } = one;
  serve(one, t0, 30, (d) => d.recordMany(0.01, 10));
  const now = (t0 + 35) * 1000;
  store.tick(now);
  const points = view.series({ metric: 'rps', window: 120, step: 1, now }).series[0].points;
  const before = points.filter((p) => p[0] < t0 * 1000);
  const after = points.filter((p) => p[0] >= t0 * 1000 && p[0] < (t0 + 30) * 1000);
  assert.ok(before.length > 50 && before.every((p) => p[1] === null), 'nothing before the store existed');
  assert.ok(after.length === 30 && after.every((p) => p[1] === 10), JSON.stringify(after.slice(0, 3)));
});

test('shares of wall time (run delay, GC) are at most 1 a step, also when a late export carries several seconds into one', () => {
  const t0 = 1_800_000_000;
  const { store, view, node } = oneNode(t0);
  for (let t = t0; t < t0 + 20; t++) {
    // a blocked loop's late export: 2.8 s of waiting and 1.5 s of GC credited to one second
    node.addField(t, NodeField.runDelay, t === t0 + 10 ? 2.8 : 0.1);
    node.addField(t, NodeField.gcTime, t === t0 + 10 ? 1.5 : 0.01);
    node.lastSeen = (t + 1) * 1000;
    store.tick((t + 1) * 1000);
  }
  const now = (t0 + 25) * 1000;
  store.tick(now);
  for (const metric of ['runDelay', 'gcShare'] as const) {
    const values = view.series({ metric, by: 'node', window: 30, step: 1, now }).series[0].points.map((p) => p[1]).filter((v): v is number => v !== null);
    assert.ok(values.length >= 19 && Math.max(...values) === 1, `${metric}: ${values.join(', ')}`);
  }
});

test('series: a step the store’s data starts within is a rate over the part with data (a 7 d view of a young store)', () => {
  const t0 = 1_800_000_000 + 600; // ten minutes into a 30 min step
  const one = oneNode(t0, t0);
  const { store, view } = one;
  serve(one, t0, 300, (d) => d.recordMany(0.01, 5));
  const now = (t0 + 305) * 1000;
  store.tick(now);
  const points = view.series({ metric: 'rps', window: 7 * 86400, step: 1800, now }).series[0].points.filter((p) => p[1] !== null);
  assert.equal(points.length, 1);
  assert.ok(Math.abs(points[0][1]! - 5) < 0.2, `rps ${points[0][1]} (5 a second for the 5 minutes there is data)`);
});

// outside audit (foreign senders): a service that started 29 s before the query, on a dashboard up for 115 s, read
// rps 4 in /fleet and 29 for its only node: the fleet's rate was over the store's span, the node's over its own
test('a service younger than the window: its fleet and route rates are over its own span, as its node’s is', () => {
  const t0 = 1_800_000_000;
  const one = oneNode(t0, t0 - 86);
  one.store.serviceSeen(one.svc, t0 * 1000);
  serve(one, t0, 29, (d) => d.recordMany(0.01, 10));
  const now = (t0 + 29) * 1000;
  const fleet = one.view.fleet({ service: 's', window: 60, now });
  const [node] = one.view.nodes({ service: 's', window: 60, now });
  const [route] = one.view.routes({ service: 's', window: 60, now });
  assert.equal(fleet.requests, 290);
  assert.ok(Math.abs(fleet.rps - node.rps) < 1e-9, `fleet ${fleet.rps}, node ${node.rps}`);
  assert.ok(Math.abs(route.rps - node.rps) < 1e-9, `route ${route.rps}, node ${node.rps}`);
  assert.ok(Math.abs(node.rps - 10) < 0.5, `node ${node.rps}`);
});

// contract audit: a dashboard that waited 30 s for its first export read /fleet rps 250 for a one-service fleet whose
// /fleet?service= and only node read 1,000: without service= the span started at the dashboard's start
test('the whole fleet\'s rates start at its first data, as each service\'s do: /fleet, /fleet?service= and the nodes agree', () => {
  const t0 = 1_800_000_000;
  const one = oneNode(t0, t0 - 30);
  one.store.serviceSeen(one.svc, t0 * 1000);
  serve(one, t0, 10, (d) => d.recordMany(0.01, 100));
  const now = (t0 + 10) * 1000;
  const all = one.view.fleet({ window: 60, now });
  const svc = one.view.fleet({ service: 's', window: 60, now });
  const [node] = one.view.nodes({ window: 60, now });
  const [route] = one.view.routes({ window: 60, now });
  assert.equal(all.requests, 1000);
  assert.ok(Math.abs(all.rps - svc.rps) < 1e-9, `fleet ${all.rps}, service ${svc.rps}`);
  assert.ok(Math.abs(all.rps - node.rps) < 1e-9, `fleet ${all.rps}, node ${node.rps}`);
  assert.ok(Math.abs(route.rps - node.rps) < 1e-9, `route ${route.rps}, node ${node.rps}`);
  assert.ok(Math.abs(all.rps - 100) < 10, `fleet ${all.rps}`);
  // with no data at all, a fresh dashboard's rates are 0 over its own span
  const empty = oneNode(t0, t0 - 30);
  empty.svc.dataSince = Infinity;
  assert.equal(empty.view.fleet({ window: 60, now: t0 * 1000 }).rps, 0);
});
