import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveConfig } from '../src/config.js';

test('defaults: localhost:4318/v1/metrics, protobuf, gzip when it pays, 1 s, cumulative, 200 routes, no Prometheus, GC sampled above 10/s', () => {
  const c = resolveConfig({}, {});
  assert.equal(c.endpoint, 'http://localhost:4318/v1/metrics');
  assert.equal(c.protocol, 'http/protobuf');
  assert.equal(c.compression, 'auto');
  assert.equal(c.exportIntervalMillis, 1000);
  assert.equal(c.temporality, 'cumulative');
  assert.equal(c.maxRoutes, 200);
  assert.equal(c.prometheusPort, undefined);
  assert.equal(c.enabled, true);
  assert.equal(c.gcSampleAbove, 10);
  assert.equal(c.listenQueueIntervalMillis, 30_000);
  assert.equal(resolveConfig({}, { PERF_LISTEN_QUEUE_INTERVAL: '0' }).listenQueueIntervalMillis, 0);
  assert.equal(resolveConfig({}, { PERF_GC_SAMPLE_ABOVE: '1000000' }).gcSampleAbove, 1_000_000);
  assert.equal(resolveConfig({}, { PERF_GC_SAMPLE_ABOVE: '0' }).gcSampleAbove, 0);
});

test('the standard OTEL_* variables', () => {
  const c = resolveConfig(
    {},
    {
      OTEL_SERVICE_NAME: 'api',
      OTEL_RESOURCE_ATTRIBUTES: 'a=1,b=x%2Cy',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'https://collector:4318/',
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20TOKEN,x-tenant=7',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_METRIC_EXPORT_INTERVAL: '5000',
      OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'Delta',
      PERF_PROMETHEUS_PORT: '9464',
      PERF_MAX_ROUTES: '50',
    },
  );
  assert.equal(c.serviceName, 'api');
  assert.deepEqual(c.resourceAttributes, { a: '1', b: 'x,y' });
  assert.equal(c.endpoint, 'https://collector:4318/v1/metrics');
  assert.deepEqual(c.headers, { authorization: 'Bearer TOKEN', 'x-tenant': '7' });
  assert.equal(c.protocol, 'http/json');
  assert.equal(c.exportIntervalMillis, 5000);
  assert.equal(c.temporality, 'delta');
  assert.equal(c.prometheusPort, 9464);
  assert.equal(c.maxRoutes, 50);
});

test('OTEL_EXPORTER_OTLP_METRICS_ENDPOINT is used as is; service.name falls back to OTEL_RESOURCE_ATTRIBUTES', () => {
  const c = resolveConfig({}, { OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://x:1/custom', OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attrs' });
  assert.equal(c.endpoint, 'http://x:1/custom');
  assert.equal(c.serviceName, 'from-attrs');
});

test('PERF_ENABLED=false and OTEL_SDK_DISABLED=true turn it off; options override the environment', () => {
  assert.equal(resolveConfig({}, { PERF_ENABLED: 'false' }).enabled, false);
  assert.equal(resolveConfig({}, { OTEL_SDK_DISABLED: 'true' }).enabled, false);
  assert.equal(resolveConfig({ exportIntervalMillis: 250 }, { OTEL_METRIC_EXPORT_INTERVAL: '5000' }).exportIntervalMillis, 250);
});

test('bad values fall back to safe defaults', () => {
  const c = resolveConfig({}, { OTEL_METRIC_EXPORT_INTERVAL: '-1', PERF_MAX_ROUTES: 'many', OTEL_EXPORTER_OTLP_ENDPOINT: 'ftp://nope', PERF_PROMETHEUS_PORT: '99999', PERF_ENABLED: 'maybe' });
  assert.equal(c.exportIntervalMillis, 1000);
  assert.equal(c.maxRoutes, 200);
  assert.equal(c.endpoint, 'http://localhost:4318/v1/metrics');
  assert.equal(c.prometheusPort, undefined);
  assert.equal(c.enabled, true);
});

test('OTEL_METRICS_EXPORTER: otlp by default; prometheus serves /metrics (on 9464 unless PERF_PROMETHEUS_PORT says otherwise); none exports nothing; unknown names keep the default', () => {
  assert.equal(resolveConfig({}, {}).otlp, true);
  assert.equal(resolveConfig({}, { OTEL_METRICS_EXPORTER: 'otlp' }).otlp, true);
  const prom = resolveConfig({}, { OTEL_METRICS_EXPORTER: 'prometheus' });
  assert.equal(prom.otlp, false);
  assert.equal(prom.prometheusPort, 9464);
  assert.equal(resolveConfig({}, { OTEL_METRICS_EXPORTER: 'prometheus', PERF_PROMETHEUS_PORT: '0' }).prometheusPort, 0);
  assert.equal(resolveConfig({}, { OTEL_METRICS_EXPORTER: 'prometheus', PERF_PROMETHEUS_PORT: 'x' }).prometheusPort, 9464);
  const both = resolveConfig({}, { OTEL_METRICS_EXPORTER: ' OTLP , prometheus ' });
  assert.equal(both.otlp, true);
  assert.equal(both.prometheusPort, 9464);
  const none = resolveConfig({}, { OTEL_METRICS_EXPORTER: 'none' });
  assert.equal(none.otlp, false);
  assert.equal(none.prometheusPort, undefined);
  const bad = resolveConfig({}, { OTEL_METRICS_EXPORTER: 'otlp,zipkin' });
  assert.equal(bad.otlp, true);
  assert.equal(bad.prometheusPort, undefined);
  assert.equal(resolveConfig({ otlp: false }, {}).otlp, false);
});

test('OTEL_EXPORTER_OTLP_HEADERS: a header node:http would refuse (CR/LF in a value, a space in a name) is left out with a warning; the others are sent', () => {
  const c = resolveConfig({}, { OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc,x-odd=line1%0D%0Ainjected: yes,bad name=1' });
  assert.deepEqual(c.headers, { authorization: 'Bearer abc' });
});

test('ratios and sizes keep their fractions: PERF_PROFILE_ELU=0.4 is 0.4 (it was rounded to 0: profile always), PERF_ALLOC_PROFILE_GC=0.2, PERF_HEAP_PROFILE_GROWTH=2.5', () => {
  const c = resolveConfig({}, { PERF_PROFILE_ELU: '0.4', PERF_ALLOC_PROFILE_GC: '0.2', PERF_HEAP_PROFILE_GROWTH: '2.5', PERF_SHUTDOWN_TIMEOUT: '1500.7' });
  assert.equal(c.profileElu, 0.4);
  assert.equal(c.allocProfileGcShare, 0.2);
  assert.equal(c.heapProfileGrowthMB, 2.5);
  assert.equal(c.shutdownTimeoutMillis, 1501, 'milliseconds stay whole');
});
