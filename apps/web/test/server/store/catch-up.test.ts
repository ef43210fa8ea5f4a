// A node's first export after an interruption carries every request served meanwhile: reads spread it over the
// seconds it covers (outside UI audit: after a dashboard restart the stored 1 s throughput read 0 req/s for 11 s,
// then 2,391 against a real ≈ 380), and every total stays exact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExponentialHistogram, type ExportMetricsRequest } from '@perf/metrics';
import { histogramExport } from '../lib/otlp.js';
import { FleetStore } from '../../../server/store/FleetStore.js';
import { FleetView } from '../../../server/query/FleetView.js';
import { Applier } from '../../../server/ingest/apply.js';
import { IngestStats } from '../../../server/ingest/stats.js';
import { catchUpAdjustment, isCatchUp, noteCatchUp, type CatchUp } from '../../../server/store/catch-up.js';

const T0 = Math.floor(Date.now() / 1000) * 1000 - 600_000;

test('a delta that caught up on an interruption counts over the seconds it covers: per second, per node, per window', () => {
  const store = new FleetStore({}, T0);
  const applier = new Applier(store, new IngestStats());
  (applier as unknown as { startNs: number }).startNs = 0;
  const view = new FleetView(store);
  const ok = { attributes: { 'http.request.method': 'GET', 'http.route': '/a', 'http.response.status_code': 200 }, h: new ExponentialHistogram({ maxScale: 6 }) };
  const bad = { attributes: { 'http.request.method': 'GET', 'http.route': '/a', 'http.response.status_code': 503 }, h: new ExponentialHistogram({ maxScale: 6 }) };
  const other = { attributes: { 'http.request.method': 'GET', 'http.route': '/a', 'http.response.status_code': 200 }, h: new ExponentialHistogram({ maxScale: 6 }) };
  // n1 serves 90 + 10 errors a second throughout; it exports every second except for 20 s (seconds 41–60) it cannot
  // reach the dashboard, and its export of second 50, retried, arrives in second 61 just before that second's; n2
  // serves 50 a second and never stops exporting
  let now = T0;
  let retried: ExportMetricsRequest | undefined;
  for (let s = 1; s <= 100; s++) {
    for (let i = 0; i < 90; i++) ok.h.record(0.01);
    for (let i = 0; i < 10; i++) bad.h.record(0.01);
    for (let i = 0; i < 50; i++) other.h.record(0.01);
    now = T0 + s * 1000 + 300;
    if (s === 50) retried = structuredClone(histogramExport('n1', [ok, bad], T0 * 1e6, now));
    if (s === 61) applier.apply(retried!, now);
    if (s <= 40 || s > 60) applier.apply(histogramExport('n1', [ok, bad], T0 * 1e6, now), now);
    applier.apply(histogramExport('n2', [other], T0 * 1e6, now), now);
    store.tick(now + 200);
  }
  const sec = (x: number) => Math.floor(T0 / 1000) + x;
  const series = view.series({ metric: 'rps', step: 1, window: 120, now: now + 1000 });
  const at = new Map(series.series[0].points.map(([t, v]) => [t / 1000, v]));
  // before, during and after the interruption, and the second the catch-up landed in: the fleet's 150 a second
  const seen = [20, 41, 50, 60, 61, 62, 80].map((x) => Math.round(at.get(sec(x)) ?? NaN));
  assert.deepEqual(seen, [150, 150, 150, 150, 150, 150, 150]);
  // the node's own line and error rate
  const byNode = view.series({ metric: 'rps', by: 'node', step: 1, window: 120, now: now + 1000 });
  const n1 = new Map(byNode.series.find((l) => l.key.instance === 'n1')!.points.map(([t, v]) => [t / 1000, v]));
  assert.deepEqual([45, 61, 70].map((x) => Math.round(n1.get(sec(x)) ?? NaN)), [100, 100, 100]);
  const errors = view.series({ metric: 'errorRate', step: 1, window: 120, now: now + 1000 });
  const er = new Map(errors.series[0].points.map(([t, v]) => [t / 1000, v]));
  assert.ok(Math.abs((er.get(sec(61)) ?? NaN) - 10 / 150) < 1e-9, `error rate in the catch-up second ${er.get(sec(61))}`);
  // totals: exact over a window that holds the whole interruption, and a window holding only its landing second counts
  // only that second's share
  assert.equal(view.fleet({ window: 100, now: now + 1000 }).requests, 100 * 150);
  assert.equal(Math.round(view.fleet({ window: 39, now: now + 1000 }).requests), 39 * 150);
  const [row] = view.nodes({ window: 100, now: now + 1000 }).filter((r) => r.instance === 'n1');
  assert.equal(Math.round(row.rps * 100), 100 * 100);
  // and at the 10 s tier's steps once rolled up: every step the same
  const coarse = view.series({ metric: 'rps', step: 10, window: 100, now: now + 1000 });
  const steps = coarse.series[0].points.filter(([t]) => t / 1000 >= sec(11) && t / 1000 < sec(91)).map(([, v]) => Math.round(v ?? NaN));
  assert.deepEqual(new Set(steps), new Set([150]));
});

