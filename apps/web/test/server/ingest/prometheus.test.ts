// Prometheus samples → the OTLP model ingest applies: a target per job and instance (named by its target_info),
// classic buckets back to per-bucket counts, gauges and counters by their Prometheus names, one start time per
// target for every pull (its process_start_time_seconds, else a baseline's), series that differ only in labels the
// store does not read added together.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PULL_QUERY, samplesToRequest, type PromSample } from '../../../server/ingest/prometheus.js';

const at = 1_764_000_000.5;
const sample = (metric: Record<string, string>, value: number): PromSample => ({ metric: { job: 'shop', instance: '10.0.0.7:9464', ...metric }, value: [at, String(value)] });
const route = { http_request_method: 'GET', http_route: '/orders/:id', http_response_status_code: '200' };

const samples: PromSample[] = [
  sample({ __name__: 'http_server_request_duration_seconds_bucket', ...route, le: '0.01' }, 5),
  sample({ __name__: 'http_server_request_duration_seconds_bucket', ...route, le: '+Inf' }, 9),
  sample({ __name__: 'http_server_request_duration_seconds_bucket', ...route, le: '0.1' }, 8),
  sample({ __name__: 'http_server_request_duration_seconds_sum', ...route }, 0.42),
  sample({ __name__: 'http_server_request_duration_seconds_count', ...route }, 9),
  sample({ __name__: 'nodejs_eventloop_utilization_ratio' }, 0.25),
  sample({ __name__: 'system_network_listen_overflows_total' }, 3),
  sample({ __name__: 'nodejs_eventloop_utilization_ratio', instance: '10.0.0.8:9464' }, 0.5),
];

test('one resource per scrape target, histograms from cumulative buckets, gauges and counters by name', () => {
  const req = samplesToRequest(samples);
  assert.equal(req.resourceMetrics.length, 2);
  const [a, b] = req.resourceMetrics;
  assert.deepEqual(a.resource.attributes, { 'service.name': 'shop', 'service.instance.id': '10.0.0.7:9464', 'host.name': '10.0.0.7' });
  assert.equal(b.resource.attributes['service.instance.id'], '10.0.0.8:9464');
  const byName = new Map(a.scopeMetrics[0].metrics.map((m) => [m.name, m]));
  const h = byName.get('http.server.request.duration');
  assert.ok(h?.type === 'histogram' && h.temporality === 'cumulative');
  const p = h.points[0];
  assert.deepEqual([p.explicitBounds, p.bucketCounts, p.count, p.sum], [[0.01, 0.1], new Float64Array([5, 3, 1]), 9, 0.42]);
  assert.deepEqual(p.attributes, { 'http.request.method': 'GET', 'http.route': '/orders/:id', 'http.response.status_code': 200 });
  assert.equal(p.timeUnixNano, Math.round(at * 1e9));
  assert.equal(p.startTimeUnixNano, 1, 'a target that does not say when it started: a baseline');
  const elu = byName.get('nodejs.eventloop.utilization');
  assert.ok(elu?.type === 'gauge' && elu.points[0].value === 0.25);
  const overflows = byName.get('system.network.listen.overflows');
  assert.ok(overflows?.type === 'sum' && overflows.monotonic && overflows.points[0].value === 3);
  // read again: the same start (a changed start would read as a restart of its counters, counting them whole)
  const again = samplesToRequest(samples);
  const h2 = again.resourceMetrics[0].scopeMetrics[0].metrics.find((m) => m.name === 'http.server.request.duration');
  assert.equal(h2?.type === 'histogram' && h2.points[0].startTimeUnixNano, 1);
});

test('target_info names the service and host, process_start_time_seconds is every point’s start, pull after pull', () => {
  const withInfo = [
    ...samples,
    sample({ __name__: 'target_info', service_name: 'checkout', service_instance_id: 'checkout-7f3a', host_name: 'web-3' }, 1),
    sample({ __name__: 'process_start_time_seconds' }, 1_763_999_000.25),
  ];
  for (let pull = 0; pull < 2; pull++) {
    const [a] = samplesToRequest(withInfo).resourceMetrics;
    assert.deepEqual(a.resource.attributes, { 'service.name': 'checkout', 'service.instance.id': '10.0.0.7:9464', 'host.name': 'web-3' });
    for (const m of a.scopeMetrics[0].metrics) for (const p of 'points' in m ? m.points : []) assert.equal(p.startTimeUnixNano, 1_763_999_000_250 * 1e6, m.name);
    assert.ok(!a.scopeMetrics[0].metrics.some((m) => m.name === 'target_info' || m.name === 'process_start_time_seconds'));
  }
});

