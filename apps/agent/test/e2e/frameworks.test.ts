// Express 5 and Fastify 5 apps started with --import @perf/agent: the framework's route template is the
// route (not the normalised URL), for routers and prefixes too; counts stay exact. Koa and Hapi with the README's hook.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { findMetric, OtlpSink, requestCounts, totalRequests, type Received } from '../helpers/sink.js';
import { hit, startFixture } from '../helpers/processes.js';

describe('framework route templates', () => {
  const sink = new OtlpSink();
  before(() => sink.start());
  after(() => sink.stop());

  // regression: a handler that throws inside a router finished with baseUrl already restored to '' (was `/fail`)
  test('Express 5: req.route.path under its routers\' mount patterns (a parameter in a mount, one router at several mounts, also when the handler throws); paths no route matches are one `unmatched` route', async () => {
    const app = await startFixture('express-server.mjs', { OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, OTEL_SERVICE_NAME: 'express-app' });
    try {
      const base = `http://127.0.0.1:${app.ready.port}`;
      // names that would NOT normalise to :id: only the template can group them
      await hit(base, ['alice', 'bob', 'carol', 'dave'].map((u) => `/users/${u}`));
      await hit(base, ['/users/x/orders', '/users/y/orders', '/users/z/orders'], 2, { method: 'POST' });
      await hit(base, ['/api/items/red', '/api/items/green', '/api/items/blue', '/api/items/blue?x=1']);
      await hit(base, ['/api/fail', '/api/fail']);
      // a scanner's paths that no route serves: one route, not one per path
      await hit(base, ['/nope/123', '/nope/456', '/wp-admin.php', '/.env', '/cgi-bin/test.cgi']);
      // a router mounted under a parameter: one route for every tenant (the first tenant's name must not stick)
      await hit(base, ['/tenants/acme/items/1', '/tenants/globex/items/2', '/tenants/initech/items/3']);
      // one router at two paths and nested under a third: each mount is its own route
      await hit(base, ['/alpha/ping', '/beta/ping', '/beta/ping', '/v2/gamma/ping']);
      const r = await sink.waitFor((x) => x.request.resourceMetrics[0].resource.attributes['service.name'] === 'express-app' && totalRequests(x) === 25);
      assert.deepEqual(
        new Map([...requestCounts(r)].sort()),
        new Map(
          [
            ['GET /users/:id 200', 4],
            ['POST /users/:id/orders 201', 3],
            ['GET /api/items/:itemId 200', 4],
            ['GET /api/fail 500', 2],
            ['GET unmatched 404', 5],
            ['GET /tenants/:tenant/items/:itemId 200', 3],
            ['GET /alpha/ping 200', 1],
            ['GET /beta/ping 200', 2],
            ['GET /v2/gamma/ping 200', 1],
          ].sort() as [string, number][],
        ),
      );
    } finally {
      await app.kill();
    }
  });

  // regression: reading Express 4's app.router (a getter that throws) in the request hook took the app down
  test('Express 4: routers mounted at paths, and an error unwinding one, neither crash the app nor lose a request', async () => {
    const app = await startFixture('express4-server.cjs', { OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, OTEL_SERVICE_NAME: 'express4-app' });
    try {
      const base = `http://127.0.0.1:${app.ready.port}`;
      const statuses = [
        ...(await hit(base, ['/api/ping', '/api/ping', '/api/items/red', '/api/items/blue'])),
        ...(await hit(base, ['/api/fail', '/users/ann', '/users/bob', '/nope/x'])),
      ];
      assert.deepEqual(statuses.sort(), [200, 200, 200, 200, 200, 200, 404, 500]);
      const r = await sink.waitFor((x) => x.request.resourceMetrics[0].resource.attributes['service.name'] === 'express4-app' && totalRequests(x) === 8);
      assert.deepEqual(
        new Map([...requestCounts(r)].sort()),
        new Map(
          [
            ['GET /api/ping 200', 2],
            ['GET /api/items/:itemId 200', 2],
            ['GET /api/fail 500', 1],
            ['GET /users/:id 200', 2],
            ['GET unmatched 404', 1],
          ].sort() as [string, number][],
        ),
      );
      assert.equal(app.proc.exitCode, null, 'the app still runs');
    } finally {
      await app.kill();
    }
  });

  // contract audit: a router mounted at '/t/:tenant' gave one route per tenant under Express 4 (as Express 5 did not)
  test('Express 4: routers mounted at paths with parameters give one template, not a route per value', async () => {
    const app = await startFixture('express4-server.cjs', { OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, OTEL_SERVICE_NAME: 'express4-mounts' });
    try {
      const base = `http://127.0.0.1:${app.ready.port}`;
      const paths = [
        ...Array.from({ length: 12 }, (_, i) => `/t/tenant-${i}/items/${i}`),
        '/org/acme/proj/alpha/tasks/1',
        '/org/globex/proj/beta/tasks/2',
        '/a/one/items/1',
        '/b/two/items/2',
      ];
      assert.deepEqual(new Set(await hit(base, paths)), new Set([200]));
      const r = await sink.waitFor((x) => x.request.resourceMetrics[0].resource.attributes['service.name'] === 'express4-mounts' && totalRequests(x) === paths.length);
      assert.deepEqual(
        new Map([...requestCounts(r)].sort()),
        new Map(
          [
            ['GET /t/:tenant/items/:itemId 200', 12],
            ['GET /org/:org/proj/:proj/tasks/:task 200', 2],
            ['GET /a/:x/items/:itemId 200', 1],
            ['GET /b/:y/items/:itemId 200', 1],
          ].sort() as [string, number][],
        ),
      );
    } finally {
      await app.kill();
    }
  });

  // regression (audit F3): a route defined by a RegExp or an array of paths had no template (req.route.path is not a
  // string), so every URL it served was a route of its own: 200 file names filled the route cap and the app's real
  // routes went to `other`
  test('Express 5 and 4: a RegExp route is one route (its source), an array route one per pattern (5) or one for the array (4), never one per URL', async () => {
    for (const [fixture, name] of [
      ['express-server.mjs', 'express-shapes'],
      ['express4-server.cjs', 'express4-shapes'],
    ] as const) {
      const app = await startFixture(fixture, { OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, OTEL_SERVICE_NAME: name, PERF_MAX_ROUTES: '20' });
      try {
        const base = `http://127.0.0.1:${app.ready.port}`;
        const five = fixture === 'express-server.mjs';
        // names that would NOT normalise to :id: only a template can group them; more of them than the route cap
        const files = Array.from({ length: 30 }, (_, i) => `/files/beach-${String.fromCharCode(97 + (i % 26))}${'x'.repeat(i)}.png`);
        const paths = [...files, ...(five ? ['/a/alice', '/a/bob', '/b/carol', '/old/dave', '/legacy/erin/x', '/tenants/acme/docs/intro', '/tenants/globex/guides/setup'] : ['/c/alice', '/d/bob', '/d/carol'])];
        assert.deepEqual(new Set(await hit(base, paths)), new Set([200]));
        // the app's real routes still get theirs after all that
        assert.deepEqual(await hit(base, ['/users/zed', '/users/yan']), [200, 200]);
        const r = await sink.waitFor((x) => x.request.resourceMetrics[0].resource.attributes['service.name'] === name && totalRequests(x) === paths.length + 2);
        assert.deepEqual(
          new Map([...requestCounts(r)].sort()),
          new Map(
            (five
              ? [
                  ['GET /^\\/files\\/(.*)\\.png$/ 200', 30],
                  ['GET /a/:name 200', 2],
                  ['GET /b/:name 200', 1],
                  ['GET /old/:name 200', 1],
                  ['GET /^\\/legacy\\/.*/ 200', 1],
                  ['GET /tenants/:tenant/docs/:slug 200', 1],
                  ['GET /tenants/:tenant/guides/:slug 200', 1],
                  ['GET /users/:id 200', 2],
                ]
              : [
                  ['GET /^\\/files\\/(.*)\\.png$/ 200', 30],
                  ['GET /c/:name|/d/:name 200', 3],
                  ['GET /users/:id 200', 2],
                ]
            ).sort() as [string, number][],
          ),
        );
      } finally {
        await app.kill();
      }
    }
  });

  // contract audit: an auth middleware's 401s (and login redirects) had no template, so each scanned path took a route
  // and, past the cap, the app's real routes went to `other`
  test('answers of middleware before any route (an auth check\'s 401, a login redirect) cannot spend the route cap', async () => {
    const app = await startFixture('express-auth.mjs', { OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, OTEL_SERVICE_NAME: 'express-auth', PERF_MAX_ROUTES: '20' });
    try {
      const base = `http://127.0.0.1:${app.ready.port}`;
      const denied = await hit(base, Array.from({ length: 60 }, (_, i) => `/secure/projects/p-${i}x`));
      const redirected = await hit(base, Array.from({ length: 20 }, (_, i) => `/app/page-${i}x`), 8, { redirect: 'manual' });
      assert.deepEqual(new Set([...denied, ...redirected]), new Set([401, 302]));
      const signedIn = await hit(base, ['/secure/projects/real-1', '/secure/projects/real-2', '/app/home'], 8, { headers: { authorization: 'Bearer x' } });
      assert.deepEqual(signedIn, [200, 200, 200]);
      const r = await sink.waitFor((x) => x.request.resourceMetrics[0].resource.attributes['service.name'] === 'express-auth' && totalRequests(x) === 83);
      const counts = requestCounts(r);
      assert.equal(counts.get('GET /secure/projects/:slug 200'), 2, 'the real route has its own series');
      assert.equal(counts.get('GET /app/:page 200'), 1);
      const routes = new Set([...counts.keys()].map((k) => k.split(' ')[1]));
      assert.ok(!routes.has('other'), `nothing folded into other: ${[...routes].join(', ')}`);
      const junk = [...routes].filter((x) => x !== 'unmatched' && x !== '/secure/projects/:slug' && x !== '/app/:page');
      assert.ok(junk.length <= 10, `${junk.length} routes of scanned paths: at most half the cap, then unmatched`);
      assert.ok((counts.get('GET unmatched 401') ?? 0) > 0 && (counts.get('GET unmatched 302') ?? 0) > 0);
    } finally {
      await app.kill();
    }
  });

  test('Fastify 5: the route URL from Fastify\'s diagnostics channel, prefixes included; paths no route matches are one `unmatched` route', async () => {
    const app = await startFixture('fastify-server.mjs', { OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, OTEL_SERVICE_NAME: 'fastify-app' });
    try {
      const base = `http://127.0.0.1:${app.ready.port}`;
      await hit(base, ['alice', 'bob', 'carol'].map((u) => `/users/${u}`));
      await hit(base, ['/v1/orders/abc', '/v1/orders/def']);
      await hit(base, ['/missing/777', '/wp-login.php', '/admin/config.php']);
      const r = await sink.waitFor((x) => x.request.resourceMetrics[0].resource.attributes['service.name'] === 'fastify-app' && totalRequests(x) === 8);
      assert.deepEqual(
        new Map([...requestCounts(r)].sort()),
        new Map(
          [
            ['GET /users/:id 200', 3],
            ['GET /v1/orders/:orderId 202', 2],
            ['GET unmatched 404', 3],
          ].sort() as [string, number][],
        ),
      );
    } finally {
      await app.kill();
    }
  });

  // Koa and Hapi keep their route on objects the agent cannot reach from node's request: the README's one-line hooks
  // (setRoute from @perf/agent/api) give the templates, also for a handler that throws
  for (const [framework, fixture, param] of [['Koa 3 with @koa/router', 'koa-server.mjs', ':id'], ['Hapi 21', 'hapi-server.mjs', '{id}']] as const) {
    test(`${framework}: the README's hook gives the route template`, async () => {
      const service = fixture.replace('.mjs', '');
      const app = await startFixture(fixture, { OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, OTEL_SERVICE_NAME: service });
      try {
        const base = `http://127.0.0.1:${app.ready.port}`;
        const statuses = [
          ...(await hit(base, ['alice', 'bob', 'carol'].map((u) => `/users/${u}`))),
          ...(await hit(base, ['/fail/x', '/fail/y'])),
          ...(await hit(base, ['/api/orders/o-red', '/api/orders/o-blue'], 2, { method: 'POST' })),
        ];
        assert.deepEqual(statuses.sort(), [200, 200, 200, 201, 201, 500, 500]);
        const r = await sink.waitFor((x) => x.request.resourceMetrics[0].resource.attributes['service.name'] === service && totalRequests(x) === 7);
        assert.deepEqual(
          new Map([...requestCounts(r)].sort()),
          new Map(
            [
              [`GET /users/${param} 200`, 3],
              [`GET /fail/${param} 500`, 2],
              [`POST /api/orders/${param.replace('id', 'orderId')} 201`, 2],
            ].sort() as [string, number][],
          ),
        );
      } finally {
        await app.kill();
      }
    });
  }
});

