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
