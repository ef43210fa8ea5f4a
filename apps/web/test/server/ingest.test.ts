// Ingest over real sockets: cumulative → delta, duplicates, out-of-order points, resets, delta
// temporality, explicit buckets as opentelemetry-python sends them, and partial success.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeJson, encodeProtobuf, Metrics, type Metric } from '@perf/metrics';
import { testServer, postOtlp, waitFor } from './lib/server.js';
import { expPoint, httpExp, pythonHttpMetric, pythonResource, request, resource, PYTHON_HTTP_BOUNDS } from './lib/otlp.js';

const ns = (ms: number) => ms * 1e6;

test('cumulative points become deltas; duplicates and out-of-order points change nothing; resets are detected', async () => {
  const srv = await testServer();
  try {
    const now = Date.now();
    const start = ns(now); // after the server started: the first point is all new data
    const res = resource('svc', 'node-a');
    const send = (p: ReturnType<typeof expPoint>) => postOtlp(srv.otlpUrl, encodeProtobuf(request(res, [httpExp('cumulative', [p])])));
    const at = (dt: number) => ns(now + dt);
    // values in (2^-7, 2^-6] s: 7.8–15.6 ms
    assert.equal((await send(expPoint({ start, time: at(0), offset: -7, counts: [10], sum: 0.1 }))).status, 200);
    assert.equal((await send(expPoint({ start, time: at(200), offset: -7, counts: [25], sum: 0.25 }))).status, 200); // +15
    assert.equal((await send(expPoint({ start, time: at(200), offset: -7, counts: [25], sum: 0.25 }))).status, 200); // duplicate
    assert.equal((await send(expPoint({ start, time: at(100), offset: -7, counts: [18], sum: 0.18 }))).status, 200); // out of order
    assert.equal((await send(expPoint({ start: at(250), time: at(400), offset: -7, counts: [4], sum: 0.04 }))).status, 200); // restart: +4
    assert.equal((await send(expPoint({ start: at(250), time: at(600), offset: -7, counts: [3], sum: 0.03 }))).status, 200); // count went down: reset, +3
    assert.equal((await send(expPoint({ start: at(250), time: at(800), offset: -7, counts: [9], sum: 0.09 }))).status, 200); // +6
    const fleet = await waitFor(async () => {
      const [, f] = await srv.get('/api/v1/fleet?window=30s');
      return f.requests === 38 ? f : undefined;
    }, 8000, 'requests = 10 + 15 + 4 + 3 + 6');
    assert.equal(fleet.requests, 38);
    assert.ok(fleet.latency.p50 > 2 ** -7 && fleet.latency.p50 <= 2 ** -6, `p50 ${fleet.latency.p50} inside the bucket`);
    const [, status] = await srv.get('/api/v1/status');
    assert.equal(status.ingest.duplicatePoints, 1);
    assert.equal(status.ingest.outOfOrderPoints, 1);
    assert.equal(status.ingest.resets, 2);
    // the process's memory as process.memoryUsage() gives it: the resident set, the JS heap, and off the heap the
    // ArrayBuffers (the store's rows, request bodies, decoded counts) within what C++ objects hold
    const m = status.process;
    assert.ok(m.rss > m.heapUsed && m.heapUsed > 0, JSON.stringify(m));
    assert.ok(m.external >= m.arrayBuffers && m.arrayBuffers > 0, JSON.stringify(m));
  } finally {
    await srv.dispose();
  }
});

test('a cumulative series that started before the receiver is a baseline first, then deltas', async () => {
  const srv = await testServer();
  try {
    const now = Date.now();
    const start = ns(now - 3_600_000); // the process has been up for an hour
    const res = resource('svc', 'old-node');
    const send = (time: number, n: number) =>
      postOtlp(srv.otlpUrl, encodeProtobuf(request(res, [httpExp('cumulative', [expPoint({ start, time, offset: -5, counts: [n] })])])));
    await send(ns(now), 1_000_000);
    await send(ns(now + 300), 1_000_120);
    const f = await waitFor(async () => {
      const [, f] = await srv.get('/api/v1/fleet?window=30s');
      return f.requests > 0 ? f : undefined;
    }, 8000);
    assert.equal(f.requests, 120, 'only the increase since the first point seen');
  } finally {
    await srv.dispose();
  }
});

