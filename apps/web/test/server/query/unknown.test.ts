// The seconds a node's requests are unknown in after the dashboard's own downtime (server/query/unknown.ts): which
// nodes hold the fleet's seconds unknown, for how long, and that a graceful restart (saved states) leaves none.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Metrics, type ExportMetricsRequest } from '@perf/metrics';
import { abortedSum, expPoint, httpExp, request, resource } from '../lib/otlp.js';
import { FleetStore } from '../../../server/store/FleetStore.js';
import { Persistence } from '../../../server/store/persist.js';
import { FleetView } from '../../../server/query/FleetView.js';
import { Applier } from '../../../server/ingest/apply.js';
import { IngestStats } from '../../../server/ingest/stats.js';
import { hull, knownParts, overlap, unknownSpan } from '../../../server/query/unknown.js';
import type { NodeState } from '../../../server/store/node.js';

test('a node\'s unknown seconds: from the downtime to its first counted delta, up to now while it may come back, none once down', () => {
  const node = (unknownFrom: number | undefined, countedFrom: number | undefined) => ({ unknownFrom, countedFrom }) as NodeState;
  assert.equal(unknownSpan(node(undefined, 0), 200, false), undefined, 'not interrupted');
  assert.deepEqual(unknownSpan(node(100, undefined), 200, false), [100, Infinity], 'not counted again yet');
  assert.equal(unknownSpan(node(100, undefined), 200, true), undefined, 'down: its absence shows as down');
  assert.deepEqual(unknownSpan(node(100, 130), 200, false), [100, 129]);
  assert.equal(unknownSpan(node(100, 90), 200, false), undefined, 'its first delta reached back before the downtime (saved states)');
  assert.equal(unknownSpan(node(100, 260), 200, false), undefined, 'counted only after it was down: no minutes of unknown fleet');
  assert.deepEqual(hull([100, 120], [100, 140]), [100, 140]);
  assert.deepEqual(hull(undefined, [100, 140]), [100, 140]);
  assert.equal(overlap([100, 120], 110, 130), 11);
  assert.equal(overlap(undefined, 110, 130), 0);
  assert.deepEqual(knownParts(90, 130, [100, 120]), [
    [90, 99],
    [121, 130],
  ]);
  assert.deepEqual(knownParts(100, 110, [100, 120]), []);
  assert.deepEqual(knownParts(121, 130, [100, 120]), [[121, 130]]);
});

const T0 = Math.floor(Date.now() / 1000) * 1000 - 600_000;
const START = (T0 - 60_000) * 1e6;
const ms = (s: number) => T0 + s * 1000 + 300;
const http = (instance: string, s: number): ExportMetricsRequest =>
  request(resource('svc', instance), [httpExp('cumulative', [expPoint({ start: START, time: ms(s) * 1e6, offset: -7, counts: [100 * (s + 60)], sum: (s + 60) * 1 })])]);
/** 100 requests and 5 aborted ones a second, cumulative */
const withAborted = (instance: string, s: number): ExportMetricsRequest =>
  request(resource('svc', instance), [
    httpExp('cumulative', [expPoint({ start: START, time: ms(s) * 1e6, offset: -7, counts: [100 * (s + 60)], sum: (s + 60) * 1 })]),
    abortedSum('cumulative', [{ start: START, time: ms(s) * 1e6, value: 5 * (s + 60) }]),
  ]);
const gaugesOnly = (instance: string, s: number): ExportMetricsRequest =>
  request(resource('svc', instance), [{ name: Metrics.eventLoopUtilization, description: '', unit: '1', type: 'gauge', points: [{ attributes: {}, startTimeUnixNano: 0, timeUnixNano: ms(s) * 1e6, value: 0.2, isInt: false, flags: 0 }] }]);

