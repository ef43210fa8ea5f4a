// When a node counts as down: silent past 10 s, or past 2.5 of its own export intervals when it exports less often
// (outside audit: an OpenTelemetry SDK at its default 60 s interval looked down 50 s of every 60).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FleetStore } from '../../../server/store/FleetStore.js';
import { FleetView } from '../../../server/query/FleetView.js';

function exporter(intervalMs: number, exports: number): { store: FleetStore; view: FleetView; last: number; node: () => ReturnType<FleetStore['node']> } {
  const t0 = 1_700_000_000_000;
  const store = new FleetStore({}, t0);
  const view = new FleetView(store);
  const svc = store.service('s');
  let last = t0;
  for (let i = 0; i < exports; i++) store.node(svc, { service: 's', instance: 'n', host: 'h', pid: 1, version: null }, (last = t0 + i * intervalMs));
  return { store, view, last, node: () => svc.nodes.get('n') };
}

test('a 1 s exporter is down 10 s after its last export', () => {
  const { view, last, node } = exporter(1000, 20);
  assert.equal(view.isUp(node()!, last + 9_000), true);
  assert.equal(view.isDown(node()!, last + 11_000), true);
});

// outside audit: a dashboard behind on ingest (exports queued for seconds) showed 250 healthy nodes of 1,000 down
test('while ingest is behind, a node whose export may be in the queue is not down', () => {
  const { store, view, last, node } = exporter(1000, 20);
  store.ingestLag = () => 6_000;
  assert.equal(view.isUp(node()!, last + 15_000), true);
  assert.equal(view.isDown(node()!, last + 17_000), true);
});

test('a 60 s exporter stays up between its exports, and is down after 2.5 intervals of silence', () => {
  const { view, last, node } = exporter(60_000, 5);
  assert.equal(node()!.exportIntervalMs, 60_000);
  assert.equal(view.isUp(node()!, last + 59_000), true);
  assert.equal(view.isUp(node()!, last + 140_000), true);
  assert.equal(view.isDown(node()!, last + 151_000), true);
});

test('one long stall does not make a 1 s exporter slow to be seen down (the median of its last gaps)', () => {
  const { store, view, node } = exporter(1000, 10);
  const n = node()!;
  const svc = store.service('s');
  let t = n.lastSeen + 30_000;
  store.node(svc, n.meta, t);
  for (let i = 0; i < 3; i++) store.node(svc, n.meta, (t += 1000));
  assert.equal(n.exportIntervalMs, 1000);
  assert.equal(view.isDown(n, t + 11_000), true);
});

/** A store just opened after a restart at t0, and a 15 s nodeDown rule's reading of its nodes. */
async function restarted() {
  const { FleetViewSource } = await import('../../../server/alerts/source/fleet-view-source.js');
  const t0 = 1_800_000_000_000;
  const store = new FleetStore({}, t0);
  const view = new FleetView(store);
  const svc = store.service('s');
  const meta = (instance: string) => ({ service: 's', instance, host: 'h', pid: 1, version: null });
  const nodeDown = (now: number) => new FleetViewSource(view).read({ metric: 'nodeDown', windowMs: 15_000, scope: 'node' }, now).map((v) => `${v.labels.instance}=${v.value}`);
  return { t0, store, view, svc, meta, nodeDown };
}

// outside UI audit: after a restart of the dashboard its live nodes read down for ~10 s (and a nodeDown rule could fire
// for them): their agents were backing off from the exports the dashboard's downtime failed
test('after the dashboard restarts, a node not heard from since has an agent\'s longest back-off to come back', async () => {
  const { t0, store, view, svc, meta, nodeDown } = await restarted();
  // as a restart loads them: last heard 12 s before this process opened (its downtime)
  store.node(svc, meta('back'), t0)!.lastSeen = t0 - 12_000;
  store.node(svc, meta('dead'), t0)!.lastSeen = t0 - 12_000;
  for (const now of [t0 + 5_000, t0 + 16_000, t0 + 30_000]) {
    assert.equal(view.isUp(svc.nodes.get('back')!, now), true, `up ${now - t0} ms after the restart`);
    assert.deepEqual(nodeDown(now), ['back=0', 'dead=0']);
  }
  // one comes back after its 20 s back-off and is judged as any node from then on
  store.node(svc, meta('back'), t0 + 20_000);
  assert.equal(view.isDown(svc.nodes.get('back')!, t0 + 31_000), true, '11 s after its last export');
  // the other never does: down once the longest back-off has passed
  assert.equal(view.isDown(svc.nodes.get('dead')!, t0 + 37_000), true);
  assert.deepEqual(nodeDown(t0 + 37_000), ['back=1', 'dead=1']);
});