test('delta temporality: points add up; a repeated export is dropped; JSON and gzip work', async () => {
  const srv = await testServer();
  try {
    const now = Date.now();
    const res = resource('svc', 'delta-node');
    const body = (time: number, n: number, status = 200) =>
      encodeJson(request(res, [httpExp('delta', [expPoint({ start: time - ns(1000), time, offset: -6, counts: [n], status })])]));
    assert.equal((await postOtlp(srv.otlpUrl, Buffer.from(body(ns(now), 7)), { contentType: 'application/json' })).status, 200);
    assert.equal((await postOtlp(srv.otlpUrl, Buffer.from(body(ns(now + 300), 5, 503)), { contentType: 'application/json', gzip: true })).status, 200);
    assert.equal((await postOtlp(srv.otlpUrl, Buffer.from(body(ns(now + 300), 5, 503)), { contentType: 'application/json' })).status, 200); // retry of the same export
    const f = await waitFor(async () => {
      const [, f] = await srv.get('/api/v1/fleet?window=30s');
      return f.requests >= 12 ? f : undefined;
    }, 8000);
    assert.equal(f.requests, 12);
    assert.equal(f.errors, 5);
    assert.ok(Math.abs(f.errorRate - 5 / 12) < 1e-9);
  } finally {
    await srv.dispose();
  }
});

test('explicit-bucket histograms as opentelemetry-python sends them (FastAPI on uvicorn)', async () => {
  const srv = await testServer();
  try {
    const now = Date.now();
    const start = ns(now);
    const zeros = () => new Array(PYTHON_HTTP_BOUNDS.length + 1).fill(0);
    // first export: 40 requests in (10, 25] ms, 10 in (100, 250] ms; second: 30 more in (10, 25] ms
    const c1 = zeros();
    c1[2] = 40;
    c1[6] = 10;
    const c2 = [...c1];
    c2[2] += 30;
    const send = (time: number, counts: number[], sum: number) =>
      postOtlp(srv.otlpUrl, encodeProtobuf(request(pythonResource('uvicorn-1'), [pythonHttpMetric([{ route: '/items/{item_id}', status: 200, start, time, counts, sum, min: 0.011, max: 0.2 }])])));
    assert.equal((await send(ns(now), c1, 2.3)).status, 200);
    assert.equal((await send(ns(now + 400), c2, 2.9)).status, 200);
    const routes = await waitFor(async () => {
      const [, r] = await srv.get('/api/v1/routes?window=30s&service=checkout-py');
      return r.length > 0 && r[0].requests === 80 ? r : undefined;
    }, 8000, 'python route rows');
    assert.equal(routes[0].route, '/items/{item_id}');
    assert.equal(routes[0].method, 'GET');
    // 70 of 80 requests are in (10, 25] ms: p50 must be there; p99 in (100, 250] ms
    assert.ok(routes[0].latency.p50 > 0.01 && routes[0].latency.p50 <= 0.025, `p50 ${routes[0].latency.p50}`);
    assert.ok(routes[0].latency.p99 > 0.1 && routes[0].latency.p99 <= 0.25, `p99 ${routes[0].latency.p99}`);
    const [, nodes] = await srv.get('/api/v1/nodes?service=checkout-py');
    assert.equal(nodes[0].instance, 'uvicorn-1');
    assert.equal(nodes[0].version, 'opentelemetry 1.27.0');
  } finally {
    await srv.dispose();
  }
});

test('the legacy http.server.duration (milliseconds) is understood', async () => {
  const srv = await testServer();
  try {
    const now = Date.now();
    const m = pythonHttpMetric([{ route: '/old', status: 200, start: ns(now), time: ns(now + 10), counts: [0, 0, 0, 0, 0, 0, 0, 20, 0, 0, 0, 0, 0, 0, 0], sum: 7000 }]);
    const legacy = { ...m, name: 'http.server.duration', unit: 'ms' } as typeof m;
    // bounds in ms as the old convention used: bucket 7 is (250, 500] ms
    if (legacy.type === 'histogram') legacy.points[0].explicitBounds = PYTHON_HTTP_BOUNDS.map((b) => b * 1000);
    await postOtlp(srv.otlpUrl, encodeProtobuf(request(pythonResource('legacy-1'), [legacy])));
    const r = await waitFor(async () => {
      const [, r] = await srv.get('/api/v1/routes?window=30s');
      return r.length > 0 ? r : undefined;
    }, 8000);
    assert.equal(r[0].requests, 20);
    assert.ok(r[0].latency.p50 > 0.25 && r[0].latency.p50 <= 0.5, `p50 ${r[0].latency.p50} in seconds`);
  } finally {
    await srv.dispose();
  }
});

