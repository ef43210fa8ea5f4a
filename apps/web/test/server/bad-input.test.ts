// Every bad input gets its status code while good traffic from other nodes keeps flowing and stays exact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { gzipSync } from 'node:zlib';
import { encodeProtobuf } from '@perf/metrics';
import { runSimulation } from '../../simulator/run.js';
import { testServer, postOtlp, waitFor, sleep } from './lib/server.js';
import { expPoint, httpExp, request, resource } from './lib/otlp.js';
import { ingestConnectionLimit, openFileLimit } from '../../server/ingest/connections.js';

const ns = (ms: number) => ms * 1e6;

function goodBody(instance = 'probe', service = 'probe'): Uint8Array {
  const now = Date.now();
  return encodeProtobuf(request(resource(service, instance), [httpExp('delta', [expPoint({ start: ns(now - 1000), time: ns(now), offset: -6, counts: [3] })])]));
}

test('bad inputs get 400/401/404/413/415/429 while a simulated fleet keeps flowing', async () => {
  const token = 'ingest-secret';
  const srv = await testServer({ ingestToken: token, maxBodyBytes: 4 << 20, store: { maxSeriesPerService: 10_000 } });
  const auth = { authorization: `Bearer ${token}` };
  const run = runSimulation({ nodes: 6, rpsPerNode: 500, routes: 5, samplesPerNode: 100, service: 'good' }, { target: srv.otlpUrl, token }, { duration: 8 });
  try {
    await sleep(1200);
    // wrong or missing token
    assert.equal((await postOtlp(srv.otlpUrl, goodBody())).status, 401);
    assert.equal((await postOtlp(srv.otlpUrl, goodBody(), { headers: { authorization: 'Bearer nope' } })).status, 401);
    // malformed and truncated protobuf, malformed JSON
    const bad400 = await postOtlp(srv.otlpUrl, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]), { headers: auth });
    assert.equal(bad400.status, 400);
    const full = Buffer.from(goodBody());
    assert.equal((await postOtlp(srv.otlpUrl, full.subarray(0, full.length - 7), { headers: auth })).status, 400);
    const badJson = await postOtlp(srv.otlpUrl, Buffer.from('{"resourceMetrics": [ {'), { contentType: 'application/json', headers: auth });
    assert.equal(badJson.status, 400);
    assert.ok(typeof JSON.parse(badJson.body.toString()).message === 'string', 'a JSON Status with a message');
    // wrong content type, wrong path
    assert.equal((await postOtlp(srv.otlpUrl, full, { contentType: 'text/plain', headers: auth })).status, 415);
    assert.equal((await postOtlp(srv.otlpUrl, full, { headers: auth, path: '/v1/traces' })).status, 404);
    // oversized by content-length, oversized while streaming (chunked), and a gzip bomb
    assert.equal((await postOtlp(srv.otlpUrl, Buffer.alloc(5 << 20), { headers: auth })).status, 413);
    const chunked = await new Promise<number>((resolve) => {
      // chunked bodies carry no length: the limit applies while streaming (auth header needed first)
      const req = httpRequest(new URL('/v1/metrics', srv.otlpUrl), { method: 'POST', headers: { 'content-type': 'application/x-protobuf', ...auth } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', () => {});
      const chunk = Buffer.alloc(64 * 1024, 0x0a);
      let n = 0;
      const write = () => {
        while (n < 80) {
          n++;
          if (!req.write(chunk)) return void req.once('drain', write);
        }
        req.end();
      };
      write();
    });
    assert.equal(chunked, 413);
    const bomb = gzipSync(Buffer.alloc(200 << 20)); // 200 MiB of zeros, ~200 KiB compressed
    const t0 = Date.now();
    const bombed = await postOtlp(srv.otlpUrl, bomb, { headers: { ...auth, 'content-encoding': 'gzip' } });
    assert.equal(bombed.status, 413);
    assert.ok(Date.now() - t0 < 5000, 'cut off early, not after inflating 200 MiB');
    // a flood of 20,000 new series in one service: the cap folds the excess and says so
    const now = Date.now();
    const points = Array.from({ length: 20_000 }, (_, i) => expPoint({ start: ns(now - 1000), time: ns(now), offset: -6, counts: [1], route: `/flood/${i}` }));
    const flood = await postOtlp(srv.otlpUrl, encodeProtobuf(request(resource('flood', 'flood-1'), [httpExp('delta', points)])), { headers: auth });
    assert.equal(flood.status, 200);
    const [, services] = await srv.get('/api/v1/services');
    const f = services.find((s: { name: string }) => s.name === 'flood');
    assert.ok(f.series <= 10_000, `series held ${f.series} ≤ cap`);
    assert.ok(f.foldedSeries >= 10_000, `folded ${f.foldedSeries}`);
    // folded delta points still count (in the service's "other" route): totals stay right
    const floodFleet = await waitFor(async () => {
      const [, x] = await srv.get('/api/v1/fleet?service=flood&window=30s');
      return x.requests === 20_000 ? x : undefined;
    }, 8000, 'flood totals');
    assert.ok(floodFleet.foldedSeries >= 10_000);
    await run.done;
    // the good fleet was never refused and its totals are exact
    assert.deepEqual([...run.sender.statuses.keys()], [200]);
    const to = run.completed[run.completed.length - 1];
    const exp = run.sim.expected(120, to);
    const fleet = await waitFor(async () => {
      const [, x] = await srv.get('/api/v1/fleet?service=good&window=120s');
      return x.requests === exp.requests ? x : undefined;
    }, 8000, `good fleet totals = ${exp.requests}`);
    assert.equal(fleet.requests, exp.requests);
    const [, status] = await srv.get('/api/v1/status');
    assert.ok(status.ingest.refusedRequests['401'] >= 2);
    assert.ok(status.ingest.refusedRequests['400'] >= 3);
    assert.ok(status.ingest.refusedRequests['413'] >= 3);
    assert.ok(status.ingest.refusedRequests['415'] >= 1);
  } finally {
    run.stop();
    run.sender.close();
    await srv.dispose();
  }
});

