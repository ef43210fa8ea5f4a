// Found by an outside audit: a bad PERF_ALERT_RULES_FILE at startup (`window: 5 minutes` in rules[1]) made the
// whole alerts module fail to mount, with a stack trace: the alerts API answered 404, rules stored through the
// API were no longer evaluated, and /api/v1/status did not say that alerting was off. Now the engine runs
// without the file's rules (none of them: a file loads whole or not at all, as on a reload), one log line names
// the file, the entry and the field, /api/v1/status and /api/v1/alerts carry the error, and the fixed file loads.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { FleetSimulator } from '../../../simulator/fleet.js';
import { runSimulation } from '../../../simulator/run.js';
import { verify } from '../../../server/alerts/notify/sign.js';
import { fileRuleId } from '../../../server/alerts/rules/file.js';
import { Receiver, until } from '../lib/receiver.js';
import { tempDir } from '../lib/engine.js';
import { spawnDashboard, stopDashboard } from '../lib/dashboard-process.js';
import type { Status } from '../../../server/api/types.js';
import type { AlertsView, RuleView } from '../../../server/alerts/engine/engine.js';

const SECRET = 'startup-secret';

async function get<T>(base: string, path: string): Promise<{ status: number; json: T }> {
  const res = await fetch(`${base}${path}`);
  return { status: res.status, json: (await res.json()) as T };
}

const RULE_0 = `  - name: Any node down
    scope: node
    metric: nodeDown
    window: 15s
`;

let cleanup: () => Promise<void> = async () => {};
after(() => cleanup());

test('a bad rules file at startup: the engine and API rules keep working, one log line and /status name the entry and field; the fixed file loads', { timeout: 120_000 }, async () => {
  const tmp = tempDir('perf-alerts-bad-file-');
  const file = join(tmp.dir, 'alerts.yaml');
  writeFileSync(file, `rules:\n${RULE_0}  - name: Slow fleet\n    scope: fleet\n    metric: latency.p99\n    op: ">"\n    threshold: 0.5\n    window: 5 minutes\n`);
  const rx = await new Receiver().start();
  let dash: Awaited<ReturnType<typeof spawnDashboard>> | undefined;
  const sim = new FleetSimulator({ nodes: 1, rpsPerNode: 50, routes: 2, service: 'shop', errorRate: 0 });
  const runs: ReturnType<typeof runSimulation>[] = [];
  cleanup = async () => {
    for (const run of runs) {
      run.stop();
      run.sender.close();
    }
    if (dash) await stopDashboard(dash, 'SIGKILL');
    await rx.stop();
    tmp.cleanup();
  };
  dash = await spawnDashboard(join(tmp.dir, 'data'), { PERF_ALERT_RULES_FILE: file, PERF_ALERTS_RETRY_BASE: '300ms', PERF_ALERTS_TIMEOUT: '2s' });
  const base = dash.url;

  // one line, no stack, naming the file, the entry and the field; the module mounted
  const line = await until(() => dash!.stderr().split('\n').find((l) => l.includes('alerts.yaml')), 10_000, 'the rules file error in the log');
  assert.match(line, /^perf alerts: .*alerts\.yaml: rules\[1\]\.window must be a duration such as "30s", "1m" or "5m"/);
  assert.match(line, /none of its rules are loaded/);
  assert.doesNotMatch(dash.stderr(), /failed to mount|^\s+at /m, dash.stderr());
  assert.equal(dash.stderr().split('\n').filter((l) => l.includes('alerts.yaml')).length, 1, dash.stderr());

  // the error is in /api/v1/status and /api/v1/alerts; none of the file's rules is loaded, not even the good rules[0]
  const status = (await get<Status>(base, '/api/v1/status')).json;
  assert.deepEqual(status.modules?.alerts, { mounted: true, error: null });
  assert.equal(status.alerts?.rulesFile?.path, file);
  assert.equal(status.alerts?.rulesFile?.rules, 0);
  assert.equal(status.alerts?.rulesFile?.loadedAt, null);
  assert.equal(status.alerts?.rulesFile?.error?.code, 'RULES_FILE_INVALID');
  assert.equal(status.alerts?.rulesFile?.error?.field, 'rules[1].window');
  assert.match(status.alerts?.rulesFile?.error?.message ?? '', /alerts\.yaml: rules\[1\]\.window must be a duration/);
  const alerts = await get<AlertsView>(base, '/api/v1/alerts');
  assert.equal(alerts.status, 200);
  assert.equal(alerts.json.rulesFile?.error?.field, 'rules[1].window');
  const rules = await get<RuleView[]>(base, '/api/v1/alerts/rules');
  assert.equal(rules.status, 200);
  assert.deepEqual(rules.json, []);

  // a rule through the API fires against a real webhook receiver
  const created = await fetch(`${base}/api/v1/alerts/rules`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Fleet has traffic', scope: 'fleet', metric: 'rps', op: '>', threshold: 1, window: '2s', targets: [{ type: 'webhook', url: `${rx.url}/hook`, secret: SECRET }] }),
  });
  assert.equal(created.status, 201, await created.clone().text());
  runs.push(runSimulation(sim, { target: dash.otlpUrl }));
  await rx.waitFor(1, 30_000);
  const fire = rx.received[0];
  assert.equal(fire.json.status, 'firing');
  assert.equal(fire.json.commonLabels.alertname, 'Fleet has traffic');
  assert.equal(verify(SECRET, fire.raw, fire.headers['x-perf-timestamp'] as string, fire.headers['x-perf-signature'] as string), undefined);
  assert.equal((await get<Status>(base, '/api/v1/status')).json.alerts?.firing, 1);

  // the fixed file is read again and loads whole; the error clears
  writeFileSync(file, `rules:\n${RULE_0}  - name: Slow fleet\n    scope: fleet\n    metric: latency.p99\n    op: ">"\n    threshold: 0.5\n    window: 5m\n`);
  const loaded = await until(
    async () => {
      const s = (await get<Status>(base, '/api/v1/status')).json;
      return s.alerts?.rulesFile?.error === null ? s : undefined;
    },
    15_000,
    'the fixed file to load',
  );
  assert.equal(loaded.alerts?.rulesFile?.rules, 2);
  assert.equal(typeof loaded.alerts?.rulesFile?.loadedAt, 'number');
  assert.equal(loaded.alerts?.rules, 3);
  const after3 = (await get<RuleView[]>(base, '/api/v1/alerts/rules')).json;
  assert.deepEqual(after3.map((r) => [r.name, r.source]).sort(), [['Any node down', 'file'], ['Fleet has traffic', 'api'], ['Slow fleet', 'file']]);
  assert.ok(after3.some((r) => r.id === fileRuleId('Slow fleet') && r.window === '5m'));
  await stopDashboard(dash);
  dash = undefined;
});