test('bad points are rejected with partial success while the rest of the export is kept', async () => {
  const srv = await testServer();
  try {
    const now = Date.now();
    const good = expPoint({ start: ns(now - 100), time: ns(now), offset: -6, counts: [5], route: '/ok' });
    const future = expPoint({ start: ns(now), time: ns(now + 3_600_000), offset: -6, counts: [5], route: '/future' });
    const inconsistent = { ...expPoint({ start: ns(now - 100), time: ns(now), offset: -6, counts: [5], route: '/bad' }), count: 2 };
    const gauge = {
      name: Metrics.eventLoopUtilization,
      description: '',
      unit: '1',
      type: 'gauge' as const,
      points: [{ attributes: {}, startTimeUnixNano: 0, timeUnixNano: ns(now), flags: 0, value: NaN, isInt: false }],
    };
    const body = encodeJson(request(resource('svc', 'n1'), [httpExp('delta', [good, future, inconsistent]), gauge]));
    const r = await postOtlp(srv.otlpUrl, Buffer.from(body), { contentType: 'application/json' });
    assert.equal(r.status, 200);
    const answer = JSON.parse(r.body.toString());
    assert.equal(answer.partialSuccess.rejectedDataPoints, '3');
    assert.match(answer.partialSuccess.errorMessage, /future|inconsistent|finite/);
    const f = await waitFor(async () => {
      const [, f] = await srv.get('/api/v1/fleet?window=30s');
      return f.requests > 0 ? f : undefined;
    }, 8000);
    assert.equal(f.requests, 5);
    const [, status] = await srv.get('/api/v1/status');
    assert.equal(status.ingest.rejectedPoints, 3);
  } finally {
    await srv.dispose();
  }
});

test('the series cap counts distinct series across instances: many nodes with the same series are not folded', async () => {
  const srv = await testServer({ store: { maxSeriesPerService: 5, maxNodesPerService: 30 } });
  try {
    const now = Date.now();
    const body = (instance: string, routes: string[]) =>
      encodeProtobuf(request(resource('capped', instance), [httpExp('delta', routes.map((route) => expPoint({ start: ns(now - 1000), time: ns(now), offset: -6, counts: [2], route })))]));
    for (let i = 0; i < 20; i++) assert.equal((await postOtlp(srv.otlpUrl, body(`n${i}`, ['/a', '/b', '/c']))).status, 200);
    let [, services] = await srv.get('/api/v1/services');
    assert.deepEqual(
      services.map((s: { name: string; series: number; foldedSeries: number; instanceSeries: number; nodesUp: number }) => [s.name, s.series, s.foldedSeries, s.instanceSeries, s.nodesUp]),
      [['capped', 3, 0, 60, 20]],
    );
    // one node brings 10 new routes: 2 fit under the cap of 5, 8 are folded (their delta points land in `other`)
    await postOtlp(srv.otlpUrl, body('n0', Array.from({ length: 10 }, (_, i) => `/new/${i}`)));
    // more instances than the node cap are folded too
    for (let i = 20; i < 35; i++) await postOtlp(srv.otlpUrl, body(`n${i}`, ['/a']));
    [, services] = await srv.get('/api/v1/services');
    assert.equal(services[0].series, 5);
    assert.equal(services[0].foldedSeries, 8 + 5);
    assert.equal(services[0].nodesUp, 30);
    const f = await waitFor(async () => {
      const [, x] = await srv.get('/api/v1/fleet?service=capped&window=30s');
      return x.requests > 0 ? x : undefined;
    }, 8000);
    // every delta point counts: a known node's folded series in `other`, and so the points of folded instances
    assert.equal(f.requests, 20 * 3 * 2 + 10 * 2 + 15 * 2);
    const [, routes] = await srv.get('/api/v1/routes?service=capped&window=30s');
    const other = routes.find((r: { route: string }) => r.route === 'other');
    assert.equal(other?.requests, 8 * 2 + 5 * 2, '8 folded series of n0 and the 5 folded instances');
  } finally {
    await srv.dispose();
  }
});

// security audit: the caps were per service only, so a sender naming a new service per resource (40,000 services in
// 4 requests) took the dashboard to 3 GB and a 19 s event-loop delay
test('the fleet-wide caps: points of a service past PERF_MAX_SERVICES are refused with the reason; nodes past PERF_MAX_NODES are folded', async () => {
  const srv = await testServer({ store: { maxServices: 3, maxNodes: 4 } });
  try {
    const now = Date.now();
    const res = (service: string, instance: string) => request(resource(service, instance), [httpExp('delta', [expPoint({ start: ns(now - 1000), time: ns(now), offset: -6, counts: [2], route: '/a' })])]);
    const flood = { resourceMetrics: Array.from({ length: 50 }, (_, i) => res(`svc-${i}`, `n${i}`).resourceMetrics[0]) };
    const r = await postOtlp(srv.otlpUrl, Buffer.from(encodeJson(flood)), { contentType: 'application/json' });
    assert.equal(r.status, 200);
    const answer = JSON.parse(r.body.toString());
    assert.equal(answer.partialSuccess.rejectedDataPoints, '47');
    assert.match(answer.partialSuccess.errorMessage, /too many services \(PERF_MAX_SERVICES=3\)/);
    let [, services] = await srv.get('/api/v1/services');
    assert.deepEqual(services.map((s: { name: string }) => s.name).sort(), ['svc-0', 'svc-1', 'svc-2']);
    // a known service still takes new nodes, up to 4 in all; then they are folded into their service
    for (const i of [3, 4, 5]) assert.equal((await postOtlp(srv.otlpUrl, encodeProtobuf(res('svc-0', `m${i}`)))).status, 200);
    [, services] = await srv.get('/api/v1/services');
    assert.equal(services.reduce((a: number, s: { nodesUp: number }) => a + s.nodesUp, 0), 4);
    assert.equal(services.find((s: { name: string }) => s.name === 'svc-0').foldedSeries, 2);
  } finally {
    await srv.dispose();
  }
});

