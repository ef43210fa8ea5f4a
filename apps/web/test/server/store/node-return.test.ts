// Outside audit AB1: a node silent longer than PERF_NODE_RETENTION (a network partition, a paused VM) is forgotten; when
// it came back with its process's cumulative totals, its series were taken for new ones (started after this receiver)
// and counted whole again: 3,500 requests served, 5,500 shown, with a spike of 2,100 in one second.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExponentialHistogram } from '@perf/metrics';
import { histogramExport } from '../lib/otlp.js';
import { FleetStore } from '../../../server/store/FleetStore.js';
import { FleetView } from '../../../server/query/FleetView.js';
import { Applier } from '../../../server/ingest/apply.js';
import { IngestStats } from '../../../server/ingest/stats.js';

const T0 = Math.floor(Date.now() / 1000) * 1000 - 3_600_000;
const attributes = { 'http.request.method': 'GET', 'http.route': '/a', 'http.response.status_code': 200 };

function run(restartedMeanwhile: boolean) {
  const store = new FleetStore({ nodeRetentionMs: 60_000 }, T0);
  const applier = new Applier(store, new IngestStats());
  // the receiver started before the node's process: its series are new traffic from their first point
  (applier as unknown as { startNs: number }).startNs = T0 * 1e6;
  const view = new FleetView(store);
  let series = { attributes, h: new ExponentialHistogram({ maxScale: 6 }) };
  let start = (T0 + 500) * 1e6;
  let now = T0;
  const serve = (from: number, to: number) => {
    for (let s = from; s <= to; s++) {
      for (let i = 0; i < 100; i++) series.h.record(0.01);
      now = T0 + s * 1000 + 300;
      applier.apply(histogramExport('n1', [series], start, now), now);
      store.tick(now + 200);
    }
  };
  serve(1, 20); // 2,000 requests
  // 70 s of silence (past the retention): the node is forgotten
  for (let s = 21; s <= 90; s++) store.tick(T0 + s * 1000 + 500);
  assert.equal(store.service('svc').nodes.has('n1'), false, 'forgotten');
  if (restartedMeanwhile) {
    // a new process under the same instance id: its totals start from 0, after the node was last seen
    series = { attributes, h: new ExponentialHistogram({ maxScale: 6 }) };
    start = (T0 + 85_000) * 1e6;
  }
  serve(91, 105); // 1,500 more
  return view.fleet({ window: 200, now: now + 1000 }).requests;
}

test('a node forgotten after a long silence and back with its totals: nothing counted twice', () => {
  // the first point after the return is a baseline (what the silence served is lost: none here), the rest count
  assert.equal(run(false), 2000 + 1400);
});

test('a node forgotten and back as a new process (started after it was last seen): its first export counts whole', () => {
  assert.equal(run(true), 2000 + 1500);
});
