// End to end: the dashboard process with the alert engine mounted, the fleet simulator exporting OTLP to it,
// rules created through the API, a real webhook receiver. Then a crash (kill -9) while a delivery is pending.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { FleetSimulator } from '../../simulator/fleet.js';
import { runSimulation } from '../../simulator/run.js';
import { verify } from '../../server/alerts/notify/sign.js';
import { Receiver, until } from './lib/receiver.js';
import { tempDir } from './lib/engine.js';
import { spawnDashboard, stopDashboard } from './lib/dashboard-process.js';
import type { AlertsView } from '../../server/alerts/engine/engine.js';

const ENV = { PERF_ALERTS_RESOLVE_AFTER: '2s', PERF_ALERTS_RETRY_BASE: '300ms', PERF_ALERTS_RETRY_MAX: '1s', PERF_ALERTS_TIMEOUT: '2s', PERF_PUBLIC_URL: 'http://perf.example:3000' };
const SECRET = 'e2e-secret';

async function api<T>(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: T }> {
  const res = await fetch(`${base}${path}`, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
  const text = await res.text();
  return { status: res.status, json: (text ? JSON.parse(text) : undefined) as T };
}

let cleanup: () => Promise<void> = async () => {};
after(() => cleanup()); // also after a timeout: no dashboard process is left behind

test('simulated fleet → rule via the API → firing, resolved; a crash with a pending delivery delivers it once after the restart', { timeout: 120_000 }, async () => {
  const tmp = tempDir('perf-alerts-e2e-');
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
  const sim = new FleetSimulator({ nodes: 3, rpsPerNode: 60, routes: 3, service: 'shop', errorRate: 0 });
  run = runSimulation(sim, { target: dash.otlpUrl });
  {
    // a bad rule is refused with the field named
    const bad = await api<any>(dash.url, 'POST', '/api/v1/alerts/rules', { name: 'x', scope: 'route', metric: 'errorRate', op: '>', threshold: 20 });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.field, 'threshold');

    const created = await api<any>(dash.url, 'POST', '/api/v1/alerts/rules', {
      name: 'Route errors',
      scope: 'route',
      metric: 'errorRate',
      op: '>',
      threshold: 0.2,
      window: '3s',
      for: '1s',
      labels: { severity: 'page' },
      annotations: { summary: '{{ $labels.method }} {{ $labels.route }} errors {{ $value }}' },
      targets: [{ type: 'webhook', url: `${rx.url}/hook`, secret: SECRET, format: 'alertmanager' }],
    });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    assert.equal((await api<any[]>(dash.url, 'GET', '/api/v1/alerts/rules')).json.length, 1);

    const route = sim.routes[1];
    sim.applyAnomaly({ target: 'route', index: 1, kind: 'errors', value: 0.6 });
    await rx.waitFor(1, 30_000);
    const fire = rx.received[0];
    assert.equal(fire.url, '/hook');
    assert.equal(verify(SECRET, fire.raw, fire.headers['x-perf-timestamp'] as string, fire.headers['x-perf-signature'] as string), undefined);
    assert.equal(fire.json.status, 'firing');
    assert.equal(fire.json.alerts.length, 1, 'only the broken route fires');
    assert.deepEqual(fire.json.alerts[0].labels, { alertname: 'Route errors', severity: 'page', route: route.name, method: route.method, service: 'shop' });
    assert.match(fire.json.alerts[0].annotations.summary, new RegExp(`^${route.method} ${route.name.replace(/[/:]/g, '\\$&')} errors \\d`));
    assert.equal(fire.json.externalURL, 'http://perf.example:3000');

    sim.applyAnomaly({ target: 'route', index: 1, kind: 'errors', value: 0 });
    await rx.waitFor(2, 30_000);
    assert.equal(rx.received[1].json.status, 'resolved');
    assert.equal(rx.received[1].json.alerts[0].fingerprint, fire.json.alerts[0].fingerprint);
    const view = (await api<AlertsView>(dash.url, 'GET', '/api/v1/alerts')).json;
    assert.equal(view.active.length, 0);
    assert.equal(view.past[0].deliveries.length, 2);

    // the receiver goes down, the condition comes back, the delivery fails and waits for a retry: crash
    await rx.stop();
    sim.applyAnomaly({ target: 'route', index: 1, kind: 'errors', value: 0.6 });
    const before0 = dash;
    const pending = (await until(
      async () => {
        const v = (await api<AlertsView>(before0.url, 'GET', '/api/v1/alerts')).json;
        const d = v.active.find((a) => a.state === 'firing')?.deliveries[0];
        return d && d.state === 'pending' && d.attempts >= 1 ? d : undefined;
      },
      30_000,
      'a pending delivery with a failed attempt',
    ))!;
    assert.match(pending.lastError ?? '', /ECONNREFUSED/);
    await stopDashboard(dash, 'SIGKILL');
    run.stop();
    run.sender.close();
    const old = dash;
    dash = undefined;

    await rx.start(rx.port);
    const before = rx.received.length;
    dash = await spawnDashboard(tmp.dir, ENV, { port: old.port, otlpPort: old.otlpPort });
    run = runSimulation(sim, { target: dash.otlpUrl });
    await rx.waitFor(before + 1, 30_000);
    const again = rx.received[before];
    assert.equal(again.headers['x-perf-delivery'], pending.id, 'the same notification, resumed');
    assert.equal(again.json.status, 'firing');
    // a few more seconds: the restored firing alert is not announced a second time
    await new Promise((r) => setTimeout(r, 4000));
    const firings = rx.received.slice(before).filter((r) => r.json.status === 'firing');
    assert.equal(firings.length, 1, `received after restart: ${rx.received.slice(before).map((r) => r.json.status).join(', ')}`);
    const rules = (await api<any[]>(dash.url, 'GET', '/api/v1/alerts/rules')).json;
    assert.equal(rules[0].name, 'Route errors', 'rules survive the restart');
    await stopDashboard(dash);
  }
});