// verification of the security audit: 200 services × 10,000 series each (every per-service cap respected) reached
// 1.6 GB and a 7.8 s loop delay; PERF_MAX_SERIES bounds the distinct series of the whole fleet
test('the fleet-wide series cap: past PERF_MAX_SERIES, new series of any service are folded', async () => {
  const srv = await testServer({ store: { maxSeries: 5 } });
  try {
    const now = Date.now();
    const body = (service: string, routes: string[]) =>
      encodeProtobuf(request(resource(service, 'n1'), [httpExp('delta', routes.map((route) => expPoint({ start: ns(now - 1000), time: ns(now), offset: -6, counts: [2], route })))]));
    assert.equal((await postOtlp(srv.otlpUrl, body('a', ['/1', '/2', '/3']))).status, 200);
    assert.equal((await postOtlp(srv.otlpUrl, body('b', ['/1', '/2', '/3']))).status, 200);
    const [, services] = await srv.get('/api/v1/services');
    const of = (name: string) => services.find((s: { name: string }) => s.name === name);
    assert.deepEqual([of('a').series, of('b').series, of('b').foldedSeries], [3, 2, 1]);
  } finally {
    await srv.dispose();
  }
});

// outside audit Z: six services flooding routes (each within its own cap) filled PERF_MAX_SERIES in 4 s, after which
// a new service's requests were all folded and read 0
test('past the fleet-wide cap a service still gets its first hundredth of it, up to a quarter over in all', async () => {
  const srv = await testServer({ store: { maxSeries: 1000 } });
  try {
    const now = Date.now();
    const body = (service: string, routes: string[]) =>
      encodeProtobuf(request(resource(service, 'n1'), [httpExp('delta', routes.map((route) => expPoint({ start: ns(now - 1000), time: ns(now), offset: -6, counts: [2], route })))]));
    const routes = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `/${prefix}/${i}`);
    assert.equal((await postOtlp(srv.otlpUrl, body('flood-a', routes('a', 1000)))).status, 200);
    assert.equal((await postOtlp(srv.otlpUrl, body('flood-a', routes('more', 5)))).status, 200);
    assert.equal((await postOtlp(srv.otlpUrl, body('late', routes('l', 15)))).status, 200);
    const [, services] = await srv.get('/api/v1/services');
    const of = (name: string) => services.find((s: { name: string }) => s.name === name);
    assert.deepEqual([of('flood-a').series, of('flood-a').foldedSeries], [1000, 5], 'the flooding service folded past the cap');
    assert.deepEqual([of('late').series, of('late').foldedSeries], [10, 5], 'a new service: its first 10 series (a hundredth of 1,000)');
    // (once the store has settled their second)
    const fleet = await waitFor(async () => {
      const [, f] = await srv.get('/api/v1/fleet?service=late&window=1m');
      return f.requests >= 30 ? f : undefined;
    }, 10_000, 'the late service counted');
    assert.equal(fleet.requests, 30, 'all of its requests counted (folded delta points in its other route)');
    // and the quarter over the cap bounds them all: 30 more services of 10 reach 1,250
    for (let k = 0; k < 30; k++) await postOtlp(srv.otlpUrl, body(`svc-${k}`, routes('r', 10)));
    const [, all] = await srv.get('/api/v1/services');
    assert.equal(all.reduce((a: number, s: { series: number }) => a + s.series, 0), 1250);
  } finally {
    await srv.dispose();
  }
});

// security audit: a 1 MB service name and a 2 MB route were kept (every live-stream client then got 1.8 MB/s), and
// a direction override made the instance "inst\u202egnp.exe" read "instexe.png" on /nodes
// outside audit: a process restarted under the same service.instance.id (systemd, a named host) kept the dead one's
// pid in /nodes
test('a process restarted under the same instance id: the node shows the new process', async () => {
  const srv = await testServer();
  try {
    const now = Date.now();
    const send = (pid: number, start: number, time: number, n: number) =>
      postOtlp(srv.otlpUrl, encodeProtobuf(request(resource('svc', 'web-1', { 'process.pid': pid }), [httpExp('cumulative', [expPoint({ start: ns(start), time: ns(time), offset: -6, counts: [n] })])])));
    assert.equal((await send(111, now, now + 100, 5)).status, 200);
    assert.equal((await send(222, now + 500, now + 600, 3)).status, 200);
    const [, nodes] = await srv.get('/api/v1/nodes');
    assert.equal(nodes.length, 1);
    assert.equal(nodes[0].pid, 222);
  } finally {
    await srv.dispose();
  }
});

