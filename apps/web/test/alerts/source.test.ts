// The rules' metric source over the real dashboard (in process, alerts module mounted) fed by the simulator:
// fleet, node and nodeDown rules fire with the right labels and values in the API's units.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../../server/server.js';
import { FleetSimulator } from '../../simulator/fleet.js';
import { runSimulation } from '../../simulator/run.js';
import { Receiver, until } from './lib/receiver.js';
import { tempDir } from './lib/engine.js';
import type { AlertsView } from '../../server/alerts/engine/engine.js';
import type { FleetStore, ServiceState } from '../../server/store/FleetStore.js';

/** Node `api-<k>` of service `api` as its export at `atMs` makes it (pid k unless given). */
function apiNode(store: FleetStore, svc: ServiceState, k: number, atMs: number, pid = k) {
  return store.node(svc, { service: 'api', instance: `api-${k}`, host: 'h', pid, version: null }, atMs)!;
}

const cleanups: (() => unknown)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => {});
});

/** A dashboard (every module) on a temporary data dir, fed by `nodes` simulated nodes of service `api`; cleaned up after. */
async function simulatedDashboard(prefix: string, nodes: number) {
  const tmp = tempDir(prefix);
  cleanups.push(() => tmp.cleanup());
  const srv = await startServer({ ui: false, port: 0, otlpPort: 0, host: '127.0.0.1', dataDir: tmp.dir, log: () => {} });
  cleanups.push(() => srv.close());
  const sim = new FleetSimulator({ nodes, rpsPerNode: 50, routes: 2, service: 'api' });
  const run = runSimulation(sim, { target: srv.otlpUrl });
  cleanups.push(() => {
    run.stop();
    run.sender.close();
  });
  return { srv, sim };
}

test('FleetViewSource: fleet rps, node event-loop delay and nodeDown rules over simulated nodes', { timeout: 90_000 }, async () => {
  const { srv, sim } = await simulatedDashboard('perf-alerts-source-', 3);
  const post = async (rule: object) => {
    const res = await fetch(`${srv.url}/api/v1/alerts/rules`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(rule) });
    assert.equal(res.status, 201, await res.clone().text());
  };
  await post({ name: 'Fleet has traffic', scope: 'fleet', metric: 'rps', op: '>', threshold: 10, window: '5s' });
  await post({ name: 'Fleet floor', service: 'api', scope: 'fleet', metric: 'rps', op: '<', threshold: 1e6, window: '5s' });
  await post({ name: 'Loop slow', scope: 'node', metric: 'eventLoopDelay.p99', op: '>', threshold: 0.02, window: '3s' });
  await post({ name: 'Node down', scope: 'node', metric: 'nodeDown', window: '3s' });
  sim.applyAnomaly({ target: 'node', index: 1, kind: 'eventloop', value: 50 });

  const alerts = async () => (await (await fetch(`${srv.url}/api/v1/alerts`)).json()) as AlertsView;
  const firing = (v: AlertsView, name: string) => v.active.filter((a) => a.ruleName === name && a.state === 'firing');

  const v1 = await until(async () => {
    const v = await alerts();
    return firing(v, 'Fleet has traffic').length && firing(v, 'Loop slow').length ? v : undefined;
  }, 30_000, 'fleet and node alerts');
  const fleet = firing(v1, 'Fleet has traffic')[0];
  assert.deepEqual(fleet.labels, { alertname: 'Fleet has traffic' });
  assert.ok(fleet.value! > 10 && fleet.value! < 1000, `fleet rps ${fleet.value}`);
  assert.deepEqual(firing(v1, 'Fleet floor')[0]?.labels, { alertname: 'Fleet floor', service: 'api' });
  const loop = firing(v1, 'Loop slow');
  assert.deepEqual(loop.map((a) => a.labels.instance), ['api-1'], 'only the node with the slow loop');
  assert.equal(loop[0].labels.service, 'api');
  assert.ok(loop[0].value! > 0.02 && loop[0].value! < 5, `event-loop p99 ${loop[0].value} s`);
  assert.equal(firing(v1, 'Node down').length, 0, 'every node is reporting');

  sim.applyAnomaly({ target: 'node', index: 2, kind: 'down', value: 0 });
  const down = await until(async () => firing(await alerts(), 'Node down')[0], 30_000, 'node down alert');
  assert.equal(down.labels.instance, 'api-2');
  assert.match(down.annotations.summary, /node api-2 .*stopped reporting/);
});