test('series that differ only in labels the store does not read add up (another SDK’s network_protocol_version)', () => {
  const v = (version: string, le: string, n: number) => sample({ __name__: 'http_server_request_duration_seconds_bucket', ...route, network_protocol_version: version, le }, n);
  const parts = [
    v('1.1', '0.1', 10),
    v('1.1', '+Inf', 10),
    v('2', '0.1', 4),
    v('2', '+Inf', 5),
    sample({ __name__: 'http_server_request_duration_seconds_count', ...route, network_protocol_version: '1.1' }, 10),
    sample({ __name__: 'http_server_request_duration_seconds_count', ...route, network_protocol_version: '2' }, 5),
    sample({ __name__: 'http_server_request_duration_seconds_sum', ...route, network_protocol_version: '1.1' }, 0.5),
    sample({ __name__: 'http_server_request_duration_seconds_sum', ...route, network_protocol_version: '2' }, 0.75),
    sample({ __name__: 'system_network_listen_drops_total', otel_scope_name: 'a' }, 2),
    sample({ __name__: 'system_network_listen_drops_total', otel_scope_name: 'b' }, 3),
  ];
  const metrics = samplesToRequest(parts).resourceMetrics[0].scopeMetrics[0].metrics;
  const h = metrics.find((m) => m.name === 'http.server.request.duration');
  assert.ok(h?.type === 'histogram');
  assert.equal(h.points.length, 1);
  assert.deepEqual([h.points[0].bucketCounts, h.points[0].count, h.points[0].sum], [new Float64Array([14, 1]), 15, 1.25]);
  const drops = metrics.find((m) => m.name === 'system.network.listen.drops');
  assert.ok(drops?.type === 'sum' && drops.points.length === 1 && drops.points[0].value === 5);
});

test('a histogram without its +Inf bucket or count, or with decreasing buckets, is left out', () => {
  const broken = [
    sample({ __name__: 'http_server_request_duration_seconds_bucket', ...route, le: '0.01' }, 5),
    sample({ __name__: 'http_server_request_duration_seconds_count', ...route }, 5),
    sample({ __name__: 'nodejs_eventloop_delay_seconds_bucket', le: '0.01' }, 5),
    sample({ __name__: 'nodejs_eventloop_delay_seconds_bucket', le: '+Inf' }, 4),
    sample({ __name__: 'nodejs_eventloop_delay_seconds_count' }, 4),
  ];
  const metrics = samplesToRequest(broken).resourceMetrics[0].scopeMetrics[0].metrics;
  assert.deepEqual(metrics, []);
});

test('the pull is one PromQL selector over the agent’s metric names', () => {
  assert.match(PULL_QUERY, /^\{__name__=~"target_info\|process_start_time_seconds\|http_server_request_duration_seconds_bucket\|/);
  assert.ok(PULL_QUERY.includes('|nodejs_eventloop_utilization_ratio|') && PULL_QUERY.includes('|nodejs_eventloop_run_delay_seconds_total|'));
  assert.ok(PULL_QUERY.endsWith('|http_server_aborted_requests_total"}'), PULL_QUERY.slice(-80));
});

test('PERF_PROMETHEUS_HEADERS reach the store with every pull (a bearer token, a tenant); a bad one is a clear error', async () => {
  const { parseHeaders } = await import('../../../server/main.js');
  const { PrometheusPuller } = await import('../../../server/ingest/prometheus.js');
  const { createServer } = await import('node:http');
  const headers = parseHeaders('authorization=Bearer%20s3cret, X-Scope-OrgID=tenant-1');
  assert.deepEqual(headers, { authorization: 'Bearer s3cret', 'X-Scope-OrgID': 'tenant-1' });
  assert.equal(parseHeaders(''), undefined);
  assert.throws(() => parseHeaders('novalue'), /PERF_PROMETHEUS_HEADERS: "novalue" is not name=value/);
  // a store that wants them: answers 401 without
  const seen: (string | undefined)[] = [];
  const store = createServer((req, res) => {
    seen.push(req.headers['x-scope-orgid'] as string | undefined);
    if (req.headers.authorization !== 'Bearer s3cret') return void res.writeHead(401).end('{"status":"error","error":"unauthorized"}');
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"success","data":{"resultType":"vector","result":[]}}');
  });
  await new Promise<void>((r) => store.listen(0, '127.0.0.1', r));
  try {
    const url = `http://127.0.0.1:${(store.address() as { port: number }).port}`;
    const applied: unknown[] = [];
    const applier = { apply: (req: unknown) => applied.push(req) } as never;
    const withHeaders = new PrometheusPuller(applier, { url, headers, log: () => {} });
    await withHeaders.pull();
    assert.equal(withHeaders.status.lastError, null);
    assert.equal(applied.length, 1);
    const without = new PrometheusPuller(applier, { url, log: () => {} });
    await without.pull();
    assert.match(without.status.lastError ?? '', /answered 401: unauthorized/);
    assert.deepEqual(seen, ['tenant-1', undefined]);
  } finally {
    store.close();
  }
});
