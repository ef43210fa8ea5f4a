// Requests in flight and requests-stuck end to end: a node:http app under the real agent whose GET /hang never answers.
// Clients that wait on it (no timeout) leave no latency, no error and no aborted request: only the requests in flight
// show them, counted exactly on /nodes, /fleet and /series, and the diagnosis names the node (a route hung from its
// first request has no past of its own, and no rule saw it).
import assert from 'node:assert/strict';
import type { ClientRequest } from 'node:http';
import { after, before, test } from 'node:test';
import { startAgentApp } from '../e2e/lib/agent-node.js';
import { HANGING_APP, getPath, hold } from '../e2e/lib/hanging-app.js';
import { sleep, testServer, waitFor, type TestServer } from '../server/lib/server.js';

type Finding = { kind: string; severity: string; summary: string; routes: string[]; nodes: string[]; evidence: string[] };
type NodeRow = { instance: string; inFlight: number | null; inFlightRoutes: { method: string; route: string; count: number; answering: number }[] | null; aborted: number };

let srv: TestServer;
before(async () => {
  srv = await testServer({ modules: ['diagnose'] });
});
after(() => srv.dispose());

test('requests held unanswered: counted in flight exactly, and named as requests-stuck on their node', { timeout: 120_000 }, async () => {
  const node = await startAgentApp(`http://127.0.0.1:${srv.otlpPort}`, 'stuck', HANGING_APP);
  const held: ClientRequest[] = [];
  try {
    // answered requests for a while: nothing stuck, nothing in flight between them
    for (let i = 0; i < 30; i++) {
      await Promise.all(Array.from({ length: 5 }, () => getPath(node.port, '/ok')));
      await sleep(400);
    }
    const nodes = async () => (await srv.get<NodeRow[]>('/api/v1/nodes?service=stuck&window=10'))[1];
    const findings = async () => (await srv.get<Finding[]>('/api/v1/findings?service=stuck'))[1];
    const [{ instance, inFlight, inFlightRoutes }] = await nodes();
    assert.equal(inFlight, 0);
    assert.deepEqual(inFlightRoutes, []);
    assert.deepEqual((await findings()).filter((f) => f.kind === 'requests-stuck'), []);
    // 15 requests the app never answers, their clients waiting
    for (let i = 0; i < 15; i++) held.push(hold(node.port, '/hang'));
    await waitFor(async () => (await nodes())[0].inFlight === 15 || undefined, 10_000, '15 requests in flight on /nodes');
    assert.equal((await srv.get<{ inFlight: number | null }>('/api/v1/fleet?service=stuck'))[1].inFlight, 15);
    // …and by route, as the agent names them from 10 in flight (a plain node:http app: its normalised path)
    assert.deepEqual((await nodes())[0].inFlightRoutes, [{ method: 'GET', route: '/hang', count: 15, answering: 0 }]);
    // (a chart's last step is a settled second: the export that said 15 may be in the one still filling)
    const line = async () => (await srv.get<{ series: { points: [number, number | null][] }[] }>('/api/v1/series?metric=inFlight&by=node&window=30&service=stuck'))[1].series;
    await waitFor(async () => ((await line())[0]?.points.some(([, v]) => v === 15) ? true : undefined), 5000, 'a step of 15 in flight on /series');
    assert.equal((await line()).length, 1);
    const f = await waitFor(async () => (await findings()).find((x) => x.kind === 'requests-stuck'), 20_000, 'a requests-stuck finding');
    assert.deepEqual(f.nodes, [instance]);
    assert.match(f.summary, new RegExp(`^Requests are started and not answered on node ${instance}: 15 in flight, against 0 before and [\\d.]+ that its finished requests account for; most on GET /hang \\(15 of 15 unanswered at the last export\\)\\.$`));
    assert.deepEqual(f.routes, ['GET /hang']);
    assert.ok(f.evidence.some((line) => line.startsWith(`${instance} requests in flight: 15 requests`)), f.evidence.join('\n'));
    // the clients give up: nothing in flight, 15 aborted
    for (const r of held) r.destroy();
    await waitFor(async () => ((await nodes())[0].inFlight === 0 ? true : undefined), 10_000, 'nothing in flight');
    await waitFor(async () => ((await nodes())[0].aborted === 15 ? true : undefined), 5000, '15 aborted');
    assert.deepEqual((await nodes())[0].inFlightRoutes, []);
  } finally {
    for (const r of held) r.destroy();
    await node.stop();
  }
});