test('finding rules: fleet counts live findings of the kind; node and route scopes get one value per subject', async () => {
  const { FleetViewSource } = await import('../../server/alerts/source/fleet-view-source.js');
  const findings = [
    { kind: 'event-loop-blocked', service: 'api', nodes: ['api-1', 'api-2'], routes: ['GET /slow'] },
    { kind: 'event-loop-blocked', service: 'web', nodes: ['web-0'], routes: [] },
    { kind: 'memory-leak', service: 'api', nodes: ['api-3'], routes: [] },
  ];
  // finding reads never touch the store view
  const src = new FleetViewSource(undefined as never, () => findings);
  const q = { metric: 'finding' as const, finding: 'event-loop-blocked', windowMs: 30_000 };
  const plain = (values: { labels: Record<string, string>; value: number }[]) => values.map(({ labels, value }) => ({ labels, value }));
  assert.deepEqual(plain(src.read({ ...q, scope: 'fleet' }, 0)), [{ labels: {}, value: 2 }]);
  assert.deepEqual(plain(src.read({ ...q, scope: 'fleet', service: 'web' }, 0)), [{ labels: {}, value: 1 }]);
  assert.deepEqual(
    src.read({ ...q, scope: 'node' }, 0).map((v) => v.labels),
    [{ instance: 'api-1', service: 'api' }, { instance: 'api-2', service: 'api' }, { instance: 'web-0', service: 'web' }],
  );
  assert.deepEqual(plain(src.read({ ...q, scope: 'route' }, 0)), [{ labels: { route: '/slow', method: 'GET', service: 'api' }, value: 1 }]);
  assert.deepEqual(src.read({ ...q, scope: 'fleet', finding: 'gc-pressure' }, 0), [{ labels: {}, value: 0 }]);
});

test('finding rules: "any" counts every kind; consequences: false counts root causes only', async () => {
  const { FleetViewSource } = await import('../../server/alerts/source/fleet-view-source.js');
  // GC pressure on api-1 causes its blocked loop (causedBy), which causes a slow route; a leak elsewhere stands alone
  const findings = [
    { kind: 'gc-pressure', service: 'api', nodes: ['api-1'], routes: [], causedBy: [] },
    { kind: 'event-loop-blocked', service: 'api', nodes: ['api-1'], routes: [], causedBy: ['gc'] },
    { kind: 'hot-route', service: 'api', nodes: ['api-1'], routes: ['GET /report'], causedBy: ['blocked'] },
    { kind: 'memory-leak', service: 'api', nodes: ['api-3'], routes: [] },
  ];
  const src = new FleetViewSource(undefined as never, () => findings);
  const any = { metric: 'finding' as const, finding: 'any', windowMs: 30_000 };
  assert.deepEqual(src.read({ ...any, scope: 'fleet' }, 0).map((v) => v.value), [4]);
  assert.deepEqual(src.read({ ...any, scope: 'fleet', consequences: false }, 0).map((v) => v.value), [2]);
  assert.deepEqual(
    src.read({ ...any, scope: 'node', consequences: false }, 0).map((v) => [v.labels.instance, v.value]),
    [
      ['api-1', 1],
      ['api-3', 1],
    ],
  );
  assert.deepEqual(src.read({ ...any, scope: 'node' }, 0).map((v) => [v.labels.instance, v.value]), [
    ['api-1', 3],
    ['api-3', 1],
  ]);
  const blocked = { metric: 'finding' as const, finding: 'event-loop-blocked', windowMs: 30_000 };
  assert.deepEqual(src.read({ ...blocked, scope: 'fleet' }, 0).map((v) => v.value), [1]);
  assert.deepEqual(src.read({ ...blocked, scope: 'fleet', consequences: false }, 0).map((v) => v.value), [0], 'the blocked loop is GC’s consequence');
});

