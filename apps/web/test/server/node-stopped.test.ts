// A node whose process stops gracefully (SIGTERM, a deploy) says so in its agent's last export: the dashboard shows
// it stopped at once, and never counts it as down (a rolling deploy is not an outage: no nodeDown alert). A node that
// is killed outright says nothing and goes down as before.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, test } from 'node:test';
import { startAgentApp, startAgentNode } from '../e2e/lib/agent-node.js';
import { sleep, testServer, waitFor, type TestServer } from './lib/server.js';
import type { Fleet, NodeRow, Services } from '../../server/api/types.js';

let srv: TestServer;
before(async () => {
  srv = await testServer({ store: { nodeDownAfterMs: 2000 } });
});
after(() => srv.dispose());

test('SIGTERM: stopped at once, not down, also after the down delay; SIGKILL: down', async () => {
  const endpoint = `http://127.0.0.1:${srv.otlpPort}`;
  const graceful = await startAgentNode(endpoint, 'deploy');
  const killed = await startAgentNode(endpoint, 'deploy');
  try {
    const nodes = async () => (await srv.get<NodeRow[]>('/api/v1/nodes?service=deploy'))[1];
    await waitFor(async () => (await nodes()).filter((n) => n.up).length === 2 || undefined, 20_000, 'both nodes up');
    const byPid = async (pid: number) => (await nodes()).find((n) => n.pid === pid);
    graceful.child.kill('SIGTERM');
    await once(graceful.child, 'exit');
    const stopped = await waitFor(async () => {
      const n = await byPid(graceful.child.pid!);
      return n?.stopped ? n : undefined;
    }, 1500, 'the SIGTERMed node shown stopped within its last export');
    assert.equal(stopped.up, false);
    killed.child.kill('SIGKILL');
    await once(killed.child, 'exit');
    await sleep(3500); // past the 2 s down delay
    const [, fleet] = await srv.get<Fleet>('/api/v1/fleet?service=deploy');
    assert.equal(fleet.nodesStopped, 1);
    assert.equal(fleet.nodesDown, 1, 'the killed node is down');
    assert.equal(fleet.nodesUp, 0);
    const [, services] = await srv.get<Services>('/api/v1/services');
    const deploy = services.find((x) => x.name === 'deploy');
    assert.deepEqual([deploy?.nodesUp, deploy?.nodesDown, deploy?.nodesStopped], [0, 1, 1], '/services agrees with /fleet');
    const gone = await byPid(graceful.child.pid!);
    assert.equal(gone?.stopped, true, 'still stopped, not down');
    const dead = await byPid(killed.child.pid!);
    assert.equal(dead?.stopped, false);
    assert.equal(dead?.up, false);
  } finally {
    await graceful.stop();
    await killed.stop();
  }
});

// outside audit Y: with PERF_WORKER_THREADS=true each worker thread serving HTTP is a node of its own, whose agent gets
// no signal: after a SIGTERM the main thread's node was stopped and the worker's down (a nodeDown alert each deploy)
const WITH_WORKER = `
import http from 'node:http';
import { Worker } from 'node:worker_threads';
// (evaluated as a module: the worker inherits --input-type=module)
const worker = new Worker("import http from 'node:http'; import { parentPort } from 'node:worker_threads'; const s = http.createServer((q, r) => r.end('worker')); s.listen(0, '127.0.0.1', () => parentPort.postMessage(s.address().port));", { eval: true });
await new Promise((resolve) => worker.once('message', resolve));
worker.unref();
const server = http.createServer((q, r) => r.end('main'));
server.listen(0, '127.0.0.1', () => console.log('PORT ' + server.address().port));
`;

test('SIGTERM to a process with an HTTP worker thread: both its nodes stopped, neither down', async () => {
  const app = await startAgentApp(`http://127.0.0.1:${srv.otlpPort}`, 'threads', WITH_WORKER, { PERF_WORKER_THREADS: 'true' });
  try {
    const nodes = async () => (await srv.get<NodeRow[]>('/api/v1/nodes?service=threads'))[1];
    await waitFor(async () => (await nodes()).filter((n) => n.up && n.pid === app.child.pid).length === 2 || undefined, 20_000, 'the main thread\'s node and the worker\'s up');
    app.child.kill('SIGTERM');
    await once(app.child, 'exit');
    await waitFor(async () => (await nodes()).every((n) => n.stopped) || undefined, 3000, 'both shown stopped');
    await sleep(3500); // past the 2 s down delay
    const [, fleet] = await srv.get<Fleet>('/api/v1/fleet?service=threads');
    assert.deepEqual([fleet.nodesUp, fleet.nodesDown, fleet.nodesStopped], [0, 0, 2]);
  } finally {
    await app.stop();
  }
});
