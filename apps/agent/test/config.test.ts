import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveConfig } from '../src/config.js';
import { resourceAttributes } from '../src/export/resource.js';

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
  // decimal only: Number() read "0x10" as 16 (outside audit AA5)
  const hex = resolveConfig({}, { OTEL_METRIC_EXPORT_INTERVAL: '0x10', PERF_MAX_ROUTES: '0b11', PERF_GC_SAMPLE_ABOVE: '0o7' });
  assert.equal(hex.exportIntervalMillis, 1000);
  assert.equal(hex.maxRoutes, 200);
  assert.equal(hex.gcSampleAbove, 10);
  const decimal = resolveConfig({}, { OTEL_METRIC_EXPORT_INTERVAL: ' 2e3 ', PERF_MAX_ROUTES: '+50', PERF_PROFILE_ELU: '.5' });
  assert.equal(decimal.exportIntervalMillis, 2000);
  assert.equal(decimal.maxRoutes, 50);
  assert.equal(decimal.profileElu, 0.5);
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
  // only commas name no exporter: the default with a warning, not every export off (outside audit AA4)
  assert.equal(resolveConfig({}, { OTEL_METRICS_EXPORTER: ',' }).otlp, true);
  assert.equal(resolveConfig({}, { OTEL_METRICS_EXPORTER: ' , , ' }).otlp, true);
});

test('OTEL_EXPORTER_OTLP_HEADERS: a header node:http would refuse (CR/LF in a value, a space in a name) is left out with a warning; the others are sent', () => {
  const c = resolveConfig({}, { OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc,x-odd=line1%0D%0Ainjected: yes,bad name=1' });
  assert.deepEqual(c.headers, { authorization: 'Bearer abc' });
  // the body's own headers are the exporter's (a content-length of 5 cut every body short); the metrics variable's over
  // the general one's, merged as the OTLP exporter merges them
  const d = resolveConfig({}, { OTEL_EXPORTER_OTLP_HEADERS: 'Content-Length=5,content-type=text/plain,x-a=1,x-b=2', OTEL_EXPORTER_OTLP_METRICS_HEADERS: 'x-b=3,Transfer-Encoding=chunked' });
  assert.deepEqual(d.headers, { 'x-a': '1', 'x-b': '3' });
});

test('ratios and sizes keep their fractions: PERF_PROFILE_ELU=0.4 is 0.4 (it was rounded to 0: profile always), PERF_ALLOC_PROFILE_GC=0.2, PERF_HEAP_PROFILE_GROWTH=2.5', () => {
  const c = resolveConfig({}, { PERF_PROFILE_ELU: '0.4', PERF_ALLOC_PROFILE_GC: '0.2', PERF_HEAP_PROFILE_GROWTH: '2.5', PERF_SHUTDOWN_TIMEOUT: '1500.7' });
  assert.equal(c.profileElu, 0.4);
  assert.equal(c.allocProfileGcShare, 0.2);
  assert.equal(c.heapProfileGrowthMB, 2.5);
  assert.equal(c.shutdownTimeoutMillis, 1501, 'milliseconds stay whole');
});

test('an empty service.instance.id in OTEL_RESOURCE_ATTRIBUTES gets a fresh id (every process so configured was one instance)', () => {
  const c = resolveConfig({}, { OTEL_RESOURCE_ATTRIBUTES: 'service.instance.id=,team=core' });
  const id = resourceAttributes(c)['service.instance.id'];
  assert.match(String(id), /^[0-9a-f-]{36}$/);
  assert.notEqual(resourceAttributes(c)['service.instance.id'], id, 'each process its own');
  assert.equal(resourceAttributes(resolveConfig({}, { OTEL_RESOURCE_ATTRIBUTES: 'service.instance.id=web-1' }))['service.instance.id'], 'web-1');
});