// outside audit: a node killed before a restart of the dashboard read up for the 36 s grace after it, so its firing
// nodeDown alert sent a resolved about 30 s after the restart, then a new firing with a new startsAt
test('a node already down when the dashboard stopped stays down after the restart, with no grace', async () => {
  const { t0, store, view, svc, meta, nodeDown } = await restarted();
  // the previous run wrote its last second 10 s before this one opened: 'live' exported until then, 'dead' stopped 40 s
  // before (down for 30 s when the dashboard stopped), 'brief' 6 s before (not down yet then)
  store.downtime = { from: (t0 - 10_000) / 1000 + 1, to: t0 / 1000 };
  store.node(svc, meta('live'), t0)!.lastSeen = t0 - 10_500;
  store.node(svc, meta('dead'), t0)!.lastSeen = t0 - 50_000;
  store.node(svc, meta('brief'), t0)!.lastSeen = t0 - 16_000;
  for (const now of [t0 + 1_000, t0 + 20_000, t0 + 35_000]) {
    assert.equal(view.isDown(svc.nodes.get('dead')!, now), true, `dead is down ${now - t0} ms after the restart`);
    assert.equal(view.isUp(svc.nodes.get('live')!, now), true, `live is up ${now - t0} ms after the restart`);
    assert.equal(view.isUp(svc.nodes.get('brief')!, now), true, `brief has the grace ${now - t0} ms after the restart`);
    assert.deepEqual(nodeDown(now).sort(), ['brief=0', 'dead=1', 'live=0']);
  }
  assert.equal(view.isDown(svc.nodes.get('live')!, t0 + 37_000), true, 'the grace is over');
});

// isUp, isDown and the nodeDown rules' silentPast work out once per node whether it was down at the dashboard's stop:
// they must read as silenceMs against downAfterMs / restartGraceMs, which work it out each on their own
test('isUp, isDown and silentPast agree with silenceMs, downAfterMs and restartGraceMs across a restart', async () => {
  const { t0, store, view, svc, meta } = await restarted();
  store.downtime = { from: (t0 - 10_000) / 1000 + 1, to: t0 / 1000 };
  for (const [name, ago] of [['live', 10_500], ['dead', 50_000], ['brief', 16_000], ['edge', 20_000]] as const) store.node(svc, meta(name), t0)!.lastSeen = t0 - ago;
  store.node(svc, meta('fresh'), t0 + 2_000);
  store.node(svc, meta('gone'), t0 + 1_000)!.stoppedAt = t0 + 1_000;
  for (const lag of [0, 4_000]) {
    store.ingestLag = () => lag;
    for (let now = t0; now <= t0 + 60_000; now += 500) {
      for (const n of svc.nodes.values()) {
        const silence = view.silenceMs(n, now);
        assert.equal(view.isUp(n, now), n.stoppedAt === undefined && silence <= view.downAfterMs(n), `isUp ${n.meta.instance} at +${now - t0}`);
        assert.equal(view.isDown(n, now), n.stoppedAt === undefined && silence > view.downAfterMs(n), `isDown ${n.meta.instance} at +${now - t0}`);
        for (const after of [5_000, 15_000, 45_000]) {
          const was = view.silenceMs(n, now, after) > Math.max(after, view.restartGraceMs(n, after));
          assert.equal(view.silentPast(n, now, after), was, `silentPast ${n.meta.instance} ${after} at +${now - t0}`);
        }
      }
    }
  }
});
