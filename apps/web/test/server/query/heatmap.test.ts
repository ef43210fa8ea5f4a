// The latency heatmap (server/query/heatmap.ts): each bucket's requests land in the row of its latency, at the rows'
// scale (4 per doubling), whatever scale the routes were sent at, fleet-wide and for one node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expPoint, httpExp, request, resource } from '../lib/otlp.js';
import { FleetStore } from '../../../server/store/FleetStore.js';
import { FleetView } from '../../../server/query/FleetView.js';
import { Applier } from '../../../server/ingest/apply.js';
import { IngestStats } from '../../../server/ingest/stats.js';

const T0 = Math.floor(Date.now() / 1000) * 1000 - 600_000;
const ms = (s: number) => T0 + s * 1000 + 300;

/** The row (bounds[i], bounds[i + 1]] a latency falls in, or −1. */
function rowOf(bounds: number[], seconds: number): number {
  for (let i = 0; i + 1 < bounds.length; i++) if (seconds > bounds[i] && seconds <= bounds[i + 1]) return i;
  return -1;
}

test('heatmap rows hold each bucket\'s requests at its latency, for routes sent at different scales, fleet-wide and per node', () => {
  const store = new FleetStore({}, ms(0) - 300);
  const applier = new Applier(store, new IngestStats());
  // per second: /fine at scale 6, 10 requests in (2^(-448/64), 2^(-447/64)] = (7.81, 7.90] ms and 3 in bucket −315
  // ((32.9, 33.3] ms); /coarse at scale 3, 5 requests in (2^(-18/8), 2^(-17/8)] = (210, 229] ms
  for (let s = 1; s <= 20; s++) {
    const time = ms(s) * 1e6;
    const start = (ms(s) - 1000) * 1e6;
    const counts = new Array<number>(134).fill(0);
    counts[0] = 10;
    counts[133] = 3;
    applier.apply(
      request(resource('svc', 'n-1'), [
        httpExp('delta', [
          expPoint({ route: '/fine', start, time, scale: 6, offset: -448, counts }),
          expPoint({ route: '/coarse', start, time, scale: 3, offset: -18, counts: [5] }),
        ]),
      ]),
      ms(s),
    );
    store.tick(ms(s) + 700);
  }
  const view = new FleetView(store);
  const now = ms(21);

  const fleet = view.heatmap({ now, window: 20, step: 5 });
  assert.ok(fleet.times.length >= 4 && fleet.times.length <= 5, 'steps of 5 s over 20 s');
  const total = (row: number) => fleet.counts.reduce((sum, c) => sum + (c[row] ?? 0), 0);
  // the merge is at the coarser scale (3): 7.85 ms and 33 ms land in their rows whole, as 220 ms does
  for (const [latency, n] of [
    [0.00785, 10 * 20],
    [0.033, 3 * 20],
    [0.22, 5 * 20],
  ] as const) {
    const row = rowOf(fleet.bounds, latency);
    assert.ok(row >= 0, `a row holds ${latency} s: ${fleet.bounds.join(', ')}`);
    assert.equal(total(row), n, `${latency} s`);
  }
  assert.equal(fleet.counts.flat().reduce((a, b) => a + b, 0), 18 * 20, 'every request in some row');
  // rows are 2^(1/4) apart
  for (let i = 1; i < fleet.bounds.length; i++) assert.ok(Math.abs(fleet.bounds[i] / fleet.bounds[i - 1] - 2 ** 0.25) < 1e-9);
  assert.equal(fleet.maxCount, Math.max(...fleet.counts.flat()));

  const node = view.heatmap({ now, window: 20, step: 5, instance: 'n-1' });
  assert.equal(node.counts.flat().reduce((a, b) => a + b, 0), 18 * 20, 'the node\'s requests, every one in some row');
  const nodeTotal = (row: number) => node.counts.reduce((sum, c) => sum + (c[row] ?? 0), 0);
  assert.equal(nodeTotal(rowOf(node.bounds, 0.22)), 5 * 20);
  assert.equal(nodeTotal(rowOf(node.bounds, 0.033)), 3 * 20);
});
