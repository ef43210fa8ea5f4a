// The zoo's downstream service as its own process (a database or another service lives elsewhere; in
// the test process it would share a core with the dashboard under test). Sends { port } over IPC once
// listening; takes { delayMs } messages.

import http from 'node:http';
import type { AddressInfo } from 'node:net';

let delayMs = Number(process.env.ZOO_UPSTREAM_DELAY_MS ?? 2);

const server = http.createServer((req, res) => {
  const id = (req.url ?? '').split('/').pop() ?? '';
  setTimeout(() => {
    const body = JSON.stringify({ id, name: `user ${id}` });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }, delayMs);
});
server.keepAliveTimeout = 30_000;

process.on('message', (m: { delayMs?: number }) => {
  if (typeof m?.delayMs === 'number' && m.delayMs >= 0) delayMs = m.delayMs;
});
process.on('disconnect', () => process.exit(0));
server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as AddressInfo).port }));