describe('node:cluster', () => {
  const sink = new OtlpSink();
  before(() => sink.start());
  after(() => sink.stop());

  // outside audit: with the host's name as service.instance.id in OTEL_RESOURCE_ATTRIBUTES, inherited by every worker,
  // two workers exported as one node (half the requests refused as a second process's series, a false off-cpu)
  for (const named of [false, true]) {
    test(named ? 'an instance id set for the app in the environment gets each worker\'s number: still one instance per worker' : 'every worker is its own instance; the workers\' counts add up to the requests sent', async () => {
      const app = await startFixture('cluster-server.mjs', { OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, OTEL_SERVICE_NAME: 'clustered', ...(named ? { OTEL_RESOURCE_ATTRIBUTES: 'service.instance.id=web-vm' } : {}) });
      try {
        const workers = app.ready.workers as number[];
        const statuses = await hit(`http://127.0.0.1:${app.ready.port}`, Array.from({ length: 60 }, (_, i) => `/w/${i}`), 6, { headers: { connection: 'close' } });
        assert.equal(statuses.length, 60);
        // the latest cumulative export of each worker
        const latest = new Map<number, number>();
        const instances = new Map<number, string>();
        const deadline = Date.now() + 15_000;
        while (Date.now() < deadline) {
          for (const r of sink.received) {
            const attrs = r.request.resourceMetrics[0].resource.attributes;
            const pid = Number(attrs['process.pid']);
            if (!workers.includes(pid)) continue;
            latest.set(pid, requestCounts(r).get('GET /w/:id 200') ?? 0);
            instances.set(pid, String(attrs['service.instance.id']));
          }
          if ([...latest.values()].reduce((a, b) => a + b, 0) === 60) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        assert.equal([...latest.values()].reduce((a, b) => a + b, 0), 60);
        assert.equal(new Set(instances.values()).size, instances.size);
        assert.ok(latest.size >= 1);
        if (named) for (const id of instances.values()) assert.match(id, /^web-vm-w\d+$/);
        // the primary forked before serving anything: its agent stopped without a word (it was one more node per host)
        const fromPrimary = sink.received.filter((r) => r.request.resourceMetrics[0].resource.attributes['service.name'] === 'clustered' && Number(r.request.resourceMetrics[0].resource.attributes['process.pid']) === Number(app.ready.pid));
        assert.equal(fromPrimary.length, 0, 'nothing exported from the primary');
      } finally {
        app.proc.kill('SIGTERM');
        await app.exited;
      }
    });
  }

  test('PERF_CLUSTER_PRIMARY=true keeps the primary measured, as a node of its own', async () => {
    const app = await startFixture('cluster-server.mjs', { OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, OTEL_SERVICE_NAME: 'clustered-primary', PERF_CLUSTER_PRIMARY: 'true' });
    try {
      await sink.waitFor((r) => r.request.resourceMetrics[0].resource.attributes['service.name'] === 'clustered-primary' && Number(r.request.resourceMetrics[0].resource.attributes['process.pid']) === Number(app.ready.pid));
    } finally {
      app.proc.kill('SIGTERM');
      await app.exited;
    }
  });
});

describe('worker threads', () => {
  const sink = new OtlpSink();
  before(() => sink.start());
  after(() => sink.stop());
  const instancesOf = (service: string) =>
    new Set(sink.received.filter((x) => x.request.resourceMetrics[0].resource.attributes['service.name'] === service).map((x) => String(x.request.resourceMetrics[0].resource.attributes['service.instance.id'])));

  for (const on of [false, true]) {
    // (`on`, as every other switch takes: it was false here alone; outside audit Y)
    test(on ? 'PERF_WORKER_THREADS=on: a worker serving HTTP is an instance of its own, counted' : 'by default the agent runs in the main thread only (workers inherit --import)', async () => {
      const service = `workers-${on}`;
      const app = await startFixture('worker-threads.mjs', { OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, OTEL_SERVICE_NAME: service, ...(on ? { PERF_WORKER_THREADS: 'on' } : {}) });
      try {
        await hit(`http://127.0.0.1:${app.ready.port}`, ['/m', '/m', '/m']);
        await hit(`http://127.0.0.1:${app.ready.workerPort}`, ['/w', '/w']);
        const want = on ? 5 : 3;
        await sink.waitFor((x) => x.request.resourceMetrics[0].resource.attributes['service.name'] === service && totalRequests(x) === (on ? 2 : 3));
        await new Promise((r) => setTimeout(r, 600)); // a few more exports from every instance there is
        assert.equal(instancesOf(service).size, on ? 2 : 1);
        const latest = new Map<string, number>();
        for (const x of sink.received) {
          const attrs = x.request.resourceMetrics[0].resource.attributes;
          if (attrs['service.name'] === service) latest.set(String(attrs['service.instance.id']), totalRequests(x));
        }
        assert.equal([...latest.values()].reduce((a, b) => a + b, 0), want);
      } finally {
        await app.kill();
      }
    });
  }
});

describe('HTTP/2', () => {
  const sink = new OtlpSink();
  before(() => sink.start());
  after(() => sink.stop());

  /** A service's requests in flight by "METHOD route" (and whether begun, with `started`) in an export, if it is one of its. */
  function inFlightByRoute(x: Received, service: string, started = false): Map<string, number> | undefined {
    const m = findMetric(x, 'perf.http.server.active_requests.by_route');
    if (x.request.resourceMetrics[0].resource.attributes['service.name'] !== service || m?.type !== 'gauge') return undefined;
    const key = (a: Record<string, unknown>) => `${a['http.request.method']} ${a['http.route']}${started ? ` ${a['perf.http.response.started']}` : ''}`;
    return new Map(m.points.map((p) => [key(p.attributes), p.value]));
  }

  /** `n` requests to `path` over one h2c session; `cancel`: reset each stream before its answer */
  async function h2(port: number, paths: string[], method = 'GET', cancel = false): Promise<void> {
    const { connect } = await import('node:http2');
    const session = connect(`http://127.0.0.1:${port}`);
    try {
      await Promise.all(
        paths.map(
          (path) =>
            new Promise<void>((resolve) => {
              const req = session.request({ ':method': method, ':path': path });
              req.on('response', () => undefined);
              req.on('close', () => resolve());
              req.on('error', () => resolve());
              req.resume();
              if (cancel) setTimeout(() => req.close(http2Cancel), 200);
              req.end();
            }),
        ),
      );
    } finally {
      session.close();
    }
  }
  const http2Cancel = 8; // NGHTTP2_CANCEL

  test('node:http2 servers, compatibility and core API (as gRPC uses it): every stream counted, by method, route and status; cancelled ones aborted', async () => {
    const app = await startFixture('http2-server.mjs', { OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, OTEL_SERVICE_NAME: 'h2-app' });
    try {
      const port = Number(app.ready.port);
      const corePort = Number(app.ready.corePort);
      await h2(port, ['/items/1', '/items/2', '/items/3', '/missing']);
      await h2(port, ['/slow', '/slow'], 'GET', true);
      await h2(corePort, ['/pkg.Orders/Create', '/pkg.Orders/Create', '/pkg.Orders/Get'], 'POST');
      const r = await sink.waitFor((x) => x.request.resourceMetrics[0].resource.attributes['service.name'] === 'h2-app' && totalRequests(x) === 7);
      assert.deepEqual(
        new Map([...requestCounts(r)].sort()),
        new Map(
          [
            ['GET /items/:id 200', 3],
            ['GET /missing 404', 1],
            ['POST /pkg.Orders/Create 200', 2],
            ['POST /pkg.Orders/Get 200', 1],
          ].sort() as [string, number][],
        ),
      );
      const aborted = await sink.waitFor((x) => {
        const m = findMetric(x, 'http.server.aborted_requests');
        return x.request.resourceMetrics[0].resource.attributes['service.name'] === 'h2-app' && m?.type === 'sum' && m.points.some((p) => p.value === 2);
      });
      const active = findMetric(aborted, 'http.server.active_requests');
      assert.ok(active?.type === 'sum' && active.points.every((p) => p.value === 0), 'nothing left active');
    } finally {
      await app.kill();
    }
  });

  // Fastify with http2: true set its template on the compatibility request, and the agent measures the stream: every
  // request went by its normalised :path (/users/alice, /users/bob), in flight too
  test('HTTP/2 route templates: Fastify with http2: true, and setRoute on a node:http2 compatibility request; in flight too', async () => {
    const app = await startFixture('http2-routes.mjs', { OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, OTEL_SERVICE_NAME: 'h2-routes' });
    const { connect } = await import('node:http2');
    const session = connect(`http://127.0.0.1:${Number(app.ready.port)}`);
    session.on('error', () => undefined);
    try {
      await h2(Number(app.ready.port), ['/users/alice', '/users/bob', '/users/carol']);
      await h2(Number(app.ready.compatPort), ['/things/red', '/things/blue']);
      for (let i = 0; i < 10; i++) {
        const req = session.request({ ':method': 'GET', ':path': `/slow/s${'abcdefghij'[i]}` });
        req.on('error', () => undefined);
        req.resume();
        req.end();
      }
      const named = (x: Received) => inFlightByRoute(x, 'h2-routes');
      const inFlight = await sink.waitFor((x) => named(x)?.get('GET /slow/:id') === 10);
      assert.deepEqual([...named(inFlight)!.keys()], ['GET /slow/:id']);
      const r = await sink.waitFor((x) => x.request.resourceMetrics[0].resource.attributes['service.name'] === 'h2-routes' && totalRequests(x) === 15);
      assert.deepEqual(
        new Map([...requestCounts(r)].sort()),
        new Map(
          [
            ['GET /users/:id 200', 3],
            ['GET /things/:name 200', 2],
            ['GET /slow/:id 200', 10],
          ].sort() as [string, number][],
        ),
      );
    } finally {
      session.close();
      await app.kill();
    }
  });

  // HTTP/2 streams were in http.server.active_requests but never named by route (they are on no HTTP/1 connection)
  test('node:http2 streams in flight are named by route too, a streaming response as being answered', async () => {
    const app = await startFixture('http2-server.mjs', { OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, OTEL_SERVICE_NAME: 'h2-inflight' });
    const { connect } = await import('node:http2');
    const session = connect(`http://127.0.0.1:${Number(app.ready.port)}`);
    session.on('error', () => undefined);
    try {
      const open = (path: string) => {
        const req = session.request({ ':method': 'GET', ':path': path });
        req.on('error', () => undefined);
        req.resume();
        req.end();
      };
      for (let i = 0; i < 10; i++) open('/slow');
      for (let i = 0; i < 2; i++) open('/stream');
      const named = (x: Received) => inFlightByRoute(x, 'h2-inflight', true);
      const r = await sink.waitFor((x) => named(x)?.get('GET /slow false') === 10 && named(x)?.get('GET /stream true') === 2);
      assert.deepEqual(new Map([...named(r)!].sort()), new Map([['GET /slow false', 10], ['GET /stream true', 2]]));
    } finally {
      session.destroy();
      await app.kill();
    }
  });

  /**
   * One stream to `path` on a session of its own, left once its response has started and some of it arrived: the
   * stream reset with RST_STREAM CANCEL (`cancel`), as a browser or a gRPC client cancelling a call does, or the whole
   * session destroyed (`destroy`: the TCP connection gone)
   */
  async function h2Leave(port: number, path: string, how: 'cancel' | 'destroy', method = 'GET'): Promise<void> {
    const { connect } = await import('node:http2');
    const session = connect(`http://127.0.0.1:${port}`);
    session.on('error', () => undefined);
    await new Promise<void>((resolve) => {
      const req = session.request({ ':method': method, ':path': path });
      req.on('error', () => undefined);
      req.on('close', () => resolve());
      req.once('data', () =>
        setTimeout(() => {
          if (how === 'cancel') req.close(http2Cancel);
          else session.destroy();
        }, 100),
      );
      req.end();
    });
    session.close();
  }

  // regression (audit F2): Node 20 gives a stream reset mid-response `writableFinished: true` (its close ends the
  // writable side), so such streams were counted as completed 200s with their time until the reset as latency
  test('HTTP/2 streams reset mid-response (RST_STREAM CANCEL) or whose session is destroyed mid-response are aborted, not completed', async () => {
    const app = await startFixture('http2-server.mjs', { OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, OTEL_SERVICE_NAME: 'h2-midway' });
    try {
      const port = Number(app.ready.port);
      const corePort = Number(app.ready.corePort);
      for (let i = 0; i < 3; i++) await h2Leave(port, '/stream', 'cancel');
      for (let i = 0; i < 2; i++) await h2Leave(port, '/stream', 'destroy');
      for (let i = 0; i < 2; i++) await h2Leave(corePort, '/pkg.Orders/Watch', 'cancel', 'POST');
      await h2Leave(corePort, '/pkg.Orders/Watch', 'destroy', 'POST');
      await h2(port, ['/items/1']);
      const abortedOf = (x: Received, route: string) => {
        const m = findMetric(x, 'http.server.aborted_requests');
        return m?.type === 'sum' ? (m.points.find((p) => p.attributes['http.route'] === route)?.value ?? 0) : 0;
      };
      const finishedOf = (x: Received, route: string) => [...requestCounts(x)].filter(([k]) => k.split(' ')[1] === route).reduce((n, [, v]) => n + v, 0);
      // every stream has been seen, one way or the other
      const r = await sink.waitFor(
        (x) =>
          x.request.resourceMetrics[0].resource.attributes['service.name'] === 'h2-midway' &&
          totalRequests(x) >= 1 &&
          abortedOf(x, '/stream') + finishedOf(x, '/stream') === 5 &&
          abortedOf(x, '/pkg.Orders/Watch') + finishedOf(x, '/pkg.Orders/Watch') === 3,
      );
      assert.deepEqual(
        { stream: [abortedOf(r, '/stream'), finishedOf(r, '/stream')], watch: [abortedOf(r, '/pkg.Orders/Watch'), finishedOf(r, '/pkg.Orders/Watch')] },
        { stream: [5, 0], watch: [3, 0] },
        '[aborted, completed] per route',
      );
      assert.deepEqual([...requestCounts(r)], [['GET /items/:id 200', 1]]);
      const active = findMetric(r, 'http.server.active_requests');
      assert.ok(active?.type === 'sum' && active.points.every((p) => p.value === 0), 'nothing left active');
    } finally {
      await app.kill();
    }
  });

  test('servers already listening when start() is called: HTTP/2 streams counted, and their ports\' accept queues reported', async () => {
    const app = await startFixture('http2-server.mjs', { OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, OTEL_SERVICE_NAME: 'h2-late', LATE_START: '1' }, []);
    try {
      const port = Number(app.ready.port);
      const corePort = Number(app.ready.corePort);
      await h2(port, ['/items/1', '/items/2']);
      await h2(corePort, ['/pkg.Orders/Get'], 'POST');
      const r = await sink.waitFor((x) => x.request.resourceMetrics[0].resource.attributes['service.name'] === 'h2-late' && totalRequests(x) === 3);
      assert.deepEqual(
        new Map([...requestCounts(r)].sort()),
        new Map([
          ['GET /items/:id 200', 2],
          ['POST /pkg.Orders/Get 200', 1],
        ]),
      );
      if (process.platform === 'linux') {
        const q = await sink.waitFor((x) => x.request.resourceMetrics[0].resource.attributes['service.name'] === 'h2-late' && findMetric(x, 'system.network.listen.queue') !== undefined);
        const m = findMetric(q, 'system.network.listen.queue');
        const ports = new Set(m?.type === 'gauge' ? m.points.map((p) => Number(p.attributes['server.port'])) : []);
        assert.ok(ports.has(port) && ports.has(corePort), `accept queues of ports ${[...ports].join(', ')}`);
      }
    } finally {
      await app.kill();
    }
  });
});