test('consequences: false waits for a new finding\'s cause: a finding without one counts only after ROOT_CAUSE_HOLD_MS', async () => {
  const { FleetViewSource, ROOT_CAUSE_HOLD_MS } = await import('../../server/alerts/source/fleet-view-source.js');
  const t0 = 1_000_000;
  // the blocked loop is raised first; the diagnoser links it to the GC pressure behind it a few seconds later
  let findings: { kind: string; nodes: string[]; routes: string[]; since: number; causedBy?: string[] }[] = [{ kind: 'event-loop-blocked', nodes: ['api-1'], routes: [], since: t0 }];
  const src = new FleetViewSource(undefined as never, () => findings);
  const roots = { metric: 'finding' as const, finding: 'any', windowMs: 30_000, scope: 'fleet' as const, consequences: false };
  assert.deepEqual(src.read(roots, t0 + 1000).map((v) => v.value), [0], 'too young to be called a root cause');
  findings = [
    { kind: 'gc-pressure', nodes: ['api-1'], routes: [], since: t0 + 3000, causedBy: [] },
    { kind: 'event-loop-blocked', nodes: ['api-1'], routes: [], since: t0, causedBy: ['gc'] },
  ];
  assert.deepEqual(src.read(roots, t0 + 4000).map((v) => v.value), [0], 'linked now; the cause is still young');
  assert.deepEqual(src.read(roots, t0 + 3000 + ROOT_CAUSE_HOLD_MS).map((v) => v.value), [1], 'the cause, once it has held');
  // any finding, consequences counted: at once, as before
  assert.deepEqual(src.read({ ...roots, consequences: undefined }, t0 + 1000).map((v) => v.value), [2]);
});

test('finding rules: each value carries the summaries of its findings; the rule’s own description wins', async () => {
  const { FleetViewSource } = await import('../../server/alerts/source/fleet-view-source.js');
  const { renderAnnotations } = await import('../../server/alerts/engine/template.js');
  const { rule } = await import('./lib/rules.js');
  const findings = [
    { kind: 'event-loop-blocked', service: 'api', nodes: ['api-1'], routes: [], summary: 'Event loop blocked on node api-1. Profiled on api-1: 62% of the time in renderInvoice (billing/invoice.js:88).' },
    { kind: 'event-loop-blocked', service: 'api', nodes: ['api-1', 'api-2'], routes: [], summary: 'Event loop blocked on 2 nodes.' },
  ];
  const src = new FleetViewSource(undefined as never, () => findings);
  const q = { metric: 'finding' as const, finding: 'event-loop-blocked', windowMs: 30_000 };
  assert.deepEqual(
    src.read({ ...q, scope: 'node' }, 0).map((v) => [v.labels.instance, v.detail]),
    [
      ['api-1', `${findings[0].summary} ${findings[1].summary}`],
      ['api-2', findings[1].summary],
    ],
  );
  assert.equal(src.read({ ...q, scope: 'fleet' }, 0)[0].detail, `${findings[0].summary} ${findings[1].summary}`);
  const r = rule({ name: 'Blocked', scope: 'node', metric: 'finding', finding: 'event-loop-blocked' });
  assert.equal(renderAnnotations(r, { instance: 'api-2' }, 1, findings[1].summary).description, findings[1].summary);
  const own = rule({ name: 'Blocked', scope: 'node', metric: 'finding', finding: 'event-loop-blocked', annotations: { description: 'see the runbook' } });
  assert.equal(renderAnnotations(own, { instance: 'api-2' }, 1, findings[1].summary).description, 'see the runbook');
  assert.equal(renderAnnotations(r, { instance: 'api-2' }, 1).description, undefined, 'no detail, no description');
});

