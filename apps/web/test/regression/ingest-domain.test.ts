// Outside audit M1: values valid as OTLP but impossible as data were answered `200 {}` and corrupted the fleet's
// aggregates (a request count of 2^64 − 1 read back as 1.8e19 requests and 3.6e17 req/s, an ELU of −5 made the
// fleet's −2.48, a CPU of 1e300 made it null); after a restart load refused part of it as damaged rows. Each bad
// value now gets partial success naming it, counted by reason, while a well-behaved node in the same request and
// around it is counted exactly; and what ingest accepts at the edges of each domain loads back after a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testServer, postOtlp, waitFor } from '../server/lib/server.js';

const ns = (ms: number) => ms * 1e6;
const HTTP = 'http.server.request.duration';

type Json = Record<string, unknown>;
const resource = (service: string, instance: string): Json => ({
  attributes: [
    { key: 'service.name', value: { stringValue: service } },
    { key: 'service.instance.id', value: { stringValue: instance } },
    { key: 'host.name', value: { stringValue: 'test-host' } },
  ],
});
const attrs = (status: number) => [
  { key: 'http.request.method', value: { stringValue: 'GET' } },
  { key: 'http.route', value: { stringValue: '/r' } },
  { key: 'http.response.status_code', value: { intValue: String(status) } },
];
/** An exponential point at scale 0; counts and sum as JSON gives them (64-bit integers may be decimal strings). */
const expMetric = (
  temporality: 1 | 2,
  p: { start: number; time: number; offset: number; counts: (number | string)[]; count: number | string; sum?: number; status?: number; scale?: number; min?: number; max?: number; zeroThreshold?: number },
): Json => ({
  name: HTTP,
  unit: 's',
  exponentialHistogram: {
    aggregationTemporality: temporality,
    dataPoints: [
      {
        attributes: attrs(p.status ?? 200),
        startTimeUnixNano: String(p.start),
        timeUnixNano: String(p.time),
        count: String(p.count),
        ...(p.sum !== undefined ? { sum: p.sum } : {}),
        ...(p.min !== undefined ? { min: p.min } : {}),
        ...(p.max !== undefined ? { max: p.max } : {}),
        ...(p.zeroThreshold !== undefined ? { zeroThreshold: p.zeroThreshold } : {}),
        scale: p.scale ?? 0,
        zeroCount: '0',
        positive: { offset: p.offset, bucketCounts: p.counts.map(String) },
      },
    ],
  },
});
/** A delta explicit-bucket point of one request duration histogram. */
const explicitMetric = (time: number, bounds: number[], counts: number[], sum: number): Json => ({
  name: HTTP,
  unit: 's',
  histogram: {
    aggregationTemporality: 1,
    dataPoints: [
      {
        attributes: attrs(200),
        startTimeUnixNano: String(time - ns(1000)),
        timeUnixNano: String(time),
        count: String(counts.reduce((a, b) => a + b, 0)),
        sum,
        bucketCounts: counts.map(String),
        explicitBounds: bounds,
      },
    ],
  },
});
const gauge = (name: string, unit: string, value: number, time: number): Json => ({ name, unit, gauge: { dataPoints: [{ timeUnixNano: String(time), asDouble: value }] } });
const body = (resources: { resource: Json; metrics: Json[] }[]): Buffer =>
  Buffer.from(JSON.stringify({ resourceMetrics: resources.map((r) => ({ resource: r.resource, scopeMetrics: [{ scope: { name: 'test' }, metrics: r.metrics }] })) }));

/** The well-behaved node's export at `time`: 100 requests in (2^-5, 2^-4] s, 3 of them 500s, ELU 0.4, CPU 0.5. */
const good = (time: number) => ({
  resource: resource('shop', 'good-1'),
  metrics: [
    expMetric(1, { start: time - ns(1000), time, offset: -5, counts: [97], count: 97, sum: 97 * 0.04 }),
    expMetric(1, { start: time - ns(1000), time, offset: -5, counts: [3], count: 3, sum: 3 * 0.04, status: 500 }),
    gauge('nodejs.eventloop.utilization', '1', 0.4, time),
    gauge('process.cpu.utilization', '1', 0.5, time),
    gauge('process.memory.usage', 'By', 200e6, time),
  ],
});

