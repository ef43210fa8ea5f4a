// The HTTP probe's list of open connections, in one process with a real node:http server: requests in flight named by
// route at collect time, and sockets destroyed behind the agent's back (their 'close' listeners removed) let go of.
import assert from 'node:assert/strict';
import { createServer, request, type ClientRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { Metrics } from '@perf/metrics';
import { HttpCollector } from '../../src/collectors/http.js';
import { MetricBatch } from '../../src/recording/MetricBatch.js';
import { RouteTable } from '../../src/recording/RouteTable.js';

const table = new RouteTable({ maxRoutes: 200, maxScale: 6, maxSize: 160 });
const collector = new HttpCollector(table);
let server: Server;
let port = 0;
before(async () => {
  collector.start();
  server = createServer((req, res) => {
    if (req.url === '/drop') {
      // a library that takes the socket over: every 'close' listener removed, then destroyed
      req.socket.removeAllListeners('close');
      req.socket.destroy();
    } else if (req.url === '/stream') {
      // a stream being answered: its head and a first event sent, never ended
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: 1\n\n');
    } else if (!req.url?.startsWith('/hang')) res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
after(async () => {
  collector.stop();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const open = () => {
  let n = 0;
  for (let c = (collector as unknown as { open?: { next?: unknown } }).open; c !== undefined; c = c.next as typeof c) n++;
  return n;
};
const collect = () => {
  const batch = new MetricBatch(0, Date.now() * 1e6);
  collector.collect(batch);
  return batch;
};
function send(path: string): ClientRequest {
  const req = request({ port, host: '127.0.0.1', path, agent: false });
  req.on('error', () => undefined);
  req.end();
  return req;
}
const until = async (what: string, ok: () => boolean) => {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(ok(), what);
};

test('requests in flight named by route at collect time, from 10 on; none left linked once their connections close', async () => {
  const held = [...Array.from({ length: 7 }, (_, i) => send(`/hang/${100 + i}`)), ...Array.from({ length: 3 }, () => send('/hang'))];
  await until('10 connections linked', () => open() === 10);
  const m = collect().metrics.get(Metrics.httpServerActiveRequestsByRoute);
  assert.equal(m?.type, 'gauge');
  assert.deepEqual(
    new Map(m?.type === 'gauge' ? m.points.map((p) => [`${p.attributes['http.request.method']} ${p.attributes['http.route']}`, p.value]) : []),
    new Map([
      ['GET /hang/:id', 7],
      ['GET /hang', 3],
    ]),
  );
  held.pop()!.destroy();
  await until('a closed connection unlinked', () => open() === 9);
  // 9 in flight: below the line, no route named
  assert.equal(collect().metrics.get(Metrics.httpServerActiveRequestsByRoute), undefined);
  for (const r of held) r.destroy();
  await until('every connection unlinked', () => open() === 0);
});

test('requests whose response has begun (a stream) are told apart from those not answered at all', async () => {
  const held = [...Array.from({ length: 6 }, (_, i) => send(`/hang/${200 + i}`)), ...Array.from({ length: 4 }, () => send('/stream'))];
  try {
    await until('10 connections linked', () => open() === 10);
    await new Promise((r) => setTimeout(r, 50));
    const m = collect().metrics.get(Metrics.httpServerActiveRequestsByRoute);
    assert.deepEqual(
      new Map(m?.type === 'gauge' ? m.points.map((p) => [`${p.attributes['http.request.method']} ${p.attributes['http.route']} ${p.attributes['perf.http.response.started']}`, p.value]) : []),
      new Map([
        ['GET /hang/:id false', 6],
        ['GET /stream true', 4],
      ]),
    );
  } finally {
    for (const r of held) r.destroy();
  }
  await until('every connection unlinked', () => open() === 0);
});

test('a socket destroyed with its close listeners removed is let go of at the next collections', async () => {
  send('/drop');
  await until('linked', () => open() === 1);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(open(), 1, "its 'close' never reaches the agent");
  collect();
  assert.equal(open(), 0);
});