// security audit: a body arriving a byte a second held a queue place for the whole request timeout, so 256 such
// connections from one client refused every agent with 429 for 60 s at a time
test('exports still arriving: one client address holds at most PERF_INGEST_PER_ADDRESS of them (429 with Retry-After); others are not held up', async () => {
  const srv = await testServer({ ingestQueue: 2, ingestPerAddress: 2 });
  const body = Buffer.from(goodBody('q', 'queue'));
  // three exports from 127.0.0.1 whose bodies are still arriving: more than the queue holds
  const slow = [0, 1, 2].map(
    () =>
      new Promise<{ req: ReturnType<typeof httpRequest>; status: Promise<number> }>((resolve) => {
        let done: (n: number) => void = () => {};
        const status = new Promise<number>((r) => (done = r));
        const req = httpRequest(new URL('/v1/metrics', srv.otlpUrl), { method: 'POST', headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length } }, (res) => {
          res.resume();
          done(res.statusCode ?? 0);
        });
        req.on('error', () => {});
        req.write(body.subarray(0, 10));
        req.flushHeaders();
        resolve({ req, status });
      }),
  );
  try {
    const held = await Promise.all(slow);
    await sleep(300);
    // the third was refused at once; so is another from the same address
    assert.equal(await held[2].status, 429);
    const refused = await postOtlp(srv.otlpUrl, body);
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers['retry-after']) > 0, 'Retry-After');
    assert.match(refused.body.toString(), /still arriving/);
    // an agent on another address is not held up by them
    const other = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(new URL('/v1/metrics', srv.otlpUrl), { method: 'POST', localAddress: '127.0.0.2', headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end(body);
    });
    assert.equal(other, 200);
    for (const h of held.slice(0, 2)) h.req.end(body.subarray(10));
    assert.deepEqual(await Promise.all(held.slice(0, 2).map((h) => h.status)), [200, 200]);
    // once they are read the address may send again
    assert.equal((await postOtlp(srv.otlpUrl, body)).status, 200);
    const [, status] = await srv.get('/api/v1/status');
    assert.equal(status.ingest.refusedRequests['429'], 2);
    assert.equal(status.ingest.queueDepth, 0);
  } finally {
    await srv.dispose();
  }
});


