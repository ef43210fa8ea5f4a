// Outside audit S1: a cardinality flood inside the caps (≈ 60,000 routes, one second of traffic each) left the
// dashboard's loop busy for good: every second the diagnosis walked a 120 s window of every route the store keeps (up
// to 7 days, in the coarse tiers), the tick settled and pruned every route, and the live stream and charts read every route. What
// a second costs must follow the routes with recent requests, not all routes held: here a store with 30,000 routes
// idle for minutes against the same store without them, compared as ratios of times measured in the same run
// (interleaved, medians: never an absolute time, the machines are shared).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FleetStore, type ServiceState } from '../../server/store/FleetStore.js';
import { StoreHistogram } from '../../server/store/histogram.js';
import { SparseDelta } from '../../server/store/delta.js';
import { NodeState } from '../../server/store/node.js';
import { DiagnosisAdapter } from '../../server/diagnose/adapter.js';
import { FleetView } from '../../server/query/FleetView.js';

const IDLE = 30_000;
const LIVE_ROUTES = 20;
const NODES = 3;

function delta(ms: number, n: number): SparseDelta {
  const h = new StoreHistogram(6);
  h.recordMany(ms / 1000, n);
  h.recordMany((ms * 3) / 1000, Math.max(1, n >> 4));
  return new SparseDelta().fromHistogram(h);
}

interface Fleet {
  store: FleetStore;
  svc: ServiceState;
  nodes: NodeState[];
  adapter: DiagnosisAdapter;
  view: FleetView;
}

/** One service, NODES nodes serving LIVE_ROUTES routes every second for `seconds`; `idle` more routes had one second of traffic at the start. */
function fleet(t0: number, seconds: number, idle: number): Fleet {
  const store = new FleetStore({}, t0 * 1000);
  const svc = store.service('shop');
  const nodes = Array.from({ length: NODES }, (_, i) => store.node(svc, { service: 'shop', instance: `n${i}`, host: 'h', pid: i + 1, version: null }, t0 * 1000)!);
  const once = delta(20, 1);
  for (let i = 0; i < idle; i++) store.addRequests(store.route(svc, 'GET', `/flood/${i}`), nodes[i % NODES], t0, once, false);
  const f = { store, svc, nodes, adapter: new DiagnosisAdapter(store), view: new FleetView(store) };
  for (let t = t0; t < t0 + seconds; t++) second(f, t);
  return f;
}

const deltas = Array.from({ length: LIVE_ROUTES }, (_, r) => delta(5 + r * 3, 20 + r));
const el = delta(2, 50);

