// Outside audit (hostile input and alerting): a dashboard restarted while a nodeDown alert fired sent `resolved` to
// every target about 30 s later, though the node was still dead, then a new `firing` with a new startsAt 6 s after.
// The restore's hold (the longest rule window, at least 10 s) ended before the 36 s grace a node not heard from since
// the restart gets (its agent may be backing off), during which the dead node read up. A node already down when the
// dashboard stopped now stays down across the restart.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { FleetSimulator } from '../../../simulator/fleet.js';
import { runSimulation } from '../../../simulator/run.js';
import { Receiver } from '../lib/receiver.js';
import { tempDir } from '../lib/engine.js';
import { spawnDashboard, stopDashboard } from '../lib/dashboard-process.js';

const ENV = { PERF_ALERTS_RESOLVE_AFTER: '2s', PERF_ALERTS_RETRY_BASE: '300ms', PERF_ALERTS_RETRY_MAX: '1s', PERF_ALERTS_TIMEOUT: '2s' };

let cleanup: () => Promise<void> = async () => {};
after(() => cleanup());

test('a firing nodeDown alert of a node dead before a restart is neither resolved nor fired again after it', { timeout: 150_000 }, async () => {
  const tmp = tempDir('perf-nodedown-restart-');
  const rx = await new Receiver().start();
  let dash: Awaited<ReturnType<typeof spawnDashboard>> | undefined;
  let run: ReturnType<typeof runSimulation> | undefined;
  cleanup = async () => {
    run?.stop();
    run?.sender.close();
    if (dash) await stopDashboard(dash, 'SIGKILL');
    await rx.stop();
    tmp.cleanup();
  };
  dash = await spawnDashboard(tmp.dir, ENV);
  // node 1 stops exporting 8 s in, without saying it stops (killed)
  const sim = new FleetSimulator({ nodes: 2, rpsPerNode: 20, routes: 2, service: 'shop', errorRate: 0 });
  sim.applyAnomaly({ target: 'node', index: 1, kind: 'down', value: 8 });
  run = runSimulation(sim, { target: dash.otlpUrl });
  const res = await fetch(`${dash.url}/api/v1/alerts/rules`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Node down', scope: 'node', metric: 'nodeDown', op: '>', threshold: 0, window: '5s', targets: [{ type: 'webhook', url: `${rx.url}/hook`, secret: 's' }] }),
  });
  assert.equal(res.status, 201, await res.text());
  await rx.waitFor(1, 60_000);
  const fire = rx.received[0].json;
  assert.equal(fire.status, 'firing');
  assert.deepEqual(
    fire.alerts.map((a: { labels: { instance: string } }) => a.labels.instance),
    ['shop-1'],
  );
  // a graceful restart a few seconds later, the live node exporting on
  await new Promise((r) => setTimeout(r, 3000));
  await stopDashboard(dash);
  run.stop();
  run.sender.close();
  const old = dash;
  dash = undefined;
  dash = await spawnDashboard(tmp.dir, ENV, { port: old.port, otlpPort: old.otlpPort });
  // a new run counts its seconds from 0 again: node 1 stays dead from the first
  sim.applyAnomaly({ target: 'node', index: 1, kind: 'down', value: 0 });
  run = runSimulation(sim, { target: dash.otlpUrl });
  // past the restore's hold (10 s here) and the 36 s grace of a node not heard from since the restart
  await new Promise((r) => setTimeout(r, 45_000));
  const after = rx.received.slice(1).map((r) => `${r.json.status} ${r.json.alerts.map((a: { labels: { instance: string } }) => a.labels.instance).join(',')}`);
  assert.deepEqual(after, [], 'nothing announced after the restart');
  const view = await (await fetch(`${dash.url}/api/v1/alerts`)).json();
  const active = view.active.filter((a: { state: string }) => a.state === 'firing');
  assert.equal(active.length, 1);
  assert.equal(active[0].startsAt, new Date(fire.alerts[0].startsAt).getTime(), 'the same alert, its startsAt kept');
  const nodes = await (await fetch(`${dash.url}/api/v1/nodes`)).json();
  assert.deepEqual(
    nodes.filter((n: { up: boolean }) => !n.up).map((n: { instance: string }) => n.instance),
    ['shop-1'],
    'the dead node is down after the restart',
  );
  await stopDashboard(dash);
  dash = undefined;
});
