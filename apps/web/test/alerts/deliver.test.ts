// deliver() against real HTTP receivers on loopback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deliver, backoffDelay, parseRetryAfter } from '../../server/alerts/notify/deliver.js';
import { verify, sign } from '../../server/alerts/notify/sign.js';
import { Receiver } from './lib/receiver.js';
import type { AttemptRecord } from '../../server/alerts/notify/deliver.js';

const fast = { baseDelayMs: 50, maxDelayMs: 400, timeoutMs: 2000 };
const body = JSON.stringify({ version: '4', status: 'firing', alerts: [{ labels: { alertname: 'x' } }] });

test('success: one signed POST with the delivery id; the signature verifies with the secret and fails with another', async () => {
  const rx = await new Receiver().start();
  try {
    const res = await deliver({ id: 'd-1', url: `${rx.url}/hook`, body, secret: 'top-secret' }, fast);
    assert.deepEqual(res, { outcome: 'delivered', attempts: 1, status: 200 });
    assert.equal(rx.received.length, 1);
    const r = rx.received[0];
    assert.equal(r.method, 'POST');
    assert.equal(r.url, '/hook');
    assert.equal(r.raw, body);
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(r.headers['x-perf-delivery'], 'd-1');
    assert.equal(r.headers['idempotency-key'], 'd-1');
    const ts = r.headers['x-perf-timestamp'] as string;
    const sig = r.headers['x-perf-signature'] as string;
    assert.match(sig, /^sha256=[0-9a-f]{64}$/);
    assert.ok(Math.abs(Number(ts) - Date.now() / 1000) < 60);
    assert.equal(verify('top-secret', r.raw, ts, sig), undefined);
    assert.equal(verify('other-secret', r.raw, ts, sig), 'signature does not match');
    assert.equal(verify('top-secret', r.raw + ' ', ts, sig), 'signature does not match', 'a changed body fails');
    assert.equal(verify('top-secret', r.raw, String(Number(ts) + 1), sig), 'signature does not match', 'the timestamp is signed');
    assert.match(verify('top-secret', r.raw, ts, sig, { nowSeconds: Number(ts) + 3600 })!, /tolerance/, 'an old request is refused as a replay');
    assert.equal(sig, sign('top-secret', Number(ts), body));
  } finally {
    await rx.stop();
  }
});

test('fails 3 times (500, 502, 503) then succeeds: 4 attempts, same delivery id, growing delays', async () => {
  const rx = await new Receiver().start();
  rx.script = [{ status: 500 }, { status: 502 }, { status: 503 }];
  const attempts: AttemptRecord[] = [];
  try {
    const res = await deliver({ id: 'd-2', url: rx.url, body, secret: 's' }, { ...fast, onAttempt: (a) => attempts.push(a) });
    assert.equal(res.outcome, 'delivered');
    assert.equal(res.attempts, 4);
    assert.equal(rx.received.length, 4);
    assert.deepEqual(new Set(rx.received.map((r) => r.headers['x-perf-delivery'])), new Set(['d-2']));
    assert.deepEqual(attempts.map((a) => a.outcome), ['retry', 'retry', 'retry', 'delivered']);
    assert.deepEqual(attempts.map((a) => a.status), [500, 502, 503, 200]);
    assert.match(attempts[0].error!, /HTTP 500/);
    const gaps = rx.received.slice(1).map((r, i) => r.at - rx.received[i].at);
    assert.ok(gaps[2] > gaps[0], `backoff grows: ${gaps.join(', ')} ms`);
  } finally {
    await rx.stop();
  }
});

test('a receiver that hangs is abandoned after the timeout and retried', async () => {
  const rx = await new Receiver().start();
  rx.script = [{ hang: true }];
  const attempts: AttemptRecord[] = [];
  try {
    const t0 = Date.now();
    const res = await deliver({ id: 'd-3', url: rx.url, body }, { ...fast, timeoutMs: 300, onAttempt: (a) => attempts.push(a) });
    assert.equal(res.outcome, 'delivered');
    assert.equal(attempts.length, 2);
    assert.match(attempts[0].error!, /timed out after 300 ms/);
    assert.ok(attempts[0].durationMs >= 250, `gave up after ${attempts[0].durationMs} ms`);
    assert.ok(Date.now() - t0 < 5000);
  } finally {
    await rx.stop();
  }
});

