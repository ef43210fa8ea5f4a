// Regression: every /api/v1 endpoint takes `service=` and `window=` (README "API"), but `/services?service=x`
// listed every service, `/alerts?service=nope` every alert and `/alerts/rules?service=zzz` every rule, and
// `/services`, `/alerts` and others answered 200 to `window=abc` (and `/alerts` to `limit=abc`) where the rest
// answer 400 PERF_API_BAD_PARAM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeProtobuf } from '@perf/metrics';
import { testServer, postOtlp, waitFor, type TestServer } from '../server/lib/server.js';
import { expPoint, httpExp, request, resource } from '../server/lib/otlp.js';
import type { AlertsView } from '../../server/alerts/engine/engine.js';

// resolved alerts within the test's time (read when the alerts module mounts)
process.env.PERF_ALERTS_RESOLVE_AFTER = '1s';

const ns = (ms: number) => ms * 1e6;

function exportOf(service: string, instance: string): Uint8Array {
  const now = Date.now();
  return encodeProtobuf(request(resource(service, instance), [httpExp('delta', [expPoint({ start: ns(now - 1000), time: ns(now), offset: -6, counts: [3] })])]));
}

async function send(srv: TestServer, service: string, instance: string): Promise<void> {
  assert.equal((await postOtlp(srv.otlpUrl, exportOf(service, instance))).status, 200);
}

async function post(srv: TestServer, path: string, body: unknown): Promise<[number, any]> {
  const res = await fetch(srv.url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return [res.status, await res.json()];
}

const services = (alerts: AlertsView['active']) => alerts.map((a) => a.labels.service).sort();

test('service= filters /services, /alerts and /alerts/rules', { timeout: 60_000 }, async () => {
  const srv = await testServer({ modules: ['alerts'] });
  try {
    await send(srv, 'a', 'a-1');
    await send(srv, 'b', 'b-1');
    const [, onlyA] = await srv.get('/api/v1/services?service=a');
    assert.deepEqual(
      onlyA.map((s: { name: string }) => s.name),
      ['a'],
    );
    assert.deepEqual((await srv.get('/api/v1/services?service=nope'))[1], []);
    assert.equal((await srv.get('/api/v1/services'))[1].length, 2);

    // a rule for every service (its node alerts carry each node's service) and one scoped to b
    const [s1, anyDown] = await post(srv, '/api/v1/alerts/rules', { name: 'Any node down', scope: 'node', metric: 'nodeDown', window: '1s' });
    const [s2, bDown] = await post(srv, '/api/v1/alerts/rules', { name: 'b down', service: 'b', scope: 'node', metric: 'nodeDown', window: '1s' });
    assert.deepEqual([s1, s2], [201, 201]);
    assert.deepEqual((await srv.get('/api/v1/alerts/rules?service=b'))[1].map((r: { id: string }) => r.id), [bDown.id]);
    assert.deepEqual((await srv.get('/api/v1/alerts/rules?service=a'))[1], [], 'rules without a service are listed only without service=');
    assert.deepEqual((await srv.get('/api/v1/alerts/rules?service=zzz'))[1], []);
    assert.deepEqual((await srv.get('/api/v1/alerts/rules'))[1].map((r: { id: string }) => r.id).sort(), [anyDown.id, bDown.id].sort());
    assert.equal((await srv.get(`/api/v1/alerts/rules/${anyDown.id}?service=b`))[1].id, anyDown.id, 'one rule by id is not filtered');

    // both nodes fall silent: three alerts, one about a, two about b
    await waitFor(async () => (await srv.get<AlertsView>('/api/v1/alerts'))[1].active.length === 3, 10_000, 'three active alerts');
    assert.deepEqual(services((await srv.get<AlertsView>('/api/v1/alerts?service=a'))[1].active), ['a']);
    assert.deepEqual(services((await srv.get<AlertsView>('/api/v1/alerts?service=b'))[1].active), ['b', 'b']);
    const [, nope] = await srv.get<AlertsView>('/api/v1/alerts?service=nope');
    assert.deepEqual([nope.active, nope.past], [[], []]);

    // a-1 comes back: its alert resolves and is past; service=b does not show it, even past `limit=`
    const past = await waitFor(
      async () => {
        await send(srv, 'a', 'a-1');
        const [, all] = await srv.get<AlertsView>('/api/v1/alerts?service=a');
        return all.past.length > 0 ? all.past : undefined;
      },
      15_000,
      'the alert of a-1 to resolve',
    );
    assert.deepEqual(services(past), ['a']);
    assert.deepEqual((await srv.get<AlertsView>('/api/v1/alerts?service=b&limit=1'))[1].past, []);
    assert.equal((await srv.get<AlertsView>('/api/v1/alerts?limit=1'))[1].past.length, 1);
  } finally {
    await srv.dispose();
  }
});

test('a bad window= or limit= is 400 PERF_API_BAD_PARAM on every endpoint', async () => {
  const srv = await testServer({ modules: ['alerts'] });
  try {
    const paths = [
      '/api/v1/fleet',
      '/api/v1/services',
      '/api/v1/status',
      '/api/v1/findings',
      '/api/v1/profiles',
      '/api/v1/heap-profiles',
      '/api/v1/allocation-profiles',
      '/api/v1/alerts',
      '/api/v1/alerts/rules',
      '/api/v1/stream',
    ];
    for (const path of paths) {
      for (const window of ['abc', '0s']) {
        const [status, body] = await srv.get(`${path}?window=${window}`);
        assert.equal(status, 400, `${path}?window=${window}`);
        assert.equal(body.error.code, 'PERF_API_BAD_PARAM', `${path}?window=${window}`);
        assert.match(body.error.message, /^window="/);
      }
      if (path !== '/api/v1/stream') assert.equal((await srv.get(`${path}?window=5m`))[0], 200, `${path}?window=5m`);
    }
    for (const limit of ['abc', '0', '1001', '2.5']) {
      const [status, body] = await srv.get(`/api/v1/alerts?limit=${limit}`);
      assert.equal(status, 400, `limit=${limit}`);
      assert.deepEqual(Object.keys(body.error), ['code', 'message']);
      assert.equal(body.error.code, 'PERF_API_BAD_PARAM');
      assert.match(body.error.message, /limit="[^"]*" must be an integer from 1 to 1000/);
    }
    assert.equal((await srv.get('/api/v1/alerts?limit=5'))[0], 200);
  } finally {
    await srv.dispose();
  }
});

test('/series?by=route is for the metrics a route has; a node gauge or the event loop by route is 400 (it answered one fleet line labelled by "route")', async () => {
  const srv = await testServer();
  try {
    await send(srv, 'svc', 'n1');
    for (const metric of ['elu', 'cpu', 'heapUsed', 'handles', 'gcShare', 'eventLoopDelay.p99', 'eventLoopDelay.max']) {
      const [status, body] = await srv.get(`/api/v1/series?metric=${metric}&by=route`);
      assert.equal(status, 400, metric);
      assert.equal(body.error.code, 'PERF_API_BAD_PARAM');
      assert.match(body.error.message, new RegExp(`^metric="${metric.replace('.', '\\.')}" has no route`));
      assert.equal((await srv.get(`/api/v1/series?metric=${metric}&by=node`))[0], 200, `${metric} by node`);
    }
    for (const metric of ['rps', 'errorRate', 'latency.p99']) {
      const [status, body] = await srv.get(`/api/v1/series?metric=${metric}&by=route`);
      assert.equal(status, 200, metric);
      assert.equal(body.by, 'route');
    }
  } finally {
    await srv.dispose();
  }
});