test('finding rules: the finding’s sentence goes out as the description, with the CPU profile that names the code', { timeout: 90_000 }, async () => {
  const rx = await new Receiver().start();
  cleanups.push(() => rx.stop());
  const { srv, sim } = await simulatedDashboard('perf-alerts-finding-', 4);
  const res = await fetch(`${srv.url}/api/v1/alerts/rules`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'Blocked loop',
      scope: 'node',
      metric: 'finding',
      finding: 'event-loop-blocked',
      window: '5s',
      for: '5s',
      targets: [{ type: 'webhook', url: `${rx.url}/hook`, secret: 's3cret', format: 'alertmanager' }],
    }),
  });
  assert.equal(res.status, 201, await res.clone().text());
  // a blocked loop on api-1: the simulator exports a CPU profile for it, as the agent would
  sim.applyAnomaly({ target: 'node', index: 1, kind: 'eventloop', value: 60 });
  await rx.waitFor(1, 60_000);
  const fire = rx.received[0].json;
  assert.equal(fire.status, 'firing');
  const alert = fire.alerts[0];
  assert.equal(alert.labels.instance, 'api-1');
  assert.match(alert.annotations.summary, /^finding event-loop-blocked on node api-1/);
  assert.match(alert.annotations.description, /^Event loop blocked on node api-1: .*Profiled on api-1: [\d.]+% of the time in renderInvoice \(…\/src\/billing\/invoice\.js:88\) called from handleInvoice/);
});

test('finding rules: a value’s revision changes when a profile or a cause joins its finding, not when its numbers move', async () => {
  const { FleetViewSource } = await import('../../server/alerts/source/fleet-view-source.js');
  const base = { id: 'api|event-loop-blocked|nodes|nodes', kind: 'event-loop-blocked', service: 'api', nodes: ['api-1'], routes: [], causedBy: [] as string[] };
  let findings: Record<string, unknown>[] = [{ ...base, summary: 'delay p99 160 ms' }];
  const src = new FleetViewSource(undefined as never, () => findings as never);
  const revisions = () => ['fleet', 'node'].map((scope) => src.read({ metric: 'finding', finding: 'any', windowMs: 30_000, scope: scope as 'fleet' | 'node' }, 0)[0].revision);
  const first = revisions();
  findings = [{ ...base, summary: 'delay p99 170 ms' }];
  assert.deepEqual(revisions(), first, 'numbers moved');
  findings = [{ ...base, summary: 'delay p99 170 ms. Profiled on api-1: …', hotCode: { instance: 'api-1' } }];
  const profiled = revisions();
  assert.ok(profiled.every((r, i) => r !== first[i]), 'a profile joined');
  findings = [{ ...base, summary: '… Likely a consequence of GC.', hotCode: { instance: 'api-1' }, causedBy: ['api|gc-pressure|share|api-1'] }];
  assert.ok(revisions().every((r, i) => r !== profiled[i]), 'a cause joined');
});

test('nodeDown: a node whose agent said it stops (a deploy) is not down; a silent one is', async () => {
  const { FleetViewSource } = await import('../../server/alerts/source/fleet-view-source.js');
  const { FleetStore } = await import('../../server/store/FleetStore.js');
  const { FleetView } = await import('../../server/query/FleetView.js');
  const t0 = 1_800_000_000_000;
  const store = new FleetStore({}, t0);
  const svc = store.service('api');
  const stopped = apiNode(store, svc, 1, t0);
  apiNode(store, svc, 2, t0);
  stopped.stoppedAt = t0;
  const src = new FleetViewSource(new FleetView(store));
  const q = { metric: 'nodeDown' as const, windowMs: 15_000 };
  const later = t0 + 60_000;
  assert.deepEqual(src.read({ ...q, scope: 'fleet' }, later).map((v) => v.value), [1]);
  assert.deepEqual(
    src.read({ ...q, scope: 'node' }, later).map((v) => [v.labels.instance, v.value]).sort(),
    [
      ['api-1', 0],
      ['api-2', 1],
    ],
  );
  // it exports again (a process reusing its instance id): running, and down once silent again
  apiNode(store, svc, 1, later, 3);
  assert.equal(stopped.stoppedAt, undefined);
  assert.deepEqual(src.read({ ...q, scope: 'fleet' }, later + 60_000).map((v) => v.value), [2]);
});