test('names are kept without control characters or direction overrides, and at most 256 characters', async () => {
  const srv = await testServer();
  try {
    const now = Date.now();
    const longService = 's'.repeat(1_000_000);
    const route = '/r/' + 'x'.repeat(2_000_000);
    const body = request(resource(longService, 'inst\u202egnp.exe\u0007'), [httpExp('delta', [expPoint({ start: ns(now - 1000), time: ns(now), offset: -6, counts: [2], route })])]);
    assert.equal((await postOtlp(srv.otlpUrl, encodeProtobuf(body))).status, 200);
    const [, nodes] = await srv.get('/api/v1/nodes');
    assert.equal(nodes[0].instance, 'instgnp.exe');
    assert.equal(nodes[0].service.length, 256);
    assert.ok(nodes[0].service.endsWith('…'));
    const [, routes] = await waitFor(async () => {
      const r = await srv.get('/api/v1/routes?window=30s');
      return r[1].length > 0 ? r : undefined;
    }, 8000);
    assert.equal(routes[0].route.length, 256);
    assert.equal(routes[0].requests, 2);
  } finally {
    await srv.dispose();
  }
});

// outside audit (hostile input): "😀🔥" × 200 was cut at 256 UTF-16 units, inside a surrogate pair: a lone half is not
// UTF-8, and encodeURIComponent (a ?service= link) throws on it
test('a long name is cut between characters, never inside a surrogate pair', async () => {
  const { cleanName } = await import('../../server/ingest/names.js');
  for (const name of ['😀🔥'.repeat(200), 'a' + '😀🔥'.repeat(200)]) {
    const cut = cleanName(name);
    assert.ok(cut.length <= 256 && cut.endsWith('…'), `${cut.length}`);
    assert.ok((cut as string & { isWellFormed(): boolean }).isWellFormed(), 'no lone surrogate');
    assert.doesNotThrow(() => encodeURIComponent(cut));
  }
});

// outside audit (foreign senders): two processes with one resource (no service.instance.id, host or pid: a plain
// MeterProvider, or OTEL_NODE_RESOURCE_DETECTORS=env) took turns resetting each other's series, and each turn
// counted a whole total again: 247,719 requests shown for 450
test('two processes sharing one series identity: the later-started one is kept, the other refused with the reason, nothing counted twice', async () => {
  const srv = await testServer();
  try {
    const now = Date.now();
    const startA = ns(now + 1);
    const startB = ns(now + 2);
    let time = now;
    const point = (start: number, count: number) =>
      Buffer.from(encodeJson(request(resource('shared', 'shared'), [httpExp('cumulative', [expPoint({ start, time: ns((time += 50)), offset: -6, counts: [count] })])])));
    const sends: [number, number][] = [[startA, 10], [startB, 5], [startA, 12], [startB, 8], [startA, 14], [startB, 9]];
    const rejected: number[] = [];
    for (const [start, count] of sends) {
      const r = await postOtlp(srv.otlpUrl, point(start, count), { contentType: 'application/json' });
      assert.equal(r.status, 200);
      const answer = JSON.parse(r.body.toString());
      rejected.push(Number(answer.partialSuccess?.rejectedDataPoints ?? 0));
      if (rejected.at(-1)) assert.match(answer.partialSuccess.errorMessage, /two processes export the same series/);
    }
    assert.deepEqual(rejected, [0, 0, 1, 0, 1, 0]);
    const f = await waitFor(async () => {
      const [, x] = await srv.get('/api/v1/fleet?service=shared&window=30s');
      return x.requests >= 19 ? x : undefined;
    }, 8000);
    // A's first 10, then B: its whole 5 (a restart, as far as the series can tell), then 3 and 1
    assert.equal(f.requests, 19);
  } finally {
    await srv.dispose();
  }
});

