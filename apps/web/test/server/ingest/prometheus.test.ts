// Prometheus samples → the OTLP model ingest applies: a target per job and instance, classic buckets back to
// per-bucket counts, gauges and counters by their Prometheus names, and first samples of a new target as baselines.
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
  const known = new Set<string>();
  const req = samplesToRequest(samples, known);
  assert.equal(req.resourceMetrics.length, 2);
  const [a, b] = req.resourceMetrics;
  assert.deepEqual(a.resource.attributes, { 'service.name': 'shop', 'service.instance.id': '10.0.0.7:9464', 'host.name': '10.0.0.7' });
  assert.equal(b.resource.attributes['service.instance.id'], '10.0.0.8:9464');
  const byName = new Map(a.scopeMetrics[0].metrics.map((m) => [m.name, m]));
  const h = byName.get('http.server.request.duration');
  assert.ok(h?.type === 'histogram' && h.temporality === 'cumulative');
  const p = h.points[0];
  assert.deepEqual([p.explicitBounds, p.bucketCounts, p.count, p.sum], [[0.01, 0.1], [5, 3, 1], 9, 0.42]);
  assert.deepEqual(p.attributes, { 'http.request.method': 'GET', 'http.route': '/orders/:id', 'http.response.status_code': 200 });
  assert.equal(p.timeUnixNano, Math.round(at * 1e9));
  assert.equal(p.startTimeUnixNano, 1, 'a target read for the first time: a baseline');
  const elu = byName.get('nodejs.eventloop.utilization');
  assert.ok(elu?.type === 'gauge' && elu.points[0].value === 0.25);
  const overflows = byName.get('system.network.listen.overflows');
  assert.ok(overflows?.type === 'sum' && overflows.monotonic && overflows.points[0].value === 3);
  // read again: the target is known, so a series new on it counts from its first sample
  const again = samplesToRequest(samples, known);
  const h2 = again.resourceMetrics[0].scopeMetrics[0].metrics.find((m) => m.name === 'http.server.request.duration');
  assert.equal(h2?.type === 'histogram' && h2.points[0].startTimeUnixNano, 0);
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
  assert.match(PULL_QUERY, /^\{__name__=~"http_server_request_duration_seconds_bucket\|/);
  assert.ok(PULL_QUERY.includes('|nodejs_eventloop_utilization_ratio|') && PULL_QUERY.endsWith('nodejs_eventloop_run_delay_seconds_total"}'));
});