test('rps floors see traffic that stopped: an idle route and a silent node count 0; a stopped node is gone', async () => {
  const { FleetViewSource } = await import('../../server/alerts/source/fleet-view-source.js');
  const { FleetStore } = await import('../../server/store/FleetStore.js');
  const { FleetView } = await import('../../server/query/FleetView.js');
  const { StoreHistogram } = await import('../../server/store/histogram.js');
  const { SparseDelta } = await import('../../server/store/delta.js');
  const t0 = 1_800_000_000;
  const store = new FleetStore({}, t0 * 1000);
  const svc = store.service('api');
  const a = apiNode(store, svc, 1, t0 * 1000);
  const b = apiNode(store, svc, 2, t0 * 1000);
  const route = store.route(svc, 'GET', '/orders');
  for (let t = t0; t < t0 + 20; t++) {
    const d = new StoreHistogram(6);
    d.recordMany(0.01, 5);
    d.boundFromBuckets();
    store.addRequests(route, a, t, new SparseDelta().fromHistogram(d), false);
    a.lastSeen = b.lastSeen = (t + 1) * 1000;
    store.tick((t + 1) * 1000);
  }
  b.stoppedAt = (t0 + 20) * 1000;
  const now = (t0 + 80) * 1000;
  store.tick(now);
  const src = new FleetViewSource(new FleetView(store));
  const q = { metric: 'rps' as const, windowMs: 30_000 };
  assert.deepEqual(src.read({ ...q, scope: 'route' }, now).map((v) => [v.labels.route, v.value]), [['/orders', 0]]);
  assert.deepEqual(src.read({ ...q, scope: 'node' }, now).map((v) => [v.labels.instance, v.value]), [['api-1', 0]]);
  // a route that appears later and goes quiet counts 0 too (the source keeps the routes' values between reads)
  const d = new StoreHistogram(6);
  d.recordMany(0.01, 5);
  d.boundFromBuckets();
  store.addRequests(store.route(svc, 'GET', '/refunds'), a, t0 + 80, new SparseDelta().fromHistogram(d), false);
  a.lastSeen = (t0 + 81) * 1000;
  for (let t = t0 + 81; t <= t0 + 120; t++) store.tick(t * 1000);
  const later = (t0 + 120) * 1000;
  assert.deepEqual(src.read({ ...q, scope: 'route' }, later).map((v) => [v.labels.route, v.value]), [['/orders', 0], ['/refunds', 0]]);
});

// durability audit: after a dashboard outage longer than a nodeDown rule's window, every node whose agent was still
// backing off fired (and resolved 10 s later): the dashboard's own downtime counted as the nodes' silence
test('nodeDown: silence counts from the dashboard’s start at the earliest', async () => {
  const { FleetViewSource } = await import('../../server/alerts/source/fleet-view-source.js');
  const { FleetStore } = await import('../../server/store/FleetStore.js');
  const { FleetView } = await import('../../server/query/FleetView.js');
  const t0 = 1_800_000_000_000;
  const store = new FleetStore({}, t0);
  const svc = store.service('api');
  // as a restart loads it: last heard two minutes before this process started
  apiNode(store, svc, 1, t0).lastSeen = t0 - 120_000;
  const src = new FleetViewSource(new FleetView(store));
  const q = { metric: 'nodeDown' as const, windowMs: 15_000, scope: 'node' as const };
  assert.deepEqual(src.read(q, t0 + 5_000).map((v) => v.value), [0], 'not down 5 s after the dashboard started');
  assert.deepEqual(src.read(q, t0 + 16_000).map((v) => v.value), [0], 'its agent may still be backing off (up to 36 s)');
  assert.deepEqual(src.read(q, t0 + 37_000).map((v) => v.value), [1], 'down once silent for the longest back-off since');
});

