// requests-abandoned end to end: a node:http app under the real agent serves GET /work at once for half a minute,
// then stops answering it; the test's client gives up on each request after 300 ms, and the dashboard's diagnosis
// names the route (outside audit: requests that hung until their clients left were visible nowhere).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startAgentApp } from '../e2e/lib/agent-node.js';
import { abandon, getPath } from '../e2e/lib/hanging-app.js';
import { sleep, testServer, waitFor, type TestServer } from '../server/lib/server.js';

const APP = `
import http from 'node:http';
let hang = false;
const server = http.createServer((req, res) => {
  if (req.url === '/switch') {
    hang = true;
    return res.end('ok');
  }
  if (req.url === '/work' && hang) return;
  res.end('ok');
});
server.listen(0, '127.0.0.1', () => console.log('PORT ' + server.address().port));
`;

type Finding = { kind: string; severity: string; summary: string; routes: string[]; nodes: string[] };

let srv: TestServer;
before(async () => {
  srv = await testServer({ modules: ['diagnose'] });
});
after(() => srv.dispose());

test('clients giving up on a route that stopped answering are named as requests-abandoned', { timeout: 120_000 }, async () => {
  const node = await startAgentApp(`http://127.0.0.1:${srv.otlpPort}`, 'abandon', APP);
  let stop = false;
  try {
    // 10 requests a second, answered, long enough for a past (the diagnosis' baselines need 10 s of it)
    const load = (async () => {
      while (!stop) {
        const t0 = Date.now();
        await Promise.all(Array.from({ length: 5 }, () => (node.port ? abandon(node.port, '/work', 300) : undefined)));
        await sleep(Math.max(0, 500 - (Date.now() - t0)));
      }
    })();
    await sleep(25_000);
    const findings = async () => (await srv.get<Finding[]>('/api/v1/findings?service=abandon'))[1];
    assert.deepEqual((await findings()).filter((f) => f.kind === 'requests-abandoned'), [], 'none while it answers');
    await getPath(node.port, '/switch');
    const f = await waitFor(async () => (await findings()).find((x) => x.kind === 'requests-abandoned'), 20_000, 'a requests-abandoned finding');
    assert.deepEqual(f.routes, ['GET /work']);
    // (raised within seconds: the first judged seconds still hold answered requests)
    assert.equal(f.severity, 'critical', 'most of the route\'s requests are given up on');
    assert.match(f.summary, /^Clients give up on GET \/work: \d+(\.\d+)? requests a second aborted before an answer \(\d+(\.\d+)?% of its requests, against 0% before\), on node /);
    stop = true;
    await load;
  } finally {
    stop = true;
    await node.stop();
  }
});
