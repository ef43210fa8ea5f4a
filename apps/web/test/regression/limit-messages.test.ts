// Regression: an uncompressed chunked export over PERF_MAX_BODY_BYTES was refused as "decompressed body is over
// the limit" although nothing was compressed, and `window=0s` was "not a duration" although it is one, out of range.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import { testServer } from '../server/lib/server.js';

/** POSTs `chunks` × 64 KiB of JSON-ish bytes with no Content-Length (chunked); resolves with the status and the JSON Status. */
function postChunked(otlpUrl: string, chunks: number, headers: Record<string, string> = {}, body?: Buffer): Promise<[number, { code: number; message: string }]> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(new URL('/v1/metrics', otlpUrl), { method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve([res.statusCode ?? 0, JSON.parse(text)]));
    });
    req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' || err.code === 'EPIPE' ? undefined : reject(err)));
    if (body !== undefined) return void req.end(body);
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let n = 0;
    const write = () => {
      while (n < chunks) {
        n++;
        if (!req.write(chunk)) return void req.once('drain', write);
      }
      req.end();
    };
    write();
  });
}

test('a body over the limit is "body is over the limit" unless it was compressed', async () => {
  const srv = await testServer({ maxBodyBytes: 1 << 20 });
  try {
    const [plain, plainStatus] = await postChunked(srv.otlpUrl, 32);
    assert.equal(plain, 413);
    assert.equal(plainStatus.message, `body is over the limit of ${1 << 20} bytes (PERF_MAX_BODY_BYTES)`);
    const [gz, gzStatus] = await postChunked(srv.otlpUrl, 0, { 'content-encoding': 'gzip' }, gzipSync(Buffer.alloc(4 << 20, 0x20)));
    assert.equal(gz, 413);
    assert.equal(gzStatus.message, `decompressed body is over the limit of ${1 << 20} bytes (PERF_MAX_BODY_BYTES)`);
  } finally {
    await srv.dispose();
  }
});

test('window=0s is a duration out of range, not "not a duration"', async () => {
  const srv = await testServer();
  try {
    const [zero, zeroBody] = await srv.get('/api/v1/fleet?window=0s');
    assert.equal(zero, 400);
    assert.equal(zeroBody.error.code, 'PERF_API_BAD_PARAM');
    assert.match(zeroBody.error.message, /^window="0s" is out of range: it must be more than 0 s and at most the longest retention \(\d+ s\)$/);
    const [, stepBody] = await srv.get('/api/v1/series?metric=rps&step=0');
    assert.match(stepBody.error.message, /^step="0" is out of range/);
    const [, bad] = await srv.get('/api/v1/fleet?window=banana');
    assert.equal(bad.error.message, 'window="banana" is not a duration; use e.g. 60s, 5m, 1h');
  } finally {
    await srv.dispose();
  }
});

// regression: a JSON body over the API's 1 MiB limit reset the connection about half the time, before the client
// could read the 413 (the server stopped reading the request); the rest is now read and dropped
test('an API body over 1 MiB: the client always gets its 413, on the API and on the alerts API', async () => {
  const srv = await testServer({ modules: ['alerts'] });
  try {
    const big = Buffer.alloc(3 * 1024 * 1024, 0x20);
    const post = (path: string) =>
      new Promise<number>((resolve, reject) => {
        const req = httpRequest(`${srv.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': big.length } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.end(big);
      });
    for (let i = 0; i < 6; i++) {
      assert.equal(await post('/api/v1/alerts/rules'), 413, `alerts, try ${i}`);
      assert.equal(await post('/api/v1/login'), 413, `login, try ${i}`);
    }
  } finally {
    await srv.dispose();
  }
});