// outside audit: requests clients gave up on (a hung route) were visible nowhere, alerts included
test('aborted: requests the clients aborted per second over the window, for the fleet, each node and each route', async () => {
  const { FleetViewSource } = await import('../../server/alerts/source/fleet-view-source.js');
  const { FleetStore } = await import('../../server/store/FleetStore.js');
  const { FleetView } = await import('../../server/query/FleetView.js');
  const t0 = 1_800_000_000;
  const store = new FleetStore({}, t0 * 1000);
  const svc = store.service('api');
  const a = apiNode(store, svc, 1, t0 * 1000);
  const b = apiNode(store, svc, 2, t0 * 1000);
  const hang = store.route(svc, 'POST', '/checkout');
  const other = store.route(svc, 'GET', '/cart');
  for (let t = t0; t < t0 + 30; t++) {
    store.addAborted(hang, a, t, 2);
    if (t % 10 === 0) store.addAborted(other, b, t, 3);
    a.lastSeen = b.lastSeen = (t + 1) * 1000;
    store.tick((t + 1) * 1000);
  }
  const now = (t0 + 30) * 1000;
  const src = new FleetViewSource(new FleetView(store));
  const q = { metric: 'aborted' as const, windowMs: 30_000 };
  assert.deepEqual(src.read({ ...q, scope: 'fleet' }, now).map((v) => v.value), [(60 + 9) / 30]);
  const byRoute = new Map(src.read({ ...q, scope: 'route' }, now).map((v) => [v.labels.route, v.value]));
  assert.equal(byRoute.get('/checkout'), 2);
  assert.equal(byRoute.get('/cart'), 9 / 30);
  const byNode = new Map(src.read({ ...q, scope: 'node' }, now).map((v) => [v.labels.instance, v.value]));
  assert.deepEqual([byNode.get('api-1'), byNode.get('api-2')], [2, 9 / 30]);
  const rows = new FleetView(store).nodes({ window: 30, now });
  assert.deepEqual(rows.map((r) => [r.instance, r.aborted]).sort(), [['api-1', 60], ['api-2', 9]], '/nodes counts them over the window');
});

// requests held unanswered show only in flight: a rule on inFlight fires on the node holding them, and on the fleet's sum
test('inFlight: requests in flight at the last export, for each node and summed over the fleet; absent where not reported', async () => {
  const { FleetViewSource } = await import('../../server/alerts/source/fleet-view-source.js');
  const { FleetStore } = await import('../../server/store/FleetStore.js');
  const { FleetView } = await import('../../server/query/FleetView.js');
  const { NodeField } = await import('../../server/store/node.js');
  const t0 = 1_800_000_000;
  const store = new FleetStore({}, t0 * 1000);
  const svc = store.service('api');
  const a = apiNode(store, svc, 1, t0 * 1000);
  const b = apiNode(store, svc, 2, t0 * 1000);
  // api-3's agent does not report them (the OpenTelemetry SDK's HTTP instrumentation)
  const c = apiNode(store, svc, 3, t0 * 1000);
  for (let t = t0; t < t0 + 30; t++) {
    a.setField(t, NodeField.inFlight, t - t0);
    b.setField(t, NodeField.inFlight, 2);
    a.lastSeen = b.lastSeen = c.lastSeen = (t + 1) * 1000;
    store.tick((t + 1) * 1000);
  }
  const now = (t0 + 30) * 1000;
  const src = new FleetViewSource(new FleetView(store));
  const q = { metric: 'inFlight' as const, windowMs: 30_000 };
  assert.deepEqual(src.read({ ...q, scope: 'fleet' }, now).map((v) => v.value), [29 + 2]);
  const byNode = new Map(src.read({ ...q, scope: 'node' }, now).map((v) => [v.labels.instance, v.value]));
  assert.deepEqual([byNode.get('api-1'), byNode.get('api-2'), byNode.get('api-3')], [29, 2, NaN]);
  const rows = new FleetView(store).nodes({ window: 30, now });
  assert.deepEqual(rows.map((r) => [r.instance, r.inFlight]).sort(), [['api-1', 29], ['api-2', 2], ['api-3', null]]);
});
