// A zoo node: a small JSON API on node:http, run with the agent (`node --import @perf/agent`). Its routes
// do light real work until a cause is switched on (see causes.ts):
//   GET  /api/users/:id   reads a user from the upstream service (slow-downstream), allocates (churn), waits (wait)
//   POST /api/orders      CPU work (cpu), a cache (leak), may fail (errors) or never answer (hang)
//   GET  /api/report      a key derivation (block)
//   POST /api/sessions    a login: a password hash (~5 ms of CPU); only the connection storm calls it
//   GET  /health
// The parent talks to it over IPC: it sends { port } once listening and takes { cause, on } messages.
// ZOO_BACKLOG sets the listen() backlog (the connection-storm scenario's small accept queue).

import http from 'node:http';
import { execSync } from 'node:child_process';
import { pbkdf2Sync } from 'node:crypto';
import { CAUSES, active, blockingWork, churnWork, cpuWork, failing, fdWork, hangs, leakWork, releaseHung, syncWait, type CauseName } from './causes.js';

const upstream = process.env.ZOO_UPSTREAM ?? '';
const upstreamAgent = new http.Agent({ keepAlive: true, maxSockets: 256 });

function fdSoftLimit(): number {
  try {
    return Number(execSync('ulimit -n', { shell: '/bin/sh' }).toString().trim()) || 1024;
  } catch {
    return 1024;
  }
}
const fdLimit = fdSoftLimit();

for (const name of (process.env.ZOO_CAUSES ?? '').split(',')) {
  if ((CAUSES as readonly string[]).includes(name)) active.add(name as CauseName);
}

function fetchUser(id: string): Promise<string> {
  if (!upstream) return Promise.resolve(`{"id":"${id}"}`);
  return new Promise((resolve, reject) => {
    const req = http.get(`${upstream}/user/${id}`, { agent: upstreamAgent, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('upstream timeout')));
    req.on('error', reject);
  });
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = req.url ?? '/';
  if (req.method === 'GET' && url.startsWith('/api/users/')) {
    churnWork();
    syncWait();
    const user = await fetchUser(url.slice('/api/users/'.length));
    return send(res, 200, { user: JSON.parse(user) });
  }
  if (req.method === 'POST' && url === '/api/orders') {
    for await (const _ of req) {
      // drain the body
    }
    if (failing()) return send(res, 503, { error: 'payments unavailable' });
    if (hangs(res)) return;
    leakWork();
    fdWork(fdLimit);
    const n = await cpuWork();
    return send(res, 201, { ok: true, n });
  }
  if (req.method === 'POST' && url === '/api/sessions') {
    for await (const _ of req) {
      // drain the body
    }
    pbkdf2Sync('correct horse battery staple', 'per-user salt', 10_000, 64, 'sha512');
    return send(res, 201, { ok: true });
  }
  if (req.method === 'GET' && url === '/api/report') {
    blockingWork();
    return send(res, 200, { ok: true });
  }
  if (url === '/health') return send(res, 200, { ok: true, causes: [...active] });
  send(res, 404, { error: 'not found' });
}

const server = http.createServer((req, res) => {
  handle(req, res).catch((err: Error) => {
    if (!res.headersSent) send(res, 502, { error: err.message });
    else res.destroy();
  });
});
server.keepAliveTimeout = 30_000;

process.on('message', (m: { cause?: string; on?: boolean }) => {
  if (!m || typeof m.cause !== 'string' || !(CAUSES as readonly string[]).includes(m.cause)) return;
  if (m.on) active.add(m.cause as CauseName);
  else active.delete(m.cause as CauseName);
  // some causes hold resources: release them right away rather than on the next request
  leakWork();
  fdWork(fdLimit);
  releaseHung();
});
process.on('disconnect', () => process.exit(0));

const backlog = Number(process.env.ZOO_BACKLOG) || undefined;
server.listen(0, '127.0.0.1', backlog, () => {
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  if (process.send) process.send({ port });
  else console.log(JSON.stringify({ port }));
});
