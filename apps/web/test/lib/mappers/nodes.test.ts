import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NodeRow } from '../../../server/api/types.js';
import { filterNodes, fleetMedians, median, mediansByService, outlier, paginate, sortNodes } from '../../../lib/mappers/nodes.js';

function node(i: number, p99: number | null, extra: Partial<NodeRow> = {}): NodeRow {
  return {
    instance: `node-${i}`,
    service: i % 2 ? 'api' : 'web',
    host: `host-${i}`,
    rps: 100,
    latency: { p50: 0.01, p99 },
    eventLoopDelay: { p99: 0.001 },
    elu: 0.3,
    cpu: 0.3,
    heapUsed: 50e6,
    lastSeen: 1000 + i,
    up: true,
    stopped: false,
    pid: i,
    errorRate: 0,
    eventLoopDelayMax: null,
    rss: null,
    heapLimit: null,
    handles: null,
    fds: null,
    gcShare: null,
    version: null,
    firstSeen: 0,
    aborted: 0,
    inFlight: null,
    inFlightRoutes: null,
    ...extra,
  };
}

test('median of odd, even and empty lists', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 2, 3]), 2.5);
  assert.equal(median([]), null);
});

test('one slow node among similar ones is an outlier; the others are not', () => {
  // seeded noise around 50 ms
  let seed = 7;
  const rnd = () => ((seed = (seed * 48271) % 2147483647) / 2147483647);
  const nodes = Array.from({ length: 40 }, (_, i) => node(i, 0.05 * (0.9 + 0.2 * rnd())));
  nodes.push(node(99, 0.4));
  const m = fleetMedians(nodes);
  const flagged = nodes.filter((n) => outlier(n.latency.p99, 'p99', m, nodes.length) === 'high').map((n) => n.instance);
  assert.deepEqual(flagged, ['node-99']);
});

test('a node taking half the traffic is flagged low on req/s; widely spread fleets are not flagged', () => {
  const nodes = Array.from({ length: 10 }, (_, i) => node(i, 0.05));
  nodes.push(node(50, 0.05, { rps: 20 }));
  const m = fleetMedians(nodes);
  assert.equal(outlier(20, 'rps', m, nodes.length), 'low');
  // …and one taking 3× the median is the load imbalance the finder reports (outside UI audit: not marked)
  const skewed = [...nodes.slice(0, 10), node(60, 0.05, { rps: 300 })];
  assert.equal(outlier(300, 'rps', fleetMedians(skewed), skewed.length), 'high');
  const spread = Array.from({ length: 10 }, (_, i) => node(i, 0.01 * 2 ** i));
  const ms = fleetMedians(spread);
  assert.equal(outlier(spread[6].latency.p99, 'p99', ms, spread.length), null);
});

test('down nodes do not move the median and tiny fleets have no outliers', () => {
  const nodes = [node(1, 0.05), node(2, 0.05), node(3, 0.05), node(4, 5, { up: false })];
  assert.equal(fleetMedians(nodes).median.p99, 0.05);
  assert.equal(outlier(1, 'p99', fleetMedians(nodes.slice(0, 2)), 2), null);
});

test('sort puts nulls last in both directions and is stable', () => {
  const nodes = [node(1, 0.2), node(2, null), node(3, 0.1), node(4, 0.2)];
  assert.deepEqual(sortNodes(nodes, 'p99', 'desc').map((n) => n.instance), ['node-1', 'node-4', 'node-3', 'node-2']);
  assert.deepEqual(sortNodes(nodes, 'p99', 'asc').map((n) => n.instance), ['node-3', 'node-1', 'node-4', 'node-2']);
  assert.deepEqual(sortNodes(nodes, 'instance', 'desc').map((n) => n.instance), ['node-4', 'node-3', 'node-2', 'node-1']);
});

test('filter by text and state', () => {
  const nodes = [node(1, 0.1), node(2, 0.1, { up: false }), node(12, 0.1)];
  assert.deepEqual(filterNodes(nodes, 'NODE-1').map((n) => n.instance), ['node-1', 'node-12']);
  assert.deepEqual(filterNodes(nodes, '', 'down').map((n) => n.instance), ['node-2']);
  assert.deepEqual(filterNodes(nodes, 'web', 'up').map((n) => n.instance), ['node-12']);
  // a node that stopped gracefully is neither up nor down
  const withStopped = [...nodes, node(7, 0.1, { up: false, stopped: true })];
  assert.deepEqual(filterNodes(withStopped, '', 'down').map((n) => n.instance), ['node-2']);
  assert.deepEqual(filterNodes(withStopped, '', 'stopped').map((n) => n.instance), ['node-7']);
});

test('paginate clamps the page', () => {
  const rows = Array.from({ length: 120 }, (_, i) => i);
  assert.deepEqual(paginate(rows, 2, 50), { rows: rows.slice(100), page: 2, pages: 3 });
  assert.equal(paginate(rows, 9, 50).page, 2);
  assert.deepEqual(paginate([], 0, 50), { rows: [], page: 0, pages: 1 });
});

test('peers are the nodes of the same service', () => {
  const nodes = [
    ...Array.from({ length: 5 }, (_, i) => node(i * 2 + 1, 0.05, { rps: 200 })), // api
    ...Array.from({ length: 5 }, (_, i) => node(i * 2, 0.05, { rps: 50 })), // web
  ];
  const peers = mediansByService(nodes);
  assert.equal(peers.get('api')?.medians.median.rps, 200);
  assert.equal(peers.get('web')?.medians.median.rps, 50);
  const web = peers.get('web');
  assert.ok(web);
  // against its own service a web node at 50 req/s is normal (against the whole fleet it would be "low")
  assert.equal(outlier(50, 'rps', web.medians, web.size), null);
});
