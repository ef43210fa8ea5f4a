// End to end with the real agent: a node:http app under `node --import @perf/agent` whose /hang route never answers;
// the test's client gives up on N requests to it (closes each connection), and the dashboard's /routes, /nodes, /fleet
// and /series show exactly N aborted for that route and its node, beside the requests of a route that answers.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startAgentApp } from '../e2e/lib/agent-node.js';
import { HANGING_APP, abandon, getPath } from '../e2e/lib/hanging-app.js';
import { sleep, testServer, waitFor, type TestServer } from './lib/server.js';
import type { Fleet, NodeRow, RouteRow, Series } from '../../server/api/types.js';

let srv: TestServer;
before(async () => {
  srv = await testServer();
});
after(() => srv.dispose());

test('requests a client aborts on a hanging route are counted exactly, on their route and node, in /routes, /nodes, /fleet and /series', async () => {
  const node = await startAgentApp(`http://127.0.0.1:${srv.otlpPort}`, 'hangs', HANGING_APP);
  try {
    const N = 7;
    const OK = 5;
    for (let i = 0; i < OK; i++) await getPath(node.port, '/ok');
    await Promise.all(Array.from({ length: N }, () => abandon(node.port, '/hang', 150)));
    const routes = async () => (await srv.get<RouteRow[]>('/api/v1/routes?service=hangs&window=5m'))[1];
    const hang = await waitFor(async () => (await routes()).find((r) => r.route === '/hang' && r.aborted >= N), 20_000, `${N} aborted on GET /hang`);
    // a few more exports: nothing counted twice (the agent sends its cumulative total every second)
    await sleep(2500);
    const rows = await routes();
    const again = rows.find((r) => r.route === '/hang')!;
    assert.equal(again.aborted, N);
    assert.equal(hang.method, 'GET');
    assert.equal(again.requests, 0, 'none finished');
    assert.equal(again.latency.p99, null);
    const ok = rows.find((r) => r.route === '/ok')!;
    assert.equal(ok.requests, OK);
    assert.equal(ok.aborted, 0);
    const [, fleet] = await srv.get<Fleet>('/api/v1/fleet?service=hangs&window=5m');
    assert.equal(fleet.aborted, N);
    assert.equal(fleet.requests, OK, 'aborted requests are not finished ones');
    const [, nodes] = await srv.get<NodeRow[]>('/api/v1/nodes?service=hangs&window=5m');
    assert.deepEqual(nodes.map((n) => n.aborted), [N], 'its one node');
    const [status, series] = await srv.get<Series>('/api/v1/series?service=hangs&metric=aborted&by=route&window=5m&step=1s');
    assert.equal(status, 200);
    const line = series.series.find((l) => l.key.route === '/hang');
    const total = line!.points.reduce((a, [, v]) => a + (v ?? 0), 0) * series.step;
    assert.equal(Math.round(total * 1e6) / 1e6, N);
  } finally {
    await node.stop();
  }
});