// outside audit (foreign senders): every request at exactly 50 ms, in the SDK's default buckets (0, 5] s: p50 0.497 s,
// p99 4.78 s, because a bucket narrowed to a min only narrowed to a max above it
test('explicit buckets: a point whose min equals its max puts every value there (one request, or all alike)', async () => {
  const srv = await testServer();
  try {
    const now = Date.now();
    const SDK_DEFAULT = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];
    const m = pythonHttpMetric([{ route: '/same', status: 200, start: ns(now + 1), time: ns(now + 2), counts: [], sum: 0 }]);
    const counts = new Array(SDK_DEFAULT.length + 1).fill(0);
    counts[1] = 40;
    if (m.type === 'histogram') Object.assign(m.points[0], { explicitBounds: SDK_DEFAULT, bucketCounts: Float64Array.from(counts), count: 40, sum: 2, min: 0.05, max: 0.05 });
    assert.equal((await postOtlp(srv.otlpUrl, Buffer.from(encodeJson(request(resource('same', 'n1'), [m]))), { contentType: 'application/json' })).status, 200);
    const f = await waitFor(async () => {
      const [, x] = await srv.get('/api/v1/fleet?service=same&window=30s');
      return x.requests === 40 ? x : undefined;
    }, 8000);
    for (const q of ['p50', 'p90', 'p99', 'p999'] as const) assert.ok(Math.abs(f.latency[q] - 0.05) < 0.05 * 0.01, `${q} ${f.latency[q]}`);
  } finally {
    await srv.dispose();
  }
});

// outside audit (foreign senders): OTEL_SEMCONV_STABILITY_OPT_IN=http/dup senders (Java, Python, older JS) export every
// request as http.server.duration (ms) and http.server.request.duration (s): 200 counted for 100
test('a sender exporting both HTTP duration names (semconv dup mode) is counted once; the legacy name alone still counts', async () => {
  const srv = await testServer();
  try {
    const now = Date.now();
    const stable = httpExp('cumulative', [expPoint({ start: ns(now + 1), time: ns(now + 2), offset: -6, counts: [100], route: '/dup' })]);
    const legacy = { ...httpExp('cumulative', [expPoint({ start: ns(now + 1), time: ns(now + 2), offset: 4, counts: [100], route: '/dup' })]), name: 'http.server.duration', unit: 'ms' };
    for (const [service, metrics] of [['dup', [legacy, stable]], ['old', [legacy]]] as const) {
      assert.equal((await postOtlp(srv.otlpUrl, Buffer.from(encodeJson(request(resource(service, 'n1'), [...metrics]))), { contentType: 'application/json' })).status, 200);
    }
    for (const service of ['dup', 'old']) {
      const f = await waitFor(async () => {
        const [, x] = await srv.get(`/api/v1/fleet?service=${service}&window=30s`);
        return x.requests > 0 ? x : undefined;
      }, 8000);
      assert.equal(f.requests, 100, service);
    }
  } finally {
    await srv.dispose();
  }
});

// outside audit (foreign senders): @opentelemetry/host-metrics sends process.cpu.utilization per state and divided by
// the host's cores; the last point (system) was read as "of one core": 0.3–0.6% for a process using 44%
test('host-metrics CPU: process.cpu.time per state gives the share of one core; its per-state, per-host utilization is not misread', async () => {
  const srv = await testServer();
  try {
    const now = Date.now() - 3000;
    const state = (s: string) => ({ 'process.cpu.state': s });
    const exportAt = (i: number) => {
      const time = ns(now + i * 1000);
      const metrics: Metric[] = [
        // 2 cores: user 0.2 and system 0.1 of one core are 0.1 and 0.05 of the host
        { name: 'process.cpu.utilization', description: '', unit: '1', type: 'gauge', points: [0.1, 0.05].map((value, k) => ({ attributes: state(k ? 'system' : 'user'), startTimeUnixNano: ns(now - 60_000), timeUnixNano: time, flags: 0, value, isInt: false })) },
        { name: 'process.cpu.time', description: '', unit: 's', type: 'sum', temporality: 'cumulative', monotonic: true, points: [10 + 0.2 * i, 5 + 0.1 * i].map((value, k) => ({ attributes: state(k ? 'system' : 'user'), startTimeUnixNano: ns(now - 60_000), timeUnixNano: time, flags: 0, value, isInt: false })) },
      ];
      return Buffer.from(encodeJson(request(resource('hostm', 'n1'), metrics)));
    };
    for (let i = 0; i < 3; i++) assert.equal((await postOtlp(srv.otlpUrl, exportAt(i), { contentType: 'application/json' })).status, 200);
    const [, nodes] = await srv.get('/api/v1/nodes?service=hostm&window=10s');
    assert.ok(Math.abs(nodes[0].cpu - 0.3) < 0.01, `cpu ${nodes[0].cpu}`);
  } finally {
    await srv.dispose();
  }
});

