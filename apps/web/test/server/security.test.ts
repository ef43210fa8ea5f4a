// Hostile requests to the dashboard's web port (security audit): none ends the process or goes unanswered, a
// browser page on another site cannot change anything, the session cookie is not the token, sign-ins are rate limited.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { hostname } from 'node:os';
import { testServer } from './lib/server.js';
import { uiBuilt } from '../../server/server.js';

function raw(base: string, method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, base), { method, headers: { ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString() }));
    });
    req.setTimeout(5000, () => req.destroy(new Error(`no answer to ${method} ${path} within 5 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

const RULE = JSON.stringify({ name: 'csrf-made', scope: 'fleet', metric: 'rps', op: '>', threshold: 1 });

test('a malformed session cookie or path escape: answered 401/400, the process goes on (one request ended it)', async () => {
  const srv = await testServer({ apiToken: 'tok', modules: ['alerts'] });
  try {
    for (const c of ['perf_token=%', 'perf_token=%zz', 'a=%; perf_token=%E0%A4%A']) {
      assert.equal((await raw(srv.url, 'GET', '/api/v1/fleet', { cookie: c })).status, 401, c);
    }
    const bad = await raw(srv.url, 'GET', '/api/v1/alerts/rules/%E0%A4%A', { authorization: 'Bearer tok' });
    assert.equal(bad.status, 400);
    assert.equal(JSON.parse(bad.text).error.code, 'PERF_API_BAD_PATH');
    assert.equal((await raw(srv.url, 'GET', '/api/v1/fleet', { authorization: 'Bearer tok' })).status, 200, 'still serving');
  } finally {
    await srv.dispose();
  }
});

test('cross-site changes are refused (a page on another site, or another port, with or without a token); same-origin pages and clients that are not browsers are not', async () => {
  const srv = await testServer({ modules: ['alerts'] });
  const host = new URL(srv.url).host;
  const json = { 'content-type': 'text/plain' };
  try {
    const foreign: Record<string, string>[] = [{ origin: 'http://evil.example' }, { origin: 'http://127.0.0.1:1' }, { origin: 'null' }, { 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site', origin: `http://${host}` }];
    for (const h of foreign) {
      const r = await raw(srv.url, 'POST', '/api/v1/alerts/rules', { ...json, ...h }, RULE);
      assert.equal(r.status, 403, JSON.stringify(h));
      assert.equal(JSON.parse(r.text).error.code, 'PERF_API_CROSS_SITE');
    }
    assert.equal((await raw(srv.url, 'DELETE', '/api/v1/alerts/rules/x', { origin: 'http://evil.example' })).status, 403);
    const [, rules] = await srv.get('/api/v1/alerts/rules');
    assert.deepEqual(rules, [], 'nothing was created');
    // reading stays possible (the same-origin policy keeps the answers from the other site's script)
    assert.equal((await raw(srv.url, 'GET', '/api/v1/fleet', { origin: 'http://evil.example' })).status, 200);
    // the dashboard's own pages, behind a proxy that rewrites Host too, and curl
    assert.equal((await raw(srv.url, 'POST', '/api/v1/alerts/rules', { ...json, 'sec-fetch-site': 'same-origin', origin: 'https://perf.example.com' }, RULE)).status, 201);
    assert.equal((await raw(srv.url, 'PUT', '/api/v1/alerts/rules?name=x', { ...json, origin: `http://${host}` }, RULE)).status !== 403, true);
    assert.equal((await raw(srv.url, 'POST', '/api/v1/alerts/rules', { ...json, origin: 'https://perf.example.com', 'x-forwarded-host': 'perf.example.com' }, RULE.replace('csrf-made', 'proxied'))).status, 201);
    assert.equal((await raw(srv.url, 'POST', '/api/v1/alerts/rules', json, RULE.replace('csrf-made', 'curl'))).status, 201);
  } finally {
    await srv.dispose();
  }
});