/** A dashboard on `dir` at fake time: seconds 1…`until` of exports by `send`, ticks and flushes as the server does. */
function run(dir: string, from: number, until: number, send: (applier: Applier, s: number) => void, stop: (p: Persistence, store: FleetStore) => void) {
  const store = new FleetStore({}, ms(from) - 300);
  const persistence = Persistence.open(dir, () => {});
  persistence.load(store, ms(from) - 300);
  persistence.loadStates(store);
  store.sink = persistence.sink;
  const applier = new Applier(store, new IngestStats());
  for (let s = from; s <= until; s++) {
    send(applier, s);
    store.tick(ms(s) + 400);
    if (s % 2 === 0) persistence.flush(ms(s) + 400);
  }
  stop(persistence, store);
  return { store, view: new FleetView(store), applier, persistence };
}

/** Runs `fn` with a fresh data folder, removed after. */
function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'perf-unknown-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** As the server stops after second `until`: everything still open settled, written, and the states saved. */
const gracefulStop = (until: number) => (p: Persistence, store: FleetStore) => {
  store.tick(ms(until) + 900 + store.options.settleSeconds * 1000);
  p.flush(ms(until) + 900);
  p.saveStates(store);
  p.close();
};

const line = (view: FleetView, now: number, instance?: string) => {
  const series = view.series({ metric: 'rps', step: 1, window: 120, now, ...(instance !== undefined ? { by: 'node' as const } : {}) });
  const l = instance === undefined ? series.series[0] : series.series.find((x) => x.key.instance === instance)!;
  return new Map(l.points.map(([t, v]) => [Math.round((t - T0) / 1000), v]));
};

test('after a crash: a node not heard from again holds the fleet unknown until it is down, one without request histograms does not', () => {
  withDir((dir) => {
    // a and b serve 100 req/s, c sends gauges only; the dashboard crashes after second 30 (nothing more written)
    run(dir, 1, 30, (ap, s) => {
      ap.apply(http('a', s), ms(s));
      ap.apply(http('b', s), ms(s));
      ap.apply(gaugesOnly('c', s), ms(s));
    }, (p) => p.close());
    // restarted at second 40: a and c export from then on (a's first point a baseline), b never again
    const { store, view, applier, persistence } = run(dir, 40, 45, (ap, s) => {
      ap.apply(http('a', s), ms(s));
      ap.apply(gaugesOnly('c', s), ms(s));
    }, () => {});
    const d = store.downtime!;
    assert.ok(d.from > 20 + T0 / 1000 && d.from <= 31 + T0 / 1000, `the downtime starts after the last second written (${d.from - T0 / 1000})`);
    // b may still come back (its agent backs off up to 36 s): no second since the downtime has a fleet rate
    let fleet = line(view, ms(46));
    for (let s = 41; s <= 45; s++) assert.equal(fleet.get(s), null, `second ${s} while b is awaited`);
    assert.equal(line(view, ms(46), 'a').get(42), 100, 'a itself is known from its first delta');
    assert.equal(line(view, ms(46), 'a').get(40), null, 'and unknown before it');
    // a route's requests are a sum over the nodes too; rates over a window are over the known seconds: none yet
    const byRoute = view.series({ metric: 'rps', by: 'route', step: 1, window: 120, now: ms(46) }).series[0].points;
    assert.equal(byRoute.find(([t]) => t === ms(43) - 300)![1], null);
    assert.ok(Number.isNaN(view.routes({ window: 10, now: ms(46) })[0].rps));
    const tile = view.fleet({ window: 10, now: ms(46) });
    assert.ok(Number.isNaN(tile.rps) && tile.window === 0 && tile.requests === 500, `rps ${tile.rps} over ${tile.window} s, ${tile.requests} requests counted`);
    // b is down 36 s after the restart: the fleet is the nodes that report, as for any node that stops
    for (let s = 46; s <= 80; s++) {
      applier.apply(http('a', s), ms(s));
      applier.apply(gaugesOnly('c', s), ms(s));
      store.tick(ms(s) + 400);
    }
    fleet = line(view, ms(81));
    assert.deepEqual([40, 41, 45, 79].map((s) => fleet.get(s)), [null, 100, 100, 100], 'a alone once b is down; c (no request histograms) holds nothing');
    assert.equal(Math.round(view.fleet({ window: 10, now: ms(81) }).rps), 100);
    // over the last 60 s: the seconds from the downtime's start to a's first counted one are left out
    const f60 = view.fleet({ window: 60, now: ms(81) });
    assert.equal(f60.window, 60 - (41 - (d.from - T0 / 1000)));
    assert.equal(view.routes({ window: 60, now: ms(81) })[0].rps, f60.rps, 'the route\'s rate is over the same seconds');
    persistence.close();
  });
});

