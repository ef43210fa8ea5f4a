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

// outside audit (hostile input): one 60 KB export naming 200 services locked every new service out for as long as the
// coarse tiers kept theirs (up to 7 days), restarts included
test('at the service cap, a service with no node left makes room for a new one; one with a node never does', () => {
  const t0 = 1_800_000_000_000;
  const store = new FleetStore({ maxServices: 2, nodeRetentionMs: 60_000 }, t0);
  for (const name of ['fake', 'real']) {
    const svc = store.service(name);
    store.node(svc, meta(name, `${name}-1`), t0);
    store.route(svc, 'GET', '/x').tiers[1].set(Math.floor(t0 / 10_000), { requests: 1, errors: 0, aborted: 0, hist: undefined as never });
  }
  assert.equal(store.serviceAllowed('new', t0 + 1000), false, 'both have their node');
  // 'real' keeps exporting; 'fake' sent once: its node is forgotten after the retention, its history stays
  for (let t = t0 + 1000; t <= t0 + 62_000; t += 1000) store.node(store.service('real'), meta('real', 'real-1'), t);
  store.tick(t0 + 62_000);
  assert.equal(store.services.get('fake')?.nodes.size, 0);
  assert.equal(store.services.get('fake')?.routes.size, 1, 'its history is kept until room is needed');
  assert.equal(store.serviceAllowed('new', t0 + 62_500), true);
  assert.deepEqual([...store.services.keys()].sort(), ['real']);
  assert.equal(store.evictedServices, 1);
  store.node(store.service('new'), meta('new', 'new-1'), t0 + 62_500);
  assert.equal(store.serviceAllowed('newer', t0 + 63_000), false, '"real" and "new" are live');
});