test('out-of-domain values get partial success naming them, counted by reason; a good node in the same requests is exact and the fleet stays right', async () => {
  const srv = await testServer();
  try {
    const now = Date.now();
    const at = (i: number) => ns(now + i * 20);
    const cases: { what: string; metric: (time: number) => Json; reason: RegExp }[] = [
      {
        what: 'a cumulative count of 2^64 − 1',
        metric: (time) => expMetric(2, { start: ns(now), time, offset: -5, counts: ['18446744073709551615'], count: '18446744073709551615', sum: 1 }),
        reason: /cumulative count over 2\^53/,
      },
      { what: '2·10^12 requests in one delta', metric: (time) => expMetric(1, { start: time - ns(1000), time, offset: -5, counts: [2e12], count: 2e12, sum: 2e12 * 0.04 }), reason: /grew by more than 10\^12/ },
      { what: 'a sum of 1e308', metric: (time) => expMetric(1, { start: time - ns(1000), time, offset: -5, counts: [1], count: 1, sum: 1e308 }), reason: /histogram sum not finite, negative, or larger/ },
      { what: 'a request of 2^40 s', metric: (time) => expMetric(1, { start: time - ns(1000), time, offset: 40, counts: [1], count: 1 }), reason: /duration histogram with values below 0 or above/ },
      // outside audit Z: points each valid as OTLP that wrecked others' figures or the receiver
      {
        what: 'one request in the bucket (2^−1024, 1] s at scale −10 (made the fleet\'s p50…p999 1.1e−308 s)',
        metric: (time) => expMetric(1, { start: time - ns(1000), time, offset: -1, counts: [1], count: 1, sum: 0.01, scale: -10 }),
        reason: /scale outside 0\.\.20/,
      },
      { what: 'scale 21', metric: (time) => expMetric(1, { start: time - ns(1000), time, offset: 0, counts: [1], count: 1, sum: 1, scale: 21 }), reason: /scale outside 0\.\.20/ },
      {
        what: 'a count 2^26 buckets below 1 s at scale 6 (stalled the receiver on each later point of its series)',
        metric: (time) => expMetric(2, { start: ns(now), time, offset: -(2 ** 26), counts: [1], count: 1, sum: 0, scale: 6 }),
        reason: /values below 1 ns/,
      },
      {
        what: 'min = max = 1 ns beside one bucket of 7.8–15.6 ms (made the route\'s percentiles 1 ns)',
        metric: (time) => expMetric(1, { start: time - ns(1000), time, offset: -7, counts: [1], count: 1, sum: 0.01, min: 1e-9, max: 1e-9 }),
        reason: /min or max .* outside the point's own populated buckets/,
      },
      { what: 'a min of −5', metric: (time) => expMetric(1, { start: time - ns(1000), time, offset: -7, counts: [1], count: 1, sum: 0.01, min: -5, max: 0.01 }), reason: /min or max negative/ },
      { what: 'min above max', metric: (time) => expMetric(1, { start: time - ns(1000), time, offset: -7, counts: [1], count: 1, sum: 0.01, min: 5, max: 0.001 }), reason: /min above max/ },
      { what: 'a zero threshold of −1', metric: (time) => expMetric(1, { start: time - ns(1000), time, offset: -7, counts: [1], count: 1, sum: 0.01, zeroThreshold: -1 }), reason: /zero_threshold negative/ },
      {
        what: 'explicit counts above a last bound of 1e300 s (the route read 2.25e300 s)',
        metric: (time) => explicitMetric(time, [0.1, 1e300], [1, 0, 2], 0.01),
        reason: /duration histogram with values below 0 or above/,
      },
      { what: 'a count in the explicit bucket (−∞, −5] s', metric: (time) => explicitMetric(time, [-5, 0.1, 0.2], [1, 1, 1, 0], 0.15), reason: /duration histogram with values below 0 or above/ },
      { what: 'an ELU of −5', metric: (time) => gauge('nodejs.eventloop.utilization', '1', -5, time), reason: /nodejs\.eventloop\.utilization .*below 0 or above 1\.001/ },
      { what: 'a CPU of 1e300', metric: (time) => gauge('process.cpu.utilization', '1', 1e300, time), reason: /process\.cpu\.utilization .*below 0 or above 1024/ },
      { what: 'an RSS of 1e18 bytes', metric: (time) => gauge('process.memory.usage', 'By', 1e18, time), reason: /process\.memory\.usage bytes below 0 or above/ },
      { what: '−3 open file descriptors', metric: (time) => gauge('process.open_file_descriptor.count', '{fd}', -3, time), reason: /process\.open_file_descriptor\.count below 0/ },
    ];
    const post = async (b: Buffer) => {
      const res = await postOtlp(srv.otlpUrl, b, { contentType: 'application/json' });
      assert.equal(res.status, 200);
      return JSON.parse(res.body.toString()) as { partialSuccess?: { rejectedDataPoints: string; errorMessage: string } };
    };
    // around the bad ones: the good node alone, before and after
    assert.deepEqual(await post(body([good(at(0))])), {});
    const reasons: string[] = [];
    for (let i = 0; i < cases.length; i++) {
      const c = cases[i];
      const time = at(i + 1);
      const answer = await post(body([good(time), { resource: resource('rogue', 'bad-1'), metrics: [c.metric(time)] }]));
      assert.equal(answer.partialSuccess?.rejectedDataPoints, '1', `${c.what}: one point rejected (${JSON.stringify(answer)})`);
      assert.match(answer.partialSuccess!.errorMessage, c.reason, c.what);
      reasons.push(answer.partialSuccess!.errorMessage.replace(/^1 of \d+ data points rejected: /, ''));
    }
    // a cumulative series whose points are each in range but whose difference is not: refused, and the point after it
    // re-establishes the series without counting (10 requests counted, not 2·10^12 nor the 5 after the jump)
    const jumpy = (i: number, count: number) => body([{ resource: resource('rogue', 'jumpy'), metrics: [expMetric(2, { start: ns(now), time: at(20 + i), offset: -5, counts: [count], count, sum: count * 0.04 })] }]);
    assert.deepEqual(await post(jumpy(0, 10)), {});
    const jump = await post(jumpy(1, 10 + 2e12));
    assert.match(jump.partialSuccess?.errorMessage ?? '', /grew by more than 10\^12/);
    assert.deepEqual(await post(jumpy(2, 10 + 2e12 + 5)), {});
    assert.deepEqual(await post(body([good(at(cases.length + 1))])), {});

    const goodExports = cases.length + 2;
    const fleet = await waitFor(async () => {
      const [, f] = await srv.get('/api/v1/fleet?window=1m');
      return f.requests >= goodExports * 100 + 10 ? f : undefined;
    }, 10_000, 'the good node and the jumpy series counted');
    assert.equal(fleet.requests, goodExports * 100 + 10, 'exactly the good node and the jumpy series before its jump');
    assert.equal(fleet.errors, goodExports * 3);
    assert.ok(Math.abs(fleet.errorRate - (goodExports * 3) / (goodExports * 100 + 10)) < 1e-12, `errorRate ${fleet.errorRate}`);
    assert.ok(fleet.latency.p50 > 2 ** -5 && fleet.latency.p99 <= 2 ** -4 && fleet.latency.p999 <= 2 ** -4, `latency ${JSON.stringify(fleet.latency)} in the good node's bucket`);
    assert.ok(typeof fleet.relativeError === 'number' && fleet.relativeError < 0.34, `relativeError ${fleet.relativeError}: the good node's scale 0`);
    assert.ok(Math.abs(fleet.elu - 0.4) < 1e-6, `fleet ELU ${fleet.elu}`);
    assert.ok(Math.abs(fleet.cpu - 0.5) < 1e-6, `fleet CPU ${fleet.cpu}`);
    const [, shop] = await srv.get('/api/v1/fleet?service=shop&window=1m');
    assert.equal(shop.requests, goodExports * 100);
    const [, nodes] = await srv.get('/api/v1/nodes?window=1m');
    const bad = nodes.find((n: { instance: string }) => n.instance === 'bad-1');
    assert.ok(bad !== undefined && bad.elu === null && bad.cpu === null, `the bad node's refused gauges are not its values: ${JSON.stringify(bad)}`);
    const [, status] = await srv.get('/api/v1/status');
    const byReason = status.ingest.rejectedByReason as Record<string, number>;
    for (const r of reasons) assert.ok(byReason[r] >= 1, `"${r}" counted in ${JSON.stringify(byReason)}`);
    assert.equal(status.ingest.rejectedPoints, cases.length + 1);
  } finally {
    await srv.dispose();
  }
});

