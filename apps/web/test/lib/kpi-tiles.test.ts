// The overview's tiles say what they cover: over a range the data starts within, the rate is over the part with data
// (outside UI audit: "req/s · last 1 h" on a dashboard 20 min old read as an hour's mean).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fleetTiles } from '../../components/kpi-tiles.js';
import type { Fleet } from '../../server/api/types.js';

const fleet = (window: number): Fleet => ({
  rps: 100,
  errorRate: 0,
  latency: { p50: 0.01, p90: 0.02, p99: 0.05, p999: 0.1 },
  eventLoopDelay: { p50: 0.001, p99: 0.002, max: 0.01 },
  nodes: 3,
  service: null,
  window,
  at: 0,
  requests: 100 * window,
  errors: 0,
  nodesUp: 3,
  nodesDown: 0,
  nodesStopped: 0,
  elu: 0.1,
  cpu: 0.1,
  relativeError: 0.0054,
  foldedSeries: 0,
  aborted: 0,
  inFlight: null,
});

test('the throughput tile says when its rate is over less than the range', () => {
  const sub = (f: Fleet, seconds?: number) => fleetTiles(f, 'the last 1 h', seconds).find((t) => t.id === 'rps')!.sub;
  assert.equal(sub(fleet(1380), 3600), '138,000 requests in last 1 h: a rate over the 23 min with data');
  assert.equal(sub(fleet(3600), 3600), '360,000 requests in last 1 h');
  assert.equal(sub(fleet(10)), '1,000 requests in last 1 h', 'live: the stream\'s window, nothing to say');
  // after a crash of the dashboard, before its nodes are counted again: no rate (null), and the tile says why
  const unknown = { ...fleet(0), rps: NaN, requests: 250 };
  assert.equal(sub(unknown, 3600), '250 requests in last 1 h: no second of it known yet');
  assert.equal(fleetTiles(unknown, 'the last 1 h', 3600).find((t) => t.id === 'rps')!.value, '—');
});

test('the error tile says how many requests the clients aborted, when any were', () => {
  const sub = (aborted: number) => fleetTiles({ ...fleet(60), errors: 2, aborted }, 'the last 1 min').find((t) => t.id === 'error-rate')!.sub;
  assert.equal(sub(0), '2 errors in last 1 min');
  assert.equal(sub(1), '2 errors, 1 aborted request in last 1 min');
  assert.equal(sub(12), '2 errors, 12 aborted requests in last 1 min');
});