test('the session cookie is derived from the token, not the token; the bearer scheme is case-insensitive; wrong tokens are rate limited', async () => {
  const srv = await testServer({ apiToken: 'tok' });
  try {
    const ok = await raw(srv.url, 'POST', '/api/v1/login', { 'content-type': 'application/json' }, JSON.stringify({ token: 'tok' }));
    assert.equal(ok.status, 200);
    const cookie = String(ok.headers['set-cookie']).split(';')[0];
    assert.doesNotMatch(cookie, /=tok$/, 'the token itself is not in the cookie');
    assert.equal((await raw(srv.url, 'GET', '/api/v1/fleet', { cookie })).status, 200);
    assert.equal((await raw(srv.url, 'GET', '/api/v1/fleet', { cookie: 'perf_token=tok' })).status, 401, 'the token as a cookie is no session');
    for (const scheme of ['Bearer', 'bearer', 'BEARER']) assert.equal((await raw(srv.url, 'GET', '/api/v1/fleet', { authorization: `${scheme} tok` })).status, 200, scheme);
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await raw(srv.url, 'POST', '/api/v1/login', {}, JSON.stringify({ token: `guess-${i}` }))).status);
    assert.deepEqual(statuses, [...Array(10).fill(401), 429, 429]);
    const limited = await raw(srv.url, 'POST', '/api/v1/login', {}, JSON.stringify({ token: 'tok' }));
    assert.equal(limited.status, 429, 'even the right token, until the window passes');
    assert.ok(Number(limited.headers['retry-after']) > 0);
    assert.equal((await raw(srv.url, 'GET', '/api/v1/fleet', { authorization: 'Bearer tok' })).status, 429, 'nor a bearer token from that address: one limit');
    assert.equal((await raw(srv.url, 'GET', '/api/v1/fleet', { cookie })).status, 200, 'a signed-in page is not limited');
  } finally {
    await srv.dispose();
  }
});

// outside audit (hostile input): wrong bearer tokens were not rate limited, only POST /login was
test('wrong bearer tokens count against the address as wrong sign-ins do', async () => {
  const srv = await testServer({ apiToken: 'tok' });
  try {
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await raw(srv.url, 'GET', '/api/v1/fleet', { authorization: `Bearer guess-${i}` })).status);
    assert.deepEqual(statuses, [...Array(10).fill(401), 429, 429]);
    const limited = await raw(srv.url, 'GET', '/api/v1/fleet', { authorization: 'Bearer tok' });
    assert.equal(limited.status, 429, 'the right token too, until the window passes: a guess that is answered is a guess made');
    assert.ok(Number(limited.headers['retry-after']) > 0);
    assert.equal((await raw(srv.url, 'POST', '/api/v1/login', {}, JSON.stringify({ token: 'tok' }))).status, 429, 'and /login');
    // no header at all is a 401 that counts nothing (a page before its sign-in)
    const fresh = await testServer({ apiToken: 'tok' });
    try {
      for (let i = 0; i < 15; i++) assert.equal((await raw(fresh.url, 'GET', '/api/v1/fleet', {})).status, 401);
      assert.equal((await raw(fresh.url, 'GET', '/api/v1/fleet', { authorization: 'Bearer tok' })).status, 200);
    } finally {
      await fresh.dispose();
    }
  } finally {
    await srv.dispose();
  }
});

test('PERF_TRUST_PROXY: behind a reverse proxy sign-ins are limited per forwarded address, not for everyone behind it; without it the header is ignored', async () => {
  const login = (srv: { url: string }, token: string, forwardedFor: string) =>
    raw(srv.url, 'POST', '/api/v1/login', { 'x-forwarded-for': forwardedFor }, JSON.stringify({ token }));
  const proxied = await testServer({ apiToken: 'tok', trustProxy: true });
  try {
    // a client's own X-Forwarded-For entries come first; the proxy appends the address it saw
    for (let i = 0; i < 10; i++) assert.equal((await login(proxied, `guess-${i}`, `10.9.9.${i}, 203.0.113.7`)).status, 401);
    assert.equal((await login(proxied, 'guess-x', '10.0.0.1, 203.0.113.7')).status, 429, 'the guesser is limited whatever it puts first');
    assert.equal((await login(proxied, 'tok', '198.51.100.20')).status, 200, 'another user behind the same proxy signs in');
  } finally {
    await proxied.dispose();
  }
  const direct = await testServer({ apiToken: 'tok' });
  try {
    for (let i = 0; i < 10; i++) assert.equal((await login(direct, `guess-${i}`, `203.0.113.${i}`)).status, 401);
    assert.equal((await login(direct, 'tok', '198.51.100.20')).status, 429, 'a header anyone can send does not reset the limit');
  } finally {
    await direct.dispose();
  }
});