test('after a graceful stop (saved states) no second is unknown: the first export after the restart spreads back over the downtime', () => {
  withDir((dir) => {
    run(dir, 1, 30, (ap, s) => ap.apply(http('a', s), ms(s)), gracefulStop(30));
    const { view } = run(dir, 40, 45, (ap, s) => ap.apply(http('a', s), ms(s)), (p) => p.close());
    const fleet = line(view, ms(46));
    assert.deepEqual([29, 33, 38, 40, 44].map((s) => fleet.get(s)), [100, 100, 100, 100, 100]);
    const [row] = view.nodes({ window: 10, now: ms(46) });
    assert.equal(row.rps, 100);
  });
});

// live verification: every restart rewrote the history of the outages before it: the null gap of an earlier downtime
// became zeros, and the requests spread back over it became spikes in the seconds they arrived (1,229 and 1,275 req/s
// against ≈ 197): the downtimes and catch-up spans were in memory only
test('earlier downtimes and catch-up spans are kept across later restarts', () => {
  withDir((dir) => {
    // a crash after second 20 (a gap), a graceful stop after 45, then one after 60 (its first delta spreads back over
    // 46…55), then a fourth run reads the history
    run(dir, 1, 20, (ap, s) => ap.apply(http('a', s), ms(s)), (p) => p.close());
    run(dir, 30, 45, (ap, s) => ap.apply(http('a', s), ms(s)), gracefulStop(45));
    run(dir, 55, 60, (ap, s) => ap.apply(http('a', s), ms(s)), gracefulStop(60));
    const { store, view, persistence } = run(dir, 70, 72, (ap, s) => ap.apply(http('a', s), ms(s)), () => {});
    assert.equal(store.downtimes.length, 3, JSON.stringify(store.downtimes.map((d) => [d.from - T0 / 1000, d.to - T0 / 1000])));
    const fleet = line(view, ms(73));
    const shown = [...fleet].filter(([s]) => s >= 15 && s <= 72).map(([s, v]) => `${s}:${v === null ? 'null' : Math.round(v)}`).join(' ');
    // the crash's gap stays a gap (its last written second was up to 3 s before it)
    for (let s = 24; s <= 29; s++) assert.equal(fleet.get(s), null, `second ${s} of the first downtime: ${shown}`);
    // the graceful stop's downtime stays spread, and the second the catch-up landed in is not a spike
    for (let s = 46; s <= 59; s++) assert.equal(fleet.get(s), 100, `second ${s}: ${shown}`);
    persistence.close();
  });
});

// live verification: a node's line drew 0 before the node existed and while it was down
test('a node\'s line has no points before its first export, nor after its last while it is down', () => {
  withDir((dir) => {
    const { view, persistence } = run(dir, 1, 40, (ap, s) => {
      ap.apply(http('a', s), ms(s));
      if (s >= 10 && s <= 20) ap.apply(http('b', s), ms(s));
    }, () => {});
    const b = line(view, ms(41), 'b');
    assert.deepEqual([5, 15, 35].map((s) => b.get(s)), [null, 100, null]);
    assert.deepEqual([5, 15, 35].map((s) => line(view, ms(41), 'a').get(s)), [100, 100, 100]);
    persistence.close();
  });
});