test('400 is not retried and is reported with the reason', async () => {
  const rx = await new Receiver().start();
  rx.script = [{ status: 400, body: 'unknown field "alerts"' }];
  try {
    const res = await deliver({ id: 'd-4', url: rx.url, body }, fast);
    assert.equal(res.outcome, 'failed');
    assert.equal(res.attempts, 1);
    assert.equal(res.status, 400);
    assert.match(res.error!, /HTTP 400: unknown field "alerts"/);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(rx.received.length, 1);
  } finally {
    await rx.stop();
  }
});

test('429 with Retry-After waits as asked (not the short backoff), then succeeds', async () => {
  const rx = await new Receiver().start();
  rx.script = [{ status: 429, headers: { 'retry-after': '1' } }];
  try {
    const res = await deliver({ id: 'd-5', url: rx.url, body }, { ...fast, baseDelayMs: 10, maxDelayMs: 20 });
    assert.equal(res.outcome, 'delivered');
    const gap = rx.received[1].at - rx.received[0].at;
    assert.ok(gap >= 900, `waited ${gap} ms for Retry-After: 1`);
  } finally {
    await rx.stop();
  }
});

test('receiver down for a while, then up: retried until it arrives, once', async () => {
  const rx = await new Receiver().start();
  const port = rx.port;
  await rx.stop();
  const attempts: AttemptRecord[] = [];
  const p = deliver({ id: 'd-6', url: `http://127.0.0.1:${port}/`, body }, { ...fast, onAttempt: (a) => attempts.push(a) });
  await new Promise((r) => setTimeout(r, 1200));
  assert.ok(attempts.length >= 2, `${attempts.length} attempts while down`);
  assert.match(attempts[0].error!, /ECONNREFUSED/);
  await rx.start(port);
  const res = await p;
  assert.equal(res.outcome, 'delivered');
  assert.equal(rx.received.length, 1);
  await rx.stop();
});

test('gives up after maxAttempts with the last reason', async () => {
  const rx = await new Receiver().start();
  rx.fallback = { status: 503 };
  try {
    const res = await deliver({ id: 'd-7', url: rx.url, body }, { ...fast, maxAttempts: 3 });
    assert.equal(res.outcome, 'failed');
    assert.equal(res.attempts, 3);
    assert.match(res.error!, /HTTP 503.*gave up after 3 attempts/);
  } finally {
    await rx.stop();
  }
});

test('an abort between attempts stops waiting and reports aborted', async () => {
  const rx = await new Receiver().start();
  rx.fallback = { status: 500 };
  const ac = new AbortController();
  try {
    const p = deliver({ id: 'd-8', url: rx.url, body }, { baseDelayMs: 60_000, signal: ac.signal });
    await rx.waitFor(1);
    ac.abort();
    const res = await p;
    assert.equal(res.outcome, 'aborted');
  } finally {
    await rx.stop();
  }
});

test('private targets are refused at delivery when blockPrivate is on: names after DNS, literal IPs as they are', async () => {
  const rx = await new Receiver().start();
  try {
    const res = await deliver({ id: 'd-9', url: `http://localhost:${rx.port}/`, body }, { ...fast, blockPrivate: true, maxAttempts: 1 });
    assert.equal(res.outcome, 'failed');
    assert.match(res.error!, /localhost|private address/);
    // a literal IP is never looked up: a rule saved before the switch was turned on must not reach loopback either
    const ip = await deliver({ id: 'd-10', url: `http://127.0.0.1:${rx.port}/`, body }, { ...fast, blockPrivate: true, maxAttempts: 1 });
    assert.equal(ip.outcome, 'failed');
    assert.match(ip.error!, /private or link-local address 127\.0\.0\.1/);
    assert.equal(rx.received.length, 0);
  } finally {
    await rx.stop();
  }
});

test('backoff doubles with jitter in [d/2, d] and is capped; Retry-After reads seconds and dates', () => {
  const o = { baseDelayMs: 100, maxDelayMs: 1000 };
  assert.equal(backoffDelay(1, { ...o, random: () => 0 }), 50);
  assert.equal(backoffDelay(1, { ...o, random: () => 0.999999 }), 100);
  assert.equal(backoffDelay(3, { ...o, random: () => 0 }), 200);
  assert.equal(backoffDelay(20, { ...o, random: () => 0 }), 500);
  assert.equal(parseRetryAfter('7', 0), 7000);
  assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 4000), 6000);
  assert.equal(parseRetryAfter('soon', 0), undefined);
});
