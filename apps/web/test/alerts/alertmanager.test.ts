// A real Prometheus Alertmanager (Debian's prometheus-alertmanager) as a target: its API shows perf's alert
// active while it fires, then no longer active once perf resolves it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { until } from './lib/receiver.js';
import { TestSource } from './lib/rules.js';
import { openEngine, tempDir } from './lib/engine.js';
import { freePort } from '../server/lib/server.js';

const BIN = process.env.PERF_ALERTMANAGER_BIN ?? '/usr/bin/prometheus-alertmanager';

test('alerts reach a real Alertmanager: active while firing, resolved after', { skip: existsSync(BIN) ? false : `${BIN} is not installed (apt-get install prometheus-alertmanager)`, timeout: 60_000 }, async () => {
  const tmp = tempDir();
  const cfg = join(tmp.dir, 'alertmanager.yml');
  writeFileSync(cfg, "route:\n  receiver: blackhole\n  group_wait: 1s\nreceivers:\n  - name: blackhole\n");
  const port = await freePort();
  const am = spawn(BIN, [`--config.file=${cfg}`, `--storage.path=${join(tmp.dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=', '--log.level=warn'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  am.stderr.on('data', (c) => (stderr += c));
  const base = `http://127.0.0.1:${port}`;
  const src = new TestSource();
  const { engine, close } = openEngine(join(tmp.dir, 'a.sqlite'), src, { resendDelayMs: 1000 });
  const amAlerts = async (): Promise<any[]> => (await (await fetch(`${base}/api/v2/alerts`)).json()) as any[];
  try {
    await until(async () => (await fetch(`${base}/-/ready`).catch(() => undefined))?.ok, 20_000, `alertmanager ready (${stderr})`);
    engine.start();
    const rule = engine.createRule({
      name: 'PerfRouteErrors',
      scope: 'route',
      metric: 'errorRate',
      op: '>',
      threshold: 0.05,
      window: '10s',
      labels: { severity: 'ticket' },
      annotations: { description: 'route {{ $labels.route }} errors at {{ $value }}' },
      targets: [{ type: 'alertmanager', url: base }],
    });
    src.set('route', 'errorRate', [{ labels: { route: '/checkout', method: 'POST', service: 'shop' }, value: 0.2 }]);
    const active = await until(async () => (await amAlerts()).find((a) => a.labels.alertname === 'PerfRouteErrors'), 20_000, 'alert in Alertmanager');
    assert.equal(active.status.state, 'active');
    assert.deepEqual(active.labels, { alertname: 'PerfRouteErrors', severity: 'ticket', route: '/checkout', method: 'POST', service: 'shop' });
    assert.equal(active.annotations.description, 'route /checkout errors at 20%');
    assert.equal(active.generatorURL, `http://perf.test:3000/alerts?rule=${rule.id}`);
    const ours = engine.listAlerts().active[0];
    assert.equal(active.fingerprint, ours.fingerprint, 'perf and Alertmanager compute the same fingerprint');

    // still active after the first endsAt would have passed: the re-send keeps it alive
    await new Promise((r) => setTimeout(r, 5000));
    const still = (await amAlerts()).find((a) => a.labels.alertname === 'PerfRouteErrors');
    assert.equal(still?.status.state, 'active');
    assert.ok(engine.listAlerts().active[0].deliveries.filter((d) => d.repeat).length >= 2, 're-sent while firing');

    src.set('route', 'errorRate', [{ labels: { route: '/checkout', method: 'POST', service: 'shop' }, value: 0 }]);
    await until(async () => !(await amAlerts()).some((a) => a.labels.alertname === 'PerfRouteErrors' && a.status.state === 'active'), 20_000, 'alert resolved in Alertmanager');
    const past = engine.listAlerts().past[0];
    assert.equal(past.state, 'resolved');
    await until(() => engine.listAlerts().past[0].deliveries.some((d) => d.status === 'resolved' && d.state === 'delivered'), 5000, 'resolved delivery recorded');
  } finally {
    await close();
    am.kill('SIGTERM');
    await new Promise((r) => am.once('exit', r));
    tmp.cleanup();
  }
});