test('Next.js paths open without a session are its static files only (/_next/%2e%2e/nodes served the page)', { skip: !uiBuilt() && 'the UI is not built' }, async () => {
  const srv = await testServer({ ui: true, apiToken: 'tok' });
  try {
    for (const path of ['/_next/%2e%2e/nodes', '/_next/../nodes', '/_next/static/%2E%2E/%2e%2e/alerts', '/_next/data/x.json']) {
      const r = await raw(srv.url, 'GET', path);
      assert.ok(r.status === 302 || r.status === 404 || r.status === 400, `${path}: ${r.status}`);
      assert.doesNotMatch(r.text, /<html/i, path);
    }
    // a malformed escape in a page path is the client's error, not a 500 (Next.js failed before any page code)
    assert.equal((await raw(srv.url, 'GET', '/nodes/%E0%A4%A', { authorization: 'Bearer tok' })).status, 400);
  } finally {
    await srv.dispose();
  }
});

// DNS rebinding (the README said it was open without a token): a page of evil.example re-points its name at 127.0.0.1
// after loading, and its script's requests reach the dashboard as same-origin ones, Host "evil.example:3000"
test('without a token, this machine\'s requests by a name that is not the dashboard\'s are refused (DNS rebinding); its own names, PERF_ALLOWED_HOSTS, a token or a proxy in front are not', async () => {
  const port = (srv: { url: string }) => new URL(srv.url).port;
  const srv = await testServer({ modules: ['alerts'], allowedHosts: ['perf.internal', ' Grafana.Example. '] });
  try {
    for (const host of [`evil.example:${port(srv)}`, 'evil.example', `EVIL.example.:${port(srv)}`, `localhost.evil.example:${port(srv)}`]) {
      for (const [method, path, body] of [['GET', '/api/v1/fleet'], ['POST', '/api/v1/alerts/rules', RULE], ['GET', '/']] as const) {
        const r = await raw(srv.url, method, path, { host, 'content-type': 'text/plain' }, body);
        assert.equal(r.status, 403, `${method} ${path} as ${host}`);
        assert.equal(JSON.parse(r.text).error.code, 'PERF_HOST_REFUSED');
        assert.match(JSON.parse(r.text).error.message, /DNS rebinding.*PERF_ALLOWED_HOSTS/);
      }
    }
    const [, rules] = await srv.get('/api/v1/alerts/rules');
    assert.deepEqual(rules, [], 'nothing was created');
    for (const host of [`127.0.0.1:${port(srv)}`, `localhost:${port(srv)}`, 'LOCALHOST.', `app.localhost:${port(srv)}`, `[::1]:${port(srv)}`, `10.1.2.3:${port(srv)}`, `${hostname()}:${port(srv)}`, 'perf.internal', `grafana.example:${port(srv)}`]) {
      assert.equal((await raw(srv.url, 'GET', '/api/v1/fleet', { host })).status, 200, host);
    }
  } finally {
    await srv.dispose();
  }
  for (const options of [{ apiToken: 'tok' }, { trustProxy: true }, { allowedHosts: ['*'] }]) {
    const other = await testServer(options);
    try {
      const r = await raw(other.url, 'GET', '/api/v1/fleet', { host: 'evil.example', authorization: 'Bearer tok' });
      assert.equal(r.status, 200, JSON.stringify(options));
    } finally {
      await other.dispose();
    }
  }
});