// outside audit (foreign senders): instrumentation-runtime-node's event-loop percentiles are gauges, and only the max
// was read: a node's p99 stayed empty
test('runtime-node event-loop gauges: a node without the histogram gets its p99 from them', async () => {
  const srv = await testServer();
  try {
    const now = Date.now();
    const gauge = (name: string, value: number): Metric => ({ name, description: '', unit: 's', type: 'gauge', points: [{ attributes: {}, startTimeUnixNano: ns(now - 5000), timeUnixNano: ns(now), flags: 0, value, isInt: false }] });
    const body = encodeJson(request(resource('rtnode', 'n1'), [gauge('nodejs.eventloop.delay.p50', 0.011), gauge('nodejs.eventloop.delay.p99', 0.042), gauge('nodejs.eventloop.delay.max', 0.12)]));
    assert.equal((await postOtlp(srv.otlpUrl, Buffer.from(body), { contentType: 'application/json' })).status, 200);
    const node = await waitFor(async () => {
      const [, nodes] = await srv.get('/api/v1/nodes?service=rtnode&window=10s');
      return nodes[0]?.eventLoopDelay?.p99 != null ? nodes[0] : undefined;
    }, 8000);
    assert.ok(Math.abs(node.eventLoopDelay.p99 - 0.042) < 1e-6, JSON.stringify(node.eventLoopDelay));
    // the fleet has no histogram to merge: its numbers are the worst node's, not empty (the overview chart was blank)
    const [, fleet] = await srv.get('/api/v1/fleet?service=rtnode&window=10s');
    assert.ok(Math.abs(fleet.eventLoopDelay.p99 - 0.042) < 1e-6 && Math.abs(fleet.eventLoopDelay.max - 0.12) < 1e-6, JSON.stringify(fleet.eventLoopDelay));
    const [, series] = await srv.get('/api/v1/series?service=rtnode&metric=eventLoopDelay.p99&window=30s&step=1s');
    assert.ok(series.series[0].points.some((p: [number, number | null]) => p[1] !== null && Math.abs(p[1] - 0.042) < 1e-6), 'a fleet p99 point');
  } finally {
    await srv.dispose();
  }
});

test('histogram points that break the data model are rejected with the reason: counts that do not add up, bounds that do not fit', async () => {
  const srv = await testServer();
  try {
    const now = Date.now();
    const zeros = () => new Array(PYTHON_HTTP_BOUNDS.length + 1).fill(0);
    const counts = zeros();
    counts[3] = 3;
    const explicit = (route: string, change: (p: Record<string, unknown>) => void) => {
      const m = pythonHttpMetric([{ route, status: 200, start: ns(now), time: ns(now), counts: [...counts], sum: 0.1 }]);
      if (m.type === 'histogram') change(m.points[0] as unknown as Record<string, unknown>);
      return m;
    };
    const body = encodeJson(
      request(resource('strict', 'n1'), [
        explicit('/ok', () => {}),
        explicit('/count-above-buckets', (p) => (p.count = 1000)),
        explicit('/short-buckets', (p) => (p.bucketCounts = new Float64Array([1, 2]))),
        explicit('/unsorted', (p) => (p.explicitBounds = [...PYTHON_HTTP_BOUNDS].reverse())),
        httpExp('delta', [{ ...expPoint({ start: ns(now - 100), time: ns(now), offset: -6, counts: [2], route: '/exp-count-above' }), count: 100 }]),
        httpExp('cumulative', [{ ...expPoint({ start: ns(now - 100), time: ns(now), offset: -6, counts: [2], route: '/exp-cumulative-above' }), count: 100 }]),
      ]),
    );
    const r = await postOtlp(srv.otlpUrl, Buffer.from(body), { contentType: 'application/json' });
    assert.equal(r.status, 200);
    const answer = JSON.parse(r.body.toString());
    assert.equal(answer.partialSuccess.rejectedDataPoints, '5');
    assert.match(answer.partialSuccess.errorMessage, /do not add up to its count/);
    assert.match(answer.partialSuccess.errorMessage, /14 explicit bounds|increasing/);
    const f = await waitFor(async () => {
      const [, f] = await srv.get('/api/v1/fleet?service=strict&window=30s');
      return f.requests > 0 ? f : undefined;
    }, 8000);
    assert.equal(f.requests, 3, 'only the consistent point counts');
  } finally {
    await srv.dispose();
  }
});