// live verification: right after a graceful restart the stop's last seconds read a partial sum (97, then 146 req/s
// against 196, two nodes 0) until each node's next export arrived: they were settled with the exports heard by the stop
test('after a graceful stop, the seconds after a node\'s last export are unknown until it reports again', () => {
  withDir((dir) => {
    // a's last export before the stop is second 28's, b's second 30's
    run(dir, 1, 30, (ap, s) => {
      if (s <= 28) ap.apply(http('a', s), ms(s));
      ap.apply(http('b', s), ms(s));
    }, gracefulStop(30));
    const { store, view, applier, persistence } = run(dir, 40, 40, () => {}, () => {});
    let fleet = line(view, ms(41));
    assert.deepEqual([28, 29, 30].map((s) => fleet.get(s)), [200, null, null], 'a partial sum before a reports again');
    assert.equal(line(view, ms(41), 'b').get(30), 100, 'b itself is known up to its last export');
    // each node's first export after the restart spreads back over the seconds since its last one
    for (let s = 41; s <= 42; s++) {
      applier.apply(http('a', s), ms(s));
      applier.apply(http('b', s), ms(s));
      store.tick(ms(s) + 400);
    }
    fleet = line(view, ms(43));
    assert.deepEqual([28, 29, 30, 35, 41].map((s) => fleet.get(s)), [200, 200, 200, 200, 200]);
    persistence.close();
  });
});

// live check of the graceful restart: an export refused while the dashboard stopped (taken at the stop) was retried
// after the restart and landed whole in the second it arrived, and the next one (2 s after it) too: the fleet line
// read null for 6 s, then 294 req/s against 197
test('after a graceful restart, an export retried from before it and the ones right after spread over their seconds', () => {
  withDir((dir) => {
    run(dir, 1, 30, (ap, s) => ap.apply(http('a', s), ms(s)), gracefulStop(30));
    // restarted at 34: the export taken at 31 arrives at 36, then exports resume at 38 (2 s on)
    const { store, view, applier, persistence } = run(dir, 34, 35, () => {}, () => {});
    for (let s = 36; s <= 45; s++) {
      if (s === 36) applier.apply(http('a', 31), ms(s));
      else if (s >= 38) applier.apply(http('a', s), ms(s));
      store.tick(ms(s) + 400);
    }
    const fleet = line(view, ms(46));
    const shown = [...fleet].filter(([s]) => s >= 28 && s <= 44).map(([s, v]) => `${s}:${v === null ? 'null' : Math.round(v)}`).join(' ');
    for (let s = 28; s <= 44; s++) assert.equal(fleet.get(s), 100, `second ${s}: ${shown}`);
    persistence.close();
  });
});

// the aborted requests of a node's first export after an interruption landed in the second it arrived: after a
// restart the aborted line read 0 for the downtime and a burst after it, beside a spread throughput
test('aborted requests caught up after a restart are spread over their seconds like the finished ones, also after a later restart', () => {
  withDir((dir) => {
    run(dir, 1, 30, (ap, s) => ap.apply(withAborted('a', s), ms(s)), gracefulStop(30));
    // restarted: the first export (40) spreads back over 31…40; then a second restart reads that span from the file
    run(dir, 40, 50, (ap, s) => ap.apply(withAborted('a', s), ms(s)), gracefulStop(50));
    const { view, persistence } = run(dir, 55, 56, (ap, s) => ap.apply(withAborted('a', s), ms(s)), () => {});
    const now = ms(57);
    const perSecond = (by?: 'node' | 'route') => {
      const l = view.series({ metric: 'aborted', step: 1, window: 120, now, ...(by ? { by } : {}) }).series.find((x) => by !== 'route' || x.key.route === '/hang')!;
      const at = new Map(l.points.map(([t, v]) => [Math.round((t - T0) / 1000), v]));
      return [20, 31, 35, 40, 41, 45, 51, 55].map((s) => (at.get(s) == null ? at.get(s) : Math.round(at.get(s)! * 1e6) / 1e6));
    };
    const five = [5, 5, 5, 5, 5, 5, 5, 5];
    assert.deepEqual(perSecond(), five, 'the fleet');
    assert.deepEqual(perSecond('route'), five, 'the route');
    assert.deepEqual(perSecond('node'), five, 'the node');
    assert.deepEqual([line(view, now).get(35), line(view, now).get(40)], [100, 100], 'as its requests are');
    // and any window's total is what the spread puts in it
    const fleet = view.fleet({ window: 10, now: ms(45) + 700 });
    assert.equal(Math.round(fleet.aborted), 50);
    persistence.close();
  });
});