test('values at the edges of their domains are accepted, and a restart loads them back (no row refused as damaged)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'perf-domain-'));
  try {
    const messages: string[] = [];
    const a = await testServer({ dataDir: dir, log: (m) => messages.push(m) });
    const now = Date.now();
    const edge = (i: number) => {
      const time = ns(now + i * 200);
      return body([
        {
          resource: resource('edge', 'n1'),
          metrics: [
            expMetric(1, { start: time - ns(1000), time, offset: -5, counts: [50], count: 50, sum: 50 * 0.04 }),
            gauge('nodejs.eventloop.utilization', '1', 1.0005, time),
            gauge('v8js.memory.heap.used', 'By', 2 ** 50, time),
            gauge('process.memory.usage', 'By', 2 ** 50, time),
            gauge('process.cpu.utilization', '1', 64, time),
          ],
        },
      ]);
    };
    for (let i = 0; i < 3; i++) {
      const res = await postOtlp(a.otlpUrl, edge(i), { contentType: 'application/json' });
      assert.equal(res.body.toString(), '{}', 'every value in its domain');
    }
    // settled (and so written) before the stop
    const before = await waitFor(async () => {
      const [, n] = await a.get('/api/v1/nodes?service=edge&window=1m');
      return n[0]?.cpu != null && n[0]?.elu != null ? n[0] : undefined;
    }, 10_000, 'the node row settled');
    await a.close(); // graceful: settles the open seconds and flushes
    const b = await testServer({ dataDir: dir, log: (m) => messages.push(m) });
    try {
      assert.deepEqual(messages.filter((m) => /damaged/.test(m)), [], 'no row refused at load');
      const [, nodes] = await b.get('/api/v1/nodes?service=edge&window=5m');
      assert.equal(nodes[0]?.heapUsed, before.heapUsed, 'the heap of 1 PiB loaded back');
      for (const [metric, value] of [['cpu', 64], ['elu', Math.fround(1.0005)]] as const) {
        const [, series] = await b.get(`/api/v1/series?service=edge&metric=${metric}&by=node&window=5m&step=1s`);
        const points = (series.series[0]?.points ?? []).filter((p: [number, number | null]) => p[1] !== null);
        assert.ok(points.length > 0 && points.every((p: [number, number]) => Math.abs(p[1] - value) < 1e-6), `${metric} loaded back: ${JSON.stringify(points)}`);
      }
      const [, fleet] = await b.get('/api/v1/fleet?service=edge&window=5m');
      assert.equal(fleet.requests, 150);
    } finally {
      await b.dispose();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
