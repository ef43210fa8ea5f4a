// The bottleneck zoo, end to end (part D): a node under a real CPU quota. Node 2 of three real node
// processes with the agent starts inside a cgroup limited to 0.25 CPU (Linux, root, a writable cpu
// controller; skipped elsewhere, saying why). Its POST /api/orders then asks for 100 ms of CPU per
// request: the cgroup throttles it, the agent exports the cgroup's counters, and the finder must name the
// node with an off-cpu "CPU quota throttling" finding within 10 s, and clear it after the cause stops.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RunningServer } from '../../server/server.js';
import { startZoo, type ZooFleet } from '../../demo/scenarios/zoo/fleet.js';
import { makeCpuCgroup, type CpuCgroup } from '../../../agent/test/helpers/cgroup.js';
import { fleetUp, quiet, sleep, startDashboard, timeCauseTwice } from './lib/e2e.js';

const made = makeCpuCgroup(`perf-zoo-test-${process.pid}`, 0.25);

describe('bottleneck zoo D: a CPU quota', { timeout: 240_000, skip: typeof made === 'string' ? made : false }, () => {
  const cgroup = made as CpuCgroup;
  let server: RunningServer;
  let fleet: ZooFleet;

  before(async () => {
    server = await startDashboard();
    fleet = await startZoo({
      otlpEndpoint: server.otlpUrl,
      service: 'zoo-d',
      instancePrefix: 'd-',
      exportIntervalMs: 500,
      spawnNode: (k, start) => (k === 2 ? cgroup.spawnInside(start) : start()),
    });
    await fleetUp(server, 'zoo-d', 3);
    await sleep(15_000);
  });

  after(async () => {
    await fleet?.stop();
    await server?.close();
    cgroup.remove();
  });

  it('a node throttled by its quota: off-cpu (CPU quota throttling) names it within 10 s, cleared after', async () => {
    assert.ok(await quiet(server, 'zoo-d'), 'the fleet is quiet before the cause starts');
    const instance = fleet.instances[2];
    const t = await timeCauseTwice(server, 'zoo-d', { kind: 'off-cpu', instance }, (on) => fleet.setCause(2, 'cpu', on), 'zoo cpu-quota (off-cpu)');
    assert.ok(t.finding, `no off-cpu finding naming ${instance}; saw ${JSON.stringify(t.seen.map((f) => [f.kind, f.nodes, f.summary]))}`);
    assert.ok(t.detectMs! <= 10_000, `detected after ${t.detectMs} ms`);
    assert.equal(t.finding.nodes[0], instance);
    assert.match(t.finding.summary, /^CPU quota throttling on node d-2: its cgroup was throttled in \d+(\.\d+)?% of scheduling periods with a limit of 0\.25 CPU/);
    assert.ok(t.finding.evidence.some((line) => /d-2 CPU periods throttled: \d/.test(line)), t.finding.evidence.join('\n'));
    assert.ok(t.clearMs !== undefined, 'the finding clears after the cause stops');
  });
});
