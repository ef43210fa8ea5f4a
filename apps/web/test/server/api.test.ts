// The API surface: token auth (bearer and login cookie), errors with codes, the default findings route,
// and modules mounting routes on the router.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { testServer } from './lib/server.js';

test('PERF_API_TOKEN: bearer or the login cookie; 401 with a code otherwise', async () => {
  const srv = await testServer({ apiToken: 's3cret' });
  try {
    const [s401, body] = await srv.get('/api/v1/fleet');
    assert.equal(s401, 401);
    assert.equal(body.error.code, 'PERF_API_UNAUTHORIZED');
    assert.equal((await srv.get('/api/v1/fleet', { authorization: 'Bearer wrong' }))[0], 401);
    assert.equal((await srv.get('/api/v1/fleet', { authorization: 'Bearer s3cret' }))[0], 200);
    const bad = await fetch(`${srv.url}/api/v1/login`, { method: 'POST', body: JSON.stringify({ token: 'nope' }), headers: { 'content-type': 'application/json' } });
    assert.equal(bad.status, 401);
    const login = await fetch(`${srv.url}/api/v1/login`, { method: 'POST', body: JSON.stringify({ token: 's3cret' }), headers: { 'content-type': 'application/json' } });
    assert.equal(login.status, 200);
    const setCookie = login.headers.get('set-cookie') ?? '';
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Strict/);
    const cookie = setCookie.split(';')[0];
    assert.equal((await srv.get('/api/v1/nodes', { cookie }))[0], 200);
    // the stream is behind the token too
    assert.equal((await fetch(`${srv.url}/api/v1/stream`)).status, 401);
  } finally {
    await srv.dispose();
  }
});

test('errors carry a stable code; unknown paths 404, wrong methods 405; findings default to []', async () => {
  const srv = await testServer();
  try {
    const [s404, e404] = await srv.get('/api/v1/nope');
    assert.equal(s404, 404);
    assert.equal(e404.error.code, 'PERF_API_NOT_FOUND');
    const r405 = await fetch(`${srv.url}/api/v1/fleet`, { method: 'DELETE' });
    assert.equal(r405.status, 405);
    const [s400, e400] = await srv.get('/api/v1/fleet?window=banana');
    assert.equal(s400, 400);
    assert.match(e400.error.message, /window/);
    assert.equal((await srv.get('/api/v1/fleet?window=30d'))[0], 400, 'longer than the longest retention');
    assert.deepEqual((await srv.get('/api/v1/findings'))[1], []);
    const [, fleet] = await srv.get('/api/v1/fleet');
    assert.deepEqual(Object.keys(fleet).slice(0, 5), ['rps', 'errorRate', 'latency', 'eventLoopDelay', 'nodes']);
    assert.deepEqual(fleet.latency, { p50: null, p90: null, p99: null, p999: null });
    const [sUi, eUi] = await srv.get('/');
    assert.equal(sUi, 404);
    assert.equal(eUi.error.code, 'PERF_UI_DISABLED');
  } finally {
    await srv.dispose();
  }
});

test('a module can mount routes on the router and take over /api/v1/findings', async () => {
  const srv = await testServer();
  try {
    srv.router.get('/api/v1/findings', ({ query }) => [{ kind: 'test', service: query.get('service') }]);
    srv.router.post('/api/v1/things/:id', async (ctx) => ({ id: ctx.params.id, body: await ctx.json() }));
    assert.deepEqual((await srv.get('/api/v1/findings?service=x'))[1], [{ kind: 'test', service: 'x' }]);
    const r = await fetch(`${srv.url}/api/v1/things/a%20b`, { method: 'POST', body: '{"n":1}' });
    assert.deepEqual(await r.json(), { id: 'a b', body: { n: 1 } });
    const bad = await fetch(`${srv.url}/api/v1/things/x`, { method: 'POST', body: '{' });
    assert.equal(bad.status, 400);
    assert.equal((await bad.json()).error.code, 'PERF_API_BAD_JSON');
  } finally {
    await srv.dispose();
  }
});