test('what is a catch-up: longer than 3 s and than twice the node\'s interval; a span adds its share to any range', () => {
  assert.equal(isCatchUp(100, 101, 1000), false, 'the next export');
  assert.equal(isCatchUp(100, 102, 1000), false);
  assert.equal(isCatchUp(100, 110, 1000), true, 'an interruption of 10 s');
  assert.equal(isCatchUp(100, 160, 60_000), false, 'an SDK exporting every 60 s: its interval, not an interruption');
  assert.equal(isCatchUp(100, 400, 60_000), true);
  assert.equal(isCatchUp(0, 10, 1000), false, 'no previous point');
  const list: CatchUp[] = [];
  noteCatchUp(list, 11, 20, 20, 100, 10);
  noteCatchUp(list, 11, 20, 20, 50, 0);
  noteCatchUp(list, 11, 20, 20, 0, 0, 8);
  assert.deepEqual(list, [{ from: 11, to: 20, at: 20, requests: 150, errors: 10, aborted: 8 }], 'the node\'s series land together: one span');
  const acc = { requests: 0, errors: 0 };
  catchUpAdjustment(list, 11, 15, acc);
  assert.deepEqual(acc, { requests: 75, errors: 5 }, 'half its seconds, landing outside: half of it added');
  const withAborted = { requests: 0, errors: 0, aborted: 0 };
  catchUpAdjustment(list, 11, 15, withAborted);
  assert.deepEqual(withAborted, { requests: 75, errors: 5, aborted: 4 }, 'and half its aborted requests, for a read that sums them');
  const landed = { requests: 150, errors: 10 };
  catchUpAdjustment(list, 16, 25, landed);
  assert.deepEqual(landed, { requests: 75, errors: 5 }, 'summed whole where it landed: the other half taken off');
  const notYet = { requests: 0, errors: 0 };
  catchUpAdjustment(list, 11, 15, notYet, 19);
  assert.deepEqual(notYet, { requests: 0, errors: 0 }, 'not read before the second it arrived in is');
  // an export taken at 20 and delivered at 30 (retried across a restart): spread over 11…20, taken off 30
  const late: CatchUp[] = [];
  noteCatchUp(late, 11, 20, 30, 100, 0);
  const whole = { requests: 100, errors: 0 };
  catchUpAdjustment(late, 11, 30, whole);
  assert.deepEqual(whole, { requests: 100, errors: 0 }, 'a window holding both: unchanged');
  const arrival = { requests: 100, errors: 0 };
  catchUpAdjustment(late, 21, 30, arrival);
  assert.deepEqual(arrival, { requests: 0, errors: 0 }, 'the seconds it arrived in: nothing of it');
});