test("explicit buckets: a cumulative point's min and max bound its deltas' percentiles, and relativeError says what the buckets allow", async () => {
  const srv = await testServer();
  try {
    const now = Date.now();
    const start = ns(now);
    // the OpenTelemetry JS SDK's default bounds (made for milliseconds) on a histogram in seconds: every request
    // lands in (0, 5] although none took more than 0.81 s
    const bounds = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];
    const point = (time: number, n: number) => ({
      attributes: { 'http.request.method': 'GET', 'http.route': '/sdk-default', 'http.response.status_code': 200 },
      startTimeUnixNano: start,
      timeUnixNano: time,
      flags: 0,
      count: n,
      sum: n * 0.05,
      min: 0.002,
      max: 0.81,
      bucketCounts: new Float64Array([0, n, ...new Array(bounds.length - 1).fill(0)]),
      explicitBounds: bounds,
    });
    const send = (time: number, n: number) =>
      postOtlp(
        srv.otlpUrl,
        encodeProtobuf(request(resource('sdk-default', 'js-1'), [{ name: Metrics.httpServerRequestDuration, description: '', unit: 's', type: 'histogram', temporality: 'cumulative', points: [point(time, n)] }])),
      );
    assert.equal((await send(ns(now), 100)).status, 200);
    assert.equal((await send(ns(now + 500), 250)).status, 200); // a delta of 150: its values lie within the point's min and max too
    const f = await waitFor(async () => {
      const [, f] = await srv.get('/api/v1/fleet?service=sdk-default&window=30s');
      return f.requests === 250 ? f : undefined;
    }, 8000, 'both points counted');
    assert.ok(f.latency.p99 <= 0.81 * (1 + 0.01), `p99 ${f.latency.p99} s: nothing above 0.81 s was recorded`);
    assert.ok(f.latency.p50 >= 0.002, `p50 ${f.latency.p50}`);
    // the bucket (0.002, 0.81] allows an error of (0.81 − 0.002) / 0.002 — not the store's 0.54%
    assert.ok(f.relativeError > 100, `relativeError ${f.relativeError}`);
    // exponential input alone keeps the scale's bound
    await postOtlp(srv.otlpUrl, encodeProtobuf(request(resource('exp-only', 'e-1'), [httpExp('delta', [expPoint({ start: ns(now - 100), time: ns(now), scale: 6, offset: -400, counts: [5], route: '/e' })])])));
    const e = await waitFor(async () => {
      const [, e] = await srv.get('/api/v1/fleet?service=exp-only&window=30s');
      return e.requests === 5 ? e : undefined;
    }, 8000);
    assert.ok(e.relativeError < 0.01, `relativeError ${e.relativeError}`);
    // the first bucket, (0, b₀], without a min: the bounds' ratio continued (√2 for Prometheus-style bounds), not 4×
    const root2 = Array.from({ length: 10 }, (_, i) => 2 ** ((i - 28) / 2));
    const first = { attributes: { 'http.request.method': 'GET', 'http.route': '/fast', 'http.response.status_code': 200 }, startTimeUnixNano: ns(now - 1000), timeUnixNano: ns(now), flags: 0, count: 7, sum: 7 * 5e-5, min: undefined, max: undefined, bucketCounts: new Float64Array([7, ...new Array(root2.length).fill(0)]), explicitBounds: root2 };
    await postOtlp(srv.otlpUrl, encodeProtobuf(request(resource('prom-first', 'p-1'), [{ name: Metrics.httpServerRequestDuration, description: '', unit: 's', type: 'histogram', temporality: 'delta', points: [first] }])));
    const p = await waitFor(async () => {
      const [, p] = await srv.get('/api/v1/fleet?service=prom-first&window=30s');
      return p.requests === 7 ? p : undefined;
    }, 8000);
    assert.ok(Math.abs(p.relativeError - (Math.SQRT2 - 1)) < 1e-9, `relativeError ${p.relativeError}`);
    assert.ok(p.latency.p50 > root2[0] / Math.SQRT2 && p.latency.p50 <= root2[0], `p50 ${p.latency.p50}`);
  } finally {
    await srv.dispose();
  }
});

test('a cumulative series that appears after its node was first seen counts whole, even when the node started before the dashboard', async () => {
  const srv = await testServer();
  try {
    const now = Date.now();
    const start = ns(now - 60_000); // the node's process started a minute before this dashboard
    const send = (points: ReturnType<typeof expPoint>[], time: number) =>
      postOtlp(srv.otlpUrl, encodeProtobuf(request(resource('old-node', 'n-1'), [httpExp('cumulative', points.map((p) => ({ ...p, timeUnixNano: time })))])));
    const a = (count: number) => expPoint({ start, time: 0, offset: -7, counts: [count], route: '/a' });
    const b = (count: number) => expPoint({ start, time: 0, offset: -7, counts: [count], route: '/b' });
    // first export: /a has 1000 requests from before the dashboard: a baseline, not traffic of this second
    assert.equal((await send([a(1000)], ns(now))).status, 200);
    // next: /a +5, and /b served for the first time since the last export: all of its 7 requests are new
    assert.equal((await send([a(1005), b(7)], ns(now + 500))).status, 200);
    const routes = await waitFor(async () => {
      const [, r] = await srv.get('/api/v1/routes?service=old-node&window=30s');
      return r.length === 2 ? r : undefined;
    }, 8000, 'both routes');
    const by = new Map(routes.map((r: { route: string; requests: number }) => [r.route, r.requests]));
    assert.equal(by.get('/a'), 5);
    assert.equal(by.get('/b'), 7);
  } finally {
    await srv.dispose();
  }
});
