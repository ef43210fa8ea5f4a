// A healthy fleet under steady load yields no finding for 60 s: three real node processes with the agent,
// exporting every 500 ms to a real dashboard, polled once a second.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningServer } from '../../server/server.js';
import { startZoo, type ZooFleet } from '../../demo/scenarios/zoo/fleet.js';
import { findings, fleetUp, sleep, startDashboard } from './lib/e2e.js';

describe('healthy fleet', { timeout: 180_000 }, () => {
  let server: RunningServer;
  let fleet: ZooFleet;

  before(async () => {
    server = await startDashboard();
    fleet = await startZoo({ otlpEndpoint: server.otlpUrl, service: 'zoo-h', instancePrefix: 'h-', exportIntervalMs: 500 });
    await fleetUp(server, 'zoo-h', 3);
  });

  after(async () => {
    await fleet?.stop();
    await server?.close();
  });

  it('yields no finding for 60 s under steady load', async () => {
    const seen: string[] = [];
    const until = Date.now() + 60_000;
    let polls = 0;
    while (Date.now() < until) {
      for (const f of await findings(server)) seen.push(`${new Date().toISOString()} ${f.kind} ${f.nodes.join(',')} ${f.routes.join(',')}: ${f.summary}`);
      polls++;
      await sleep(1000);
    }
    assert.ok(polls >= 50, `polled ${polls} times`);
    assert.deepEqual(seen, []);
    // and the fleet was really under load all along
    const res = await fetch(`${server.url}/api/v1/fleet?service=zoo-h&window=60s`);
    const fleetNow = (await res.json()) as { rps: number; nodes: number };
    assert.equal(fleetNow.nodes, 3);
    assert.ok(fleetNow.rps > 80, `fleet rps ${fleetNow.rps}`);
    assert.ok(fleet.load.stats.errors <= fleet.load.stats.sent / 100, `load errors ${JSON.stringify(fleet.load.stats)}`);
  });
});