// outside audit: 960 slow connections from 15 loopback addresses were all held for over 50 s (only exports still
// arriving per address were bounded); past the open-file limit every accept fails, the UI's and the data file's too
test('OTLP connections past PERF_INGEST_MAX_CONNECTIONS are closed at once and counted; agents get in again once some close', async () => {
  const srv = await testServer({ ingestMaxConnections: 4 });
  const url = new URL(srv.otlpUrl);
  const open = (localAddress: string) =>
    new Promise<Socket>((resolve, reject) => {
      const s = connect({ host: url.hostname, port: Number(url.port), localAddress }, () => resolve(s));
      s.on('error', reject);
    });
  // idle connections from four addresses, none over the per-address limit
  const held = await Promise.all(['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'].map(open));
  try {
    await sleep(100);
    const body = Buffer.from(goodBody('c', 'conn'));
    const refused = await postOtlp(srv.otlpUrl, body).then(
      (r) => r.status,
      (err: NodeJS.ErrnoException) => err.code,
    );
    assert.equal(refused, 'ECONNRESET', 'a fifth connection is closed without an answer');
    const [, status] = await srv.get('/api/v1/status');
    assert.equal(status.ingest.maxConnections, 4);
    assert.ok(status.ingest.droppedConnections >= 1, `dropped ${status.ingest.droppedConnections}`);
    held[0].destroy();
    await sleep(100);
    assert.equal((await postOtlp(srv.otlpUrl, body)).status, 200, 'room again once one closed');
  } finally {
    for (const s of held) s.destroy();
    await srv.dispose();
  }
});

test('the connection limit: the configured one, else 10,000 within three quarters of the open-file limit', () => {
  const limits = (soft: string) => `Limit                     Soft Limit           Hard Limit           Units\nMax open files            ${soft}             1048576              files\n`;
  assert.equal(openFileLimit(limits('1024')), 1024);
  assert.equal(openFileLimit(limits('unlimited')), undefined);
  assert.equal(openFileLimit(''), undefined, 'no such line');
  assert.ok(openFileLimit()! > 0, 'this process\'s');
  assert.equal(ingestConnectionLimit(undefined, 1024), 768);
  assert.equal(ingestConnectionLimit(undefined, 1048576), 10_000);
  assert.equal(ingestConnectionLimit(undefined, undefined), 10_000);
  assert.equal(ingestConnectionLimit(50, 1024), 50, 'configured wins');
});