/** Second t of the live routes, then the store's tick. */
function second({ store, svc, nodes }: Fleet, t: number): void {
  for (const node of nodes) {
    for (let r = 0; r < LIVE_ROUTES; r++) store.addRequests(store.route(svc, 'GET', `/api/r${r}`), node, t, deltas[r], r === 3 && t % 7 === 0);
    store.addEventLoop(svc, node, t, el);
    node.lastSeen = (t + 1) * 1000;
  }
  store.tick((t + 1) * 1000 + 20);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function time(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

describe('a flood of routes that went quiet', () => {
  it('costs the diagnosis, the tick and the live stream (nearly) nothing per second', (ctx) => {
    const t0 = Math.floor(Date.now() / 1000) - 600;
    // the idle routes' one second is 300 s before the end: out of the diagnosis' 120 s window and the stream's 10 s
    const seconds = 300;
    const live = fleet(t0, seconds, 0);
    const flooded = fleet(t0, seconds, IDLE);
    assert.equal(flooded.svc.routes.size, IDLE + LIVE_ROUTES, 'the idle routes are kept (the coarse tiers hold them)');
    const cost = { build: [[], []] as number[][], tick: [[], []] as number[][], stream: [[], []] as number[][], chart: [[], []] as number[][], heatmap: [[], []] as number[][] };
    const now = (t: number) => (t + 1) * 1000 + 20;
    for (let k = 0; k < 21; k++) {
      const t = t0 + seconds + k;
      [live, flooded].forEach((f, i) => {
        for (const node of f.nodes) {
          for (let r = 0; r < LIVE_ROUTES; r++) f.store.addRequests(f.store.route(f.svc, 'GET', `/api/r${r}`), node, t, deltas[r], false);
          f.store.addEventLoop(f.svc, node, t, el);
          node.lastSeen = (t + 1) * 1000;
        }
        cost.tick[i].push(time(() => f.store.tick(now(t))));
        cost.build[i].push(time(() => f.adapter.build(now(t))));
        cost.stream[i].push(time(() => f.view.routes({ window: 10, now: now(t) })));
        // a live chart's tick: the last few steps of the fleet's latency
        cost.chart[i].push(time(() => f.view.series({ metric: 'latency.p99', window: 5, step: 1, now: now(t) })));
        // the overview's heatmap (live verification: 0.4 s a call with 20,000 idle routes, the page blocked 1.5–2.3 s)
        cost.heatmap[i].push(time(() => f.view.heatmap({ window: 60, now: now(t) })));
      });
    }
    // the same findings' input either way: the idle routes change nothing
    const a = live.adapter.build(now(t0 + seconds + 20));
    const b = flooded.adapter.build(now(t0 + seconds + 20));
    assert.deepEqual(
      b.routes.map((r) => r.route),
      a.routes.map((r) => r.route),
    );
    assert.deepEqual(b.routes, a.routes);
    const end = now(t0 + seconds + 20);
    assert.deepEqual(flooded.view.routes({ window: 10, now: end }), live.view.routes({ window: 10, now: end }));
    assert.deepEqual(flooded.view.series({ metric: 'rps', window: 60, now: end }).series, live.view.series({ metric: 'rps', window: 60, now: end }).series);
    assert.deepEqual(flooded.view.heatmap({ window: 60, now: end }), live.view.heatmap({ window: 60, now: end }));
    const ratios = Object.fromEntries(Object.entries(cost).map(([k, [l, f]]) => [k, median(f) / Math.max(median(l), 0.01)]));
    const detail = JSON.stringify(Object.fromEntries(Object.entries(cost).map(([k, [l, f]]) => [k, { live: median(l).toFixed(3), flooded: median(f).toFixed(3) }])));
    ctx.diagnostic(`median ms, without and with ${IDLE} idle routes: ${detail}`);
    for (const [k, r] of Object.entries(ratios)) assert.ok(r < 3, `${k}: ${IDLE} idle routes make it ${r.toFixed(1)}× as costly (ms ${detail})`);
  });

  it('judges at most maxRoutesPerService routes of a service, the busiest, with the others in their time shares', () => {
    const t0 = Math.floor(Date.now() / 1000) - 100;
    const store = new FleetStore({}, t0 * 1000);
    const svc = store.service('shop');
    const node = store.node(svc, { service: 'shop', instance: 'n0', host: 'h', pid: 1, version: null }, t0 * 1000)!;
    const n = 40;
    const d = Array.from({ length: n }, (_, r) => delta(10, r + 1));
    for (let t = t0; t < t0 + 60; t++) {
      for (let r = 0; r < n; r++) store.addRequests(store.route(svc, 'GET', `/r${r}`), node, t, d[r], false);
      store.addEventLoop(svc, node, t, el);
      node.lastSeen = (t + 1) * 1000;
      store.tick((t + 1) * 1000 + 20);
    }
    const at = (t0 + 60) * 1000 + 20;
    const all = new DiagnosisAdapter(store).build(at);
    assert.equal(all.routes.length, n);
    const capped = new DiagnosisAdapter(store, { maxRoutesPerService: 10 }).build(at);
    // the busiest ten, in the store's route order
    assert.deepEqual(
      capped.routes.map((r) => r.route),
      Array.from({ length: 10 }, (_, i) => `/r${n - 10 + i}`),
    );
    for (const r of capped.routes) {
      const full = all.routes.find((x) => x.route === r.route)!;
      assert.deepEqual(r.rps, full.rps);
      assert.deepEqual(r.latencyP99, full.latencyP99);
      // a share of all the service's time, the routes not judged included (summed in another order: to rounding)
      r.timeShare.forEach((share, i) => assert.ok(Number.isNaN(share) ? Number.isNaN(full.timeShare[i]) : Math.abs(share - full.timeShare[i]) < 1e-12, `second ${i}: ${share} against ${full.timeShare[i]}`));
    }
  });
});
