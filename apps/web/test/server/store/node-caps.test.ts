// Outside audit (hostile input): the instance caps were first-come. 5,000 fake instances, each sent once, kept every
// new node (a restarted pod included) uncounted for the 15 min of the node retention: a second real agent served 1,580
// requests and the dashboard counted none. At a cap, a node silent for a minute (or stopped) makes room for a new one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FleetStore } from '../../../server/store/FleetStore.js';

// FleetStore's EVICT_SILENT_MS
const EVICT_SILENT_MS = 60_000;

const meta = (service: string, instance: string) => ({ service, instance, host: 'h', pid: 1, version: null });

test('at the instance cap, the node silent longest makes room for a new one; live nodes never do', () => {
  const t0 = 1_800_000_000_000;
  const store = new FleetStore({ maxNodesPerService: 3 }, t0);
  const svc = store.service('s');
  store.node(svc, meta('s', 'fake-1'), t0);
  store.node(svc, meta('s', 'fake-2'), t0 + 1000);
  store.node(svc, meta('s', 'live'), t0);
  // all three live: a fourth is folded (and the store does not scan again within the second)
  for (let t = t0 + 2000; t < t0 + 30_000; t += 1000) store.node(svc, meta('s', 'live'), t);
  assert.equal(store.node(svc, meta('s', 'new-1'), t0 + 30_000), undefined);
  // a minute later the fakes are silent; 'live' still exports
  const t1 = t0 + 1000 + EVICT_SILENT_MS + 1;
  for (let t = t0 + 30_000; t <= t1; t += 1000) store.node(svc, meta('s', 'live'), t);
  assert.ok(store.node(svc, meta('s', 'new-1'), t1), 'the new node is let in');
  assert.deepEqual([...svc.nodes.keys()].sort(), ['fake-2', 'live', 'new-1'], 'the one silent longest went');
  assert.ok(store.node(svc, meta('s', 'new-2'), t1 + 10), 'and the next');
  assert.deepEqual([...svc.nodes.keys()].sort(), ['live', 'new-1', 'new-2']);
  assert.equal(store.evictedNodes, 2);
  // now every node is live again: nothing can go
  assert.equal(store.node(svc, meta('s', 'new-3'), t1 + 20), undefined);
});

test('at the cap across services, a silent node of another service makes room; a stopped one at once', () => {
  const t0 = 1_800_000_000_000;
  const store = new FleetStore({ maxNodes: 2 }, t0);
  const a = store.service('a');
  const b = store.service('b');
  store.node(a, meta('a', 'a-1'), t0);
  const stopped = store.node(a, meta('a', 'a-2'), t0)!;
  stopped.stoppedAt = t0 + 500;
  assert.ok(store.node(b, meta('b', 'b-1'), t0 + 1000), 'the stopped node made room');
  assert.deepEqual([...a.nodes.keys()], ['a-1']);
  assert.equal(store.node(b, meta('b', 'b-2'), t0 + 2000), undefined, 'a-1 has been silent for 2 s only');
  assert.ok(store.node(b, meta('b', 'b-2'), t0 + EVICT_SILENT_MS + 1000), 'a-1 silent for a minute');
  assert.equal(a.nodes.size, 0);
});