// gzip bombs from several addresses at once: each was cut at PERF_MAX_BODY_BYTES, but together 128 of them held
// 1.2 GB of decompressed output (and the process kept it after); the bytes of all exports being read are bounded too
test('gzip bombs arriving together hold at most the receiver\'s byte budget; refused with 429, agents still get in after', async () => {
  const srv = await testServer({ maxBodyBytes: 4 * 1024 * 1024, ingestQueueBytes: 8 * 1024 * 1024 });
  try {
    const bomb = gzipSync(Buffer.alloc(32 * 1024 * 1024));
    const send = (localAddress: string) =>
      new Promise<number>((resolve) => {
        const req = httpRequest(new URL('/v1/metrics', srv.otlpUrl), { method: 'POST', localAddress, headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip', 'content-length': bomb.length } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', () => resolve(0));
        req.end(bomb);
      });
    const statuses = await Promise.all(Array.from({ length: 12 }, (_, i) => send(`127.0.0.${2 + (i % 6)}`)));
    // each bomb alone is over the body limit (413); with 12 at once the budget (two bodies' worth) is reached first
    assert.ok(statuses.every((s) => s === 413 || s === 429), statuses.join(' '));
    assert.ok(statuses.filter((s) => s === 429).length >= 6, `refused for the budget: ${statuses.join(' ')}`);
    assert.equal((await postOtlp(srv.otlpUrl, goodBody('b', 'bombs'))).status, 200, 'an agent after them');
    const [, status] = await srv.get('/api/v1/status');
    assert.equal(status.ingest.queueDepth, 0);
  } finally {
    await srv.dispose();
  }
});

// outside audit Z: a plain node:http client posting a body over PERF_MAX_BODY_BYTES met EPIPE, never the 413: the
// receiver answered at once with the connection closed while the client was still sending (curl, which asks with
// Expect: 100-continue, saw the 413). The same for any refusal before the body is read (a wrong token, a wrong path)
test('a client still sending a refused body gets the answer, not a broken pipe', async () => {
  const token = 'ingest-secret';
  const srv = await testServer({ ingestToken: token });
  const post = (size: number, headers: Record<string, string>, path = '/v1/metrics', whole = false) =>
    new Promise<{ status: number; body: string } | { error: string }>((resolve) => {
      const req = httpRequest(new URL(path, srv.otlpUrl), { method: 'POST', headers: { 'content-type': 'application/x-protobuf', 'content-length': String(size), ...headers } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('latin1') }));
      });
      req.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
      if (whole) return void req.end(Buffer.alloc(size, 0x0a));
      // written in pieces a few ms apart, as a slow link delivers a body: the answer comes while it still sends
      const chunk = Buffer.alloc(256 * 1024, 0x0a);
      let left = size;
      const write = () => {
        if (left <= 0) return void req.end();
        const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
        left -= piece.length;
        if (req.write(piece)) setTimeout(write, 5);
        else req.once('drain', () => setTimeout(write, 5));
      };
      write();
    });
  try {
    const auth = { authorization: `Bearer ${token}` };
    for (const size of [(8 << 20) + 1, 9 << 20, 16 << 20]) {
      for (const whole of [true, false]) {
        const r = await post(size, auth, '/v1/metrics', whole);
        assert.ok('status' in r && r.status === 413 && /over the limit/.test(r.body), `${size} bytes${whole ? ' in one write' : ''}: ${JSON.stringify(r).slice(0, 200)}`);
      }
    }
    const wrongToken = await post(3 << 20, { authorization: 'Bearer nope' }, '/v1/metrics', true);
    assert.ok('status' in wrongToken && wrongToken.status === 401, JSON.stringify(wrongToken).slice(0, 200));
    const wrongPath = await post(3 << 20, auth, '/v1/traces', true);
    assert.ok('status' in wrongPath && wrongPath.status === 404, JSON.stringify(wrongPath).slice(0, 200));
    // what makes it hold: the connection stays open while the client sends, and the answer follows the body's end (a raw
    // socket: half the body, a pause, then the rest); before, the answer and the connection's end came at once and the
    // rest of the body met a reset
    const { port } = new URL(srv.otlpUrl);
    const sock = connect(Number(port), '127.0.0.1');
    const received: Buffer[] = [];
    let ended = false;
    sock.on('data', (c: Buffer) => received.push(c));
    sock.on('end', () => (ended = true));
    sock.on('error', () => {});
    await new Promise((resolve) => sock.once('connect', resolve));
    const size = 9 << 20;
    sock.write(`POST /v1/metrics HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-protobuf\r\nAuthorization: Bearer ${token}\r\nContent-Length: ${size}\r\n\r\n`);
    sock.write(Buffer.alloc(size / 2, 0x0a));
    await sleep(300);
    assert.deepEqual([Buffer.concat(received).length, ended], [0, false], 'no answer, no end, while the body is still coming');
    sock.write(Buffer.alloc(size / 2, 0x0a));
    await waitFor(async () => ended || undefined, 5000, 'the answer and the connection\'s end');
    assert.match(Buffer.concat(received).toString('latin1'), /^HTTP\/1\.1 413 [^]*over the limit/);
    sock.destroy();
    // …and a good export right after is taken as ever
    assert.equal((await postOtlp(srv.otlpUrl, goodBody(), { headers: auth })).status, 200);
  } finally {
    await srv.dispose();
  }
});
