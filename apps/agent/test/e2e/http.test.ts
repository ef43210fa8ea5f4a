// End to end with a plain node:http server started with `--import @perf/agent`, exporting to a real OTLP
// sink that decodes with @perf/metrics: exact counts per route and status, resource, runtime probes.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { ExponentialHistogramMetric } from '@perf/metrics';
import { findMetric, OtlpSink, pointQuantile, requestCounts, totalRequests, type Received } from '../helpers/sink.js';
import { hit, startFixture, type Child } from '../helpers/processes.js';

describe('node:http server with --import @perf/agent', () => {
  const sink = new OtlpSink();
  let app: Child;
  let base: string;

  before(async () => {
    await sink.start();
    app = await startFixture('http-server.mjs', {
      OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint,
      OTEL_SERVICE_NAME: 'checkout',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=test,team=perf%20core',
    });
    base = `http://127.0.0.1:${app.ready.port}`;
  });
  after(async () => {
    await app.kill();
    await sink.stop();
  });

  test('counts every request exactly, per method, route template and status', async () => {
    const ids = Array.from({ length: 40 }, (_, i) => `/users/${1000 + i}`);
    await hit(base, ids);
    await hit(base, Array.from({ length: 15 }, () => '/status/404'));
    await hit(base, Array.from({ length: 5 }, () => '/status/503'));
    await hit(base, Array.from({ length: 12 }, () => `/orders/${randomUUID()}/items?page=2`), 4, { method: 'POST' });
    await hit(base, Array.from({ length: 6 }, (_, i) => `/files/${(0xdeadbeef00 + i).toString(16)}abc123`));
    await hit(base, ['/', '/health', '/health?x=1']);
    await hit(base, ['/blog/hello-world', '/blog/another-post']);
    await hit(base, ['/custom/alpha', '/custom/beta', '/custom/gamma']);
    const expected = new Map([
      ['GET /users/:id 200', 40],
      ['GET /status/:id 404', 15],
      ['GET /status/:id 503', 5],
      ['POST /orders/:id/items 200', 12],
      ['GET /files/:id 200', 6],
      ['GET / 200', 1],
      ['GET /health 200', 2],
      ['GET /blog/[slug] 200', 2],
      ['GET /custom/{name} 200', 3],
    ]);
    const r = await sink.waitFor((x) => totalRequests(x) === 86);
    assert.deepEqual(new Map([...requestCounts(r)].sort()), new Map([...expected].sort()));
  });

  test('durations are plausible and the histogram is an OTLP exponential histogram at scale ≤ 6', async () => {
    const r = await sink.waitFor((x) => totalRequests(x) >= 86);
    const m = findMetric(r, 'http.server.request.duration') as ExponentialHistogramMetric;
    assert.equal(m.unit, 's');
    assert.equal(m.temporality, 'cumulative');
    for (const p of m.points) {
      assert.ok(p.scale <= 6);
      assert.ok(p.min! > 0 && p.max! < 5, `min ${p.min} max ${p.max}`);
      const inBuckets = p.zeroCount + p.positive.bucketCounts.reduce((a, b) => a + b, 0);
      assert.equal(inBuckets, p.count);
    }
  });

  test('resource: service.name, a per-process service.instance.id, host.name, process.pid, OTEL_RESOURCE_ATTRIBUTES', async () => {
    const r = await sink.waitFor(() => true);
    const attrs = r.request.resourceMetrics[0].resource.attributes;
    assert.equal(attrs['service.name'], 'checkout');
    assert.match(String(attrs['service.instance.id']), /^[0-9a-f-]{36}$/);
    assert.equal(typeof attrs['host.name'], 'string');
    assert.equal(attrs['process.pid'], app.ready.pid);
    assert.equal(attrs['deployment.environment'], 'test');
    assert.equal(attrs['team'], 'perf core');
  });

  test('a 300 ms busy loop shows in the event-loop delay histogram upper quantiles and max', async () => {
    const mark = sink.received.length;
    await hit(base, ['/block?ms=300']);
    const r = await sink.waitFor((x) => {
      const max = findMetric(x, 'nodejs.eventloop.delay.max');
      return max?.type === 'gauge' && max.points[0].value > 0.25;
    }, 10_000);
    assert.ok(sink.received.indexOf(r) >= mark);
    const delay = findMetric(r, 'nodejs.eventloop.delay') as ExponentialHistogramMetric;
    const p = delay.points[0];
    // coordinated-omission correction: the stall also recorded 280, 260, … ms (20 ms sampler), so ≥ 8 samples ≥ 100 ms, not 1
    let above100ms = 0;
    const b = 2 ** (2 ** -p.scale);
    p.positive.bucketCounts.forEach((n, i) => {
      if (b ** (p.positive.offset + i) >= 0.1) above100ms += n;
    });
    assert.ok(above100ms >= 8, `samples ≥ 100 ms: ${above100ms}`);
    assert.ok(p.max! >= 0.25 && p.max! < 1.5, `max ${p.max}`);
    const p99 = pointQuantile(p, 0.99);
    assert.ok(p99 >= 0.1, `p99 ${p99} of ${p.count} samples`);
  });

  test('runtime probes: GC by type, heap, RSS, CPU, ELU, handles, fds, listen queue', async () => {
    await hit(base, Array.from({ length: 10 }, () => '/gc'));
    const r = await sink.waitFor((x) => {
      const gc = findMetric(x, 'v8js.gc.duration');
      return gc?.type === 'exponentialHistogram' && gc.points.length > 0;
    }, 10_000);
    const gc = findMetric(r, 'v8js.gc.duration') as ExponentialHistogramMetric;
    for (const p of gc.points) assert.ok(['minor', 'major', 'incremental', 'weakcb'].includes(String(p.attributes['v8js.gc.type'])));
    const gauge = (name: string) => {
      const m = findMetric(r, name);
      assert.ok(m, `${name} missing`);
      assert.ok(m.type === 'gauge' || m.type === 'sum', `${name} is ${m.type}`);
      return (m as { points: { value: number }[] }).points[0].value;
    };
    const used = gauge('v8js.memory.heap.used');
    const limit = gauge('v8js.memory.heap.limit');
    assert.ok(used > 1e6 && used < limit, `heap ${used} of ${limit}`);
    assert.ok(gauge('process.memory.usage') > used);
    const cpu = gauge('process.cpu.utilization');
    assert.ok(cpu >= 0 && cpu < 2.5, `cpu ${cpu}`);
    const elu = gauge('nodejs.eventloop.utilization');
    assert.ok(elu >= 0 && elu <= 1, `elu ${elu}`);
    assert.ok(gauge('nodejs.active_handles') >= 1);
    if (process.platform === 'linux') {
      assert.ok(gauge('process.open_file_descriptor.count') >= 3);
      assert.ok(gauge('process.open_file_descriptor.limit') >= gauge('process.open_file_descriptor.count'));
      assert.ok(gauge('system.network.listen.overflows') >= 0);
      assert.ok(gauge('system.network.listen.drops') >= 0);
    }
  });

  test('a request the client aborts is counted as aborted, not as finished, and is no longer active', async () => {
    await new Promise<void>((resolve) => {
      const req = request(`${base}/hang`);
      req.on('error', () => resolve());
      req.end();
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 150);
    });
    const r = await sink.waitFor((x) => {
      const m = findMetric(x, 'http.server.aborted_requests');
      return m?.type === 'sum' && m.points.some((p) => p.attributes['http.route'] === '/hang' && p.value === 1);
    });
    assert.equal([...requestCounts(r).keys()].some((k) => k.includes('/hang')), false);
    const active = findMetric(r, 'http.server.active_requests');
    assert.equal(active?.type, 'sum');
    if (active?.type === 'sum') assert.equal(active.points.find((p) => p.attributes['http.request.method'] === 'GET')?.value, 0);
  });

  test('requests in flight are named by route once the process holds 10 or more (template, else normalised path), and not before', async () => {
    const byRoute = (x: Received) => {
      const m = findMetric(x, 'perf.http.server.active_requests.by_route');
      return m?.type === 'gauge' ? new Map(m.points.map((p) => [`${p.attributes['http.request.method']} ${p.attributes['http.route']}`, p.value])) : undefined;
    };
    const held: ReturnType<typeof request>[] = [];
    const hold = (path: string, method = 'GET') => {
      const req = request(`${base}${path}`, { method });
      req.on('error', () => undefined);
      req.end();
      held.push(req);
    };
    try {
      for (let i = 0; i < 6; i++) hold('/hang');
      // below the line, no route is named
      const few = await sink.waitFor((x) => {
        const m = findMetric(x, 'http.server.active_requests');
        return m?.type === 'sum' && m.points.some((p) => p.attributes['http.request.method'] === 'GET' && p.value === 6);
      });
      assert.equal(byRoute(few), undefined);
      for (let i = 0; i < 4; i++) hold(`/hang/${7001 + i}`);
      for (let i = 0; i < 3; i++) hold(`/hang/${8001 + i}?routed=1`, 'POST');
      const r = await sink.waitFor((x) => byRoute(x)?.get('POST /hang/{order}') === 3);
      assert.deepEqual(
        new Map([...byRoute(r)!].sort()),
        new Map([
          ['GET /hang', 6],
          ['GET /hang/:id', 4],
          ['POST /hang/{order}', 3],
        ]),
      );
      // and the routes of requests started and not answered do not enter the route table (nothing finished on them)
      assert.equal([...requestCounts(r).keys()].some((k) => k.includes('/hang')), false);
    } finally {
      for (const req of held) req.destroy();
    }
    const gone = await sink.waitFor((x) => {
      const m = findMetric(x, 'http.server.active_requests');
      return m?.type === 'sum' && m.points.every((p) => p.value === 0);
    });
    assert.equal(byRoute(gone), undefined);
  });

  test('pipelined requests on one connection each get their own start: durations from their own arrival', async () => {
    // start times live on the connection (a FIFO, HTTP/1.1 answers in order): the second request arrives
    // 200 ms after the first, while the first still waits for its answer, and is answered right after it
    const socket = connect(Number(app.ready.port), '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    let answers = '';
    socket.on('data', (d: Buffer) => (answers += d.toString()));
    socket.write('GET /sleep?ms=400 HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((r) => setTimeout(r, 200));
    socket.write('GET /pipelined HTTP/1.1\r\nHost: x\r\n\r\n');
    while ((answers.match(/HTTP\/1\.1 200/g) ?? []).length < 2) await new Promise((r) => setTimeout(r, 20));
    socket.destroy();
    const r = await sink.waitFor((x) => (requestCounts(x).get('GET /pipelined 200') ?? 0) === 1 && (requestCounts(x).get('GET /sleep 200') ?? 0) === 1);
    const m = findMetric(r, 'http.server.request.duration') as ExponentialHistogramMetric;
    const max = (route: string) => m.points.find((p) => p.attributes['http.route'] === route)!.max!;
    assert.ok(max('/sleep') >= 0.38 && max('/sleep') < 1, `/sleep took ${max('/sleep')} s from its own arrival`);
    assert.ok(max('/pipelined') >= 0.12 && max('/pipelined') <= max('/sleep') - 0.08, `/pipelined took ${max('/pipelined')} s (arrived 200 ms after /sleep, answered right after it)`);
    const active = findMetric(r, 'http.server.active_requests');
    if (active?.type === 'sum') assert.equal(active.points.find((p) => p.attributes['http.request.method'] === 'GET')?.value, 0);
  });

  test('a connection closed with pipelined requests in flight: every one counted as aborted, none left active', async () => {
    // the first waits 3 s for its answer; the two behind it are answered by the app at once but wait in
    // node:http's queue behind the first; then the client goes away
    const socket = connect(Number(app.ready.port), '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write('GET /sleep?ms=3000 HTTP/1.1\r\nHost: x\r\n\r\nGET /queued-a HTTP/1.1\r\nHost: x\r\n\r\nGET /queued-b HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((r) => setTimeout(r, 150));
    socket.destroy();
    const abortedOf = (x: Received, route: string) => {
      const m = findMetric(x, 'http.server.aborted_requests');
      return m?.type === 'sum' ? (m.points.find((p) => p.attributes['http.route'] === route)?.value ?? 0) : 0;
    };
    const r = await sink.waitFor((x) => abortedOf(x, '/queued-b') === 1);
    assert.deepEqual(['/sleep', '/queued-a', '/queued-b'].map((route) => abortedOf(r, route)), [1, 1, 1]);
    assert.equal([...requestCounts(r).keys()].some((k) => k.includes('/queued')), false, 'none of them counted as finished');
    const active = findMetric(r, 'http.server.active_requests');
    assert.equal(active?.type, 'sum');
    if (active?.type === 'sum') assert.equal(active.points.find((p) => p.attributes['http.request.method'] === 'GET')?.value, 0);
  });

  // outside audit AA1: a client that pipelines and resets its connection right after an answer went out. node:http had
  // written the whole answer (writableFinished) but never emits its 'finish' once the socket is gone, so the request was
  // neither finished nor aborted: 475 of 5,540 stayed "in flight" for good, and the dashboard saw a node holding
  // hundreds of requests with no connection open (a requests-stuck finding)
  test('clients that pipeline and reset their connections leave no request in flight: each one finished or aborted', async () => {
    const port = Number(app.ready.port);
    const one = () =>
      new Promise<void>((resolve) => {
        const socket = connect(port, '127.0.0.1');
        socket.on('error', () => {});
        socket.on('close', () => resolve());
        socket.resume();
        socket.write('GET /sleep?ms=1 HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(4));
        setTimeout(() => socket.destroy(), 3 * Math.random());
      });
    for (let i = 0; i < 150; i++) await Promise.all([one(), one(), one(), one()]);
    const activeGet = (x: Received) => {
      const m = findMetric(x, 'http.server.active_requests');
      return m?.type === 'sum' ? m.points.find((p) => p.attributes['http.request.method'] === 'GET')?.value : undefined;
    };
    const settled = await sink.waitFor((x) => activeGet(x) === 0, 6000, true).catch(() => undefined);
    assert.ok(settled, `requests left in flight with every connection closed: ${activeGet(sink.received.at(-1)!)}`);
  });

  test('a URL scanner hitting 10,000 random paths leaves at most the route cap in series, the rest in "other"', async () => {
    const before = await sink.waitFor((x) => x.at > Date.now() - 100, 5000, true);
    const word = () => Math.random().toString(36).slice(2, 8).replace(/\d/g, 'q');
    const paths = Array.from({ length: 10_000 }, () => `/${word()}/${word()}.php`);
    await hit(base, paths, 32);
    // nothing lost: every scanner request is counted somewhere
    const final = await sink.waitFor((x) => totalRequests(x) === totalRequests(before) + 10_000, 20_000);
    const counts = requestCounts(final);
    const routes = new Set([...counts.keys()].map((k) => k.split(' ')[1]));
    assert.ok(routes.size <= 201, `${routes.size} routes`);
    assert.ok((counts.get('GET other 200') ?? 0) >= 10_000 - 200);
    const folded = findMetric(final, 'perf.agent.routes.folded');
    assert.equal(folded?.type, 'sum');
    if (folded?.type === 'sum') assert.equal(folded.points[0].value, counts.get('GET other 200'));
  });

  test('compression when it pays: small exports go plain, large ones (hundreds of series) gzip', () => {
    const plain = sink.received.filter((r) => !r.gzip);
    const gzip = sink.received.filter((r) => r.gzip);
    // before the scanner flood a handful of series (a few KB); after it, ~200 routes' series
    assert.ok(plain.length > 0 && gzip.length > 0, `${plain.length} plain, ${gzip.length} gzip exports`);
    assert.ok(Math.max(...plain.map((r) => r.bytes)) < 24 * 1024, `largest plain export ${Math.max(...plain.map((r) => r.bytes))} B`);
    assert.ok(Math.min(...gzip.map((r) => r.bytes)) > 10 * 1024, `smallest gzip export ${Math.min(...gzip.map((r) => r.bytes))} B`);
    for (const r of gzip) assert.ok(r.wireBytes < r.bytes / 2, `gzip sent ${r.wireBytes} B for ${r.bytes} B`);
  });
});

describe('node:http: what becomes a route, and Node\'s own answers', () => {
  const sink = new OtlpSink();
  let app: Child;
  let base: string;

  before(async () => {
    await sink.start();
    app = await startFixture('http-server.mjs', { OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, OTEL_SERVICE_NAME: 'edges', REQUEST_TIMEOUT: '1000' });
    base = `http://127.0.0.1:${app.ready.port}`;
  });
  after(async () => {
    await app.kill();
    await sink.stop();
  });

  // regression (audit F4): e-mail addresses, phone numbers, IP addresses, dates and session ids went out as route labels
  test('e-mail addresses, phone numbers, IP addresses and dates fold to :id, and ;matrix/session parameters are dropped', async () => {
    const paths = [
      '/users/alice@example.com',
      '/users/bob%40example.com',
      '/users/Alice.Smith@corp.example.org/profile',
      '/phone/+14155550123',
      '/phone/%2B442071838750',
      '/ip/10.0.0.1',
      '/ip/2001:db8::1',
      '/date/2024-05-01',
      '/cart;jsessionid=ABC123DEF456GHI789JKL',
      '/semi;jsessionid=XYZ/42',
    ];
    assert.deepEqual(new Set(await hit(base, paths)), new Set([200]));
    const r = await sink.waitFor((x) => totalRequests(x) === paths.length);
    assert.deepEqual(
      new Map([...requestCounts(r)].sort()),
      new Map(
        [
          ['GET /users/:id 200', 2],
          ['GET /users/:id/profile 200', 1],
          ['GET /phone/:id 200', 2],
          ['GET /ip/:id 200', 2],
          ['GET /date/:id 200', 1],
          ['GET /cart 200', 1],
          ['GET /semi/:id 200', 1],
        ].sort() as [string, number][],
      ),
    );
  });

  // regression (audit F5): Node's own 408 on server.requestTimeout (the body never completed) was counted as a request
  // the client aborted, so slow uploads looked like impatient clients
  test('a request Node answers 408 on requestTimeout is a finished 408, not an abort', async () => {
    const before = totalRequests(await sink.waitFor(() => true, 15_000, true));
    const answers = await Promise.all(
      Array.from(
        { length: 3 },
        () =>
          new Promise<string>((resolve) => {
            const socket = connect(Number(app.ready.port), '127.0.0.1', () => socket.write('POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc'));
            let got = '';
            socket.on('data', (d: Buffer) => (got += d.toString()));
            socket.on('close', () => resolve(got.split('\r\n')[0]));
          }),
      ),
    );
    assert.deepEqual(answers, Array(3).fill('HTTP/1.1 408 Request Timeout'));
    const abortedOf = (x: Received) => {
      const m = findMetric(x, 'http.server.aborted_requests');
      return m?.type === 'sum' ? (m.points.find((p) => p.attributes['http.route'] === '/upload')?.value ?? 0) : 0;
    };
    const r = await sink.waitFor((x) => totalRequests(x) + abortedOf(x) === before + 3, 15_000, true);
    assert.deepEqual([requestCounts(r).get('POST /upload 408'), abortedOf(r)], [3, 0], '[408s, aborted]');
    const m = findMetric(r, 'http.server.request.duration') as ExponentialHistogramMetric;
    const p = m.points.find((x) => x.attributes['http.route'] === '/upload')!;
    assert.ok(p.min! >= 0.9 && p.max! < 2, `timed out after ${p.min}–${p.max} s (requestTimeout 1 s)`);
    const active = findMetric(r, 'http.server.active_requests');
    if (active?.type === 'sum') assert.equal(active.points.find((x) => x.attributes['http.request.method'] === 'POST')?.value, 0);
  });
});

describe('activation', () => {
  const sink = new OtlpSink();
  before(() => sink.start());
  after(() => sink.stop());

  test('PERF_ENABLED=false: the app serves, nothing is sent', async () => {
    const app = await startFixture('http-server.mjs', { OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, PERF_ENABLED: 'false', OTEL_METRIC_EXPORT_INTERVAL: '50' });
    try {
      const statuses = await hit(`http://127.0.0.1:${app.ready.port}`, ['/a', '/b', '/c']);
      assert.deepEqual(statuses, [200, 200, 200]);
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(sink.received.length, 0);
    } finally {
      await app.kill();
    }
  });

  for (const [how, file, args] of [
    ['node -r @perf/agent (CommonJS preload)', 'http-server.mjs', ['-r', '@perf/agent']],
    ["require('@perf/agent') in a CommonJS app", 'cjs-server.cjs', []],
    // the export snapshot's buffer is a SharedArrayBuffer; without one it falls back to a copied ArrayBuffer
    ['--import @perf/agent with SharedArrayBuffer switched off', 'http-server.mjs', ['--no-harmony-sharedarraybuffer', '--import', '@perf/agent']],
  ] as const) {
    test(`${how} starts the agent`, async () => {
      const name = `svc-${Math.random().toString(36).slice(2)}`;
      const app = await startFixture(file, { OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, OTEL_SERVICE_NAME: name }, [...args]);
      try {
        await hit(`http://127.0.0.1:${app.ready.port}`, Array.from({ length: 9 }, (_, i) => `/p/${i}`));
        const r = await sink.waitFor((x) => x.request.resourceMetrics[0].resource.attributes['service.name'] === name && totalRequests(x) === 9);
        assert.equal(requestCounts(r).get('GET /p/:id 200'), 9);
        assert.doesNotMatch(app.stderr(), /Error/);
      } finally {
        await app.kill();
      }
    });
  }

  test('OTEL_EXPORTER_OTLP_PROTOCOL=http/json sends OTLP/JSON with the same data', async () => {
    const name = `json-${Math.random().toString(36).slice(2)}`;
    const app = await startFixture('http-server.mjs', { OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, OTEL_SERVICE_NAME: name, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' });
    try {
      await hit(`http://127.0.0.1:${app.ready.port}`, Array.from({ length: 7 }, () => '/status/201'));
      const r = await sink.waitFor((x) => x.request.resourceMetrics[0].resource.attributes['service.name'] === name && totalRequests(x) === 7);
      assert.match(r.contentType, /application\/json/);
      assert.equal(requestCounts(r).get('GET /status/:id 201'), 7);
    } finally {
      await app.kill();
    }
  });

  test('OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=delta: exports carry differences that add up to the requests sent', async () => {
    const name = `delta-${Math.random().toString(36).slice(2)}`;
    const app = await startFixture('http-server.mjs', { OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, OTEL_SERVICE_NAME: name, OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'delta' });
    try {
      const base = `http://127.0.0.1:${app.ready.port}`;
      const mine = () => sink.received.filter((x) => x.request.resourceMetrics[0].resource.attributes['service.name'] === name);
      await hit(base, Array.from({ length: 5 }, () => '/d'));
      await sink.waitFor((x) => x.request.resourceMetrics[0].resource.attributes['service.name'] === name && totalRequests(x) > 0);
      await hit(base, Array.from({ length: 8 }, () => '/d'));
      const deadline = Date.now() + 10_000;
      let sum = 0;
      while (Date.now() < deadline) {
        sum = mine().reduce((a, x) => a + (requestCounts(x).get('GET /d 200') ?? 0), 0);
        if (sum >= 13) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(sum, 13);
      const m = findMetric(mine().at(-1)!, 'http.server.request.duration') ?? findMetric(mine()[0], 'http.server.request.duration');
      assert.equal(m?.type === 'exponentialHistogram' && m.temporality, 'delta');
    } finally {
      await app.kill();
    }
  });

  test('a bad setting gives one clear warning and a safe default, never a crash', async () => {
    const name = `bad-${Math.random().toString(36).slice(2)}`;
    const app = await startFixture('http-server.mjs', {
      OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint,
      OTEL_SERVICE_NAME: name,
      OTEL_METRIC_EXPORT_INTERVAL: 'soon',
      PERF_MAX_ROUTES: '-5',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      PERF_WORKER_THREADS: 'maybe',
    });
    try {
      await hit(`http://127.0.0.1:${app.ready.port}`, ['/x']);
      // default interval (1 s) applies
      await sink.waitFor((x) => x.request.resourceMetrics[0].resource.attributes['service.name'] === name && totalRequests(x) === 1, 10_000);
      const err = app.stderr();
      assert.equal(err.match(/PERF_AGENT_BAD_OTEL_METRIC_EXPORT_INTERVAL/g)?.length, 1, err);
      assert.match(err, /PERF_AGENT_BAD_PERF_MAX_ROUTES/);
      assert.match(err, /PERF_AGENT_BAD_OTEL_EXPORTER_OTLP_PROTOCOL/);
      // (it said nothing: outside audit Y)
      assert.equal(err.match(/PERF_AGENT_BAD_PERF_WORKER_THREADS/g)?.length, 1, err);
    } finally {
      await app.kill();
    }
  });

  // regression: the export worker's 'message' listener re-ref'd it after unref(), keeping every process alive
  test('the agent never keeps a process alive, even with a dashboard that accepts and never answers', async () => {
    const { spawn } = await import('node:child_process');
    const { createServer } = await import('node:net');
    const { agentDir, ensureBuilt } = await import('../helpers/processes.js');
    ensureBuilt();
    const blackhole = createServer(() => {}).listen(0, '127.0.0.1');
    await new Promise((r) => blackhole.once('listening', r));
    try {
      for (const endpoint of [sink.endpoint, `http://127.0.0.1:${(blackhole.address() as { port: number }).port}`]) {
        const t0 = Date.now();
        const child = spawn(process.execPath, ['--import', '@perf/agent', '-e', 'setTimeout(() => {}, 300)'], {
          cwd: agentDir,
          env: { PATH: process.env.PATH, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_METRIC_EXPORT_INTERVAL: '50' },
          stdio: 'ignore',
        });
        const code = await new Promise((resolve) => child.once('exit', resolve));
        assert.equal(code, 0);
        assert.ok(Date.now() - t0 < 8000, `${endpoint}: exited after ${Date.now() - t0} ms`);
      }
    } finally {
      blackhole.close();
    }
  });

  test('SIGTERM: one last export with everything counted, then the process ends by the signal as without the agent', async () => {
    const name = `term-${Math.random().toString(36).slice(2)}`;
    const app = await startFixture('http-server.mjs', { OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, OTEL_SERVICE_NAME: name, OTEL_METRIC_EXPORT_INTERVAL: '600000' });
    await hit(`http://127.0.0.1:${app.ready.port}`, Array.from({ length: 7 }, () => '/bye'));
    app.proc.kill('SIGTERM');
    await app.exited;
    assert.equal(app.proc.signalCode, 'SIGTERM');
    const r: Received = await sink.waitFor((x) => x.request.resourceMetrics[0].resource.attributes['service.name'] === name, 3000);
    assert.equal(requestCounts(r).get('GET /bye 200'), 7);
  });
});
