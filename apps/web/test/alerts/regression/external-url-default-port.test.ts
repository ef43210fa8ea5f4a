// Found by an outside audit: without PERF_PUBLIC_URL, webhook `externalURL` and `generatorURL` said
// http://localhost:3000 whatever port the dashboard ran on (PORT=3100, or 0 for a free one). They now default to
// http://localhost:<the port the UI and API actually listen on>.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { FleetSimulator } from '../../../simulator/fleet.js';
import { runSimulation } from '../../../simulator/run.js';
import { Receiver } from '../lib/receiver.js';
import { tempDir } from '../lib/engine.js';
import { spawnDashboard, stopDashboard } from '../lib/dashboard-process.js';

let cleanup: () => Promise<void> = async () => {};
after(() => cleanup());

test('without PERF_PUBLIC_URL, externalURL and generatorURL name the port the dashboard bound (PORT=0 here)', { timeout: 120_000 }, async () => {
  const tmp = tempDir('perf-alerts-external-url-');
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
  // an empty PERF_PUBLIC_URL counts as unset; PORT is what main.ts reads, the child binds port 0 either way
  dash = await spawnDashboard(join(tmp.dir, 'data'), { PERF_PUBLIC_URL: '', PORT: '3000' }, { port: 0 });
  assert.notEqual(dash.port, 3000);
  const created = await fetch(`${dash.url}/api/v1/alerts/rules`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'Fleet has traffic',
      scope: 'fleet',
      metric: 'rps',
      op: '>',
      threshold: 1,
      window: '2s',
      targets: [
        { type: 'webhook', url: `${rx.url}/am`, secret: 's', format: 'alertmanager' },
        { type: 'webhook', url: `${rx.url}/slack`, secret: 's', format: 'slack' },
      ],
    }),
  });
  assert.equal(created.status, 201);
  const { id } = (await created.json()) as { id: string };
  runs.push(runSimulation(sim, { target: dash.otlpUrl }));
  await rx.waitFor(2, 30_000);
  const expected = `http://localhost:${dash.port}`;
  for (const r of rx.received) {
    assert.equal(r.json.externalURL, expected, r.url);
    assert.equal(r.json.alerts[0].generatorURL, `${expected}/alerts?rule=${id}`, r.url);
  }
  const slack = rx.received.find((r) => r.url === '/slack')!;
  assert.ok(JSON.stringify(slack.json.blocks).includes(`<${expected}/alerts?rule=${id}|Open in perf>`), 'the Slack link too');
  await stopDashboard(dash);
  dash = undefined;
});
