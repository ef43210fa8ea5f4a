// Cross-check against the real client: the OpenTelemetry JS SDK (sdk-metrics 2.12) with the official OTLP
// exporters (protobuf and JSON, 0.223) sends to a node:http sink on 127.0.0.1:0; our decoders must return
// exactly what was recorded.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { ValueType } from '@opentelemetry/api';
import { OTLPMetricExporter as JsonExporter, AggregationTemporalityPreference } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationType, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { decodeJson } from '../../src/otlp/json.js';
import type { ExponentialHistogramMetric, ExportMetricsRequest, GaugeMetric, HistogramMetric, Metric, SumMetric } from '../../src/otlp/model.js';
import { decodeProtobuf } from '../../src/otlp/protobuf.js';

interface Received {
  contentType: string;
  body: Buffer;
}

let server: Server;
let url = '';
const received: Received[] = [];

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      received.push({ contentType: String(req.headers['content-type']), body });
      const json = String(req.headers['content-type']).startsWith('application/json');
      res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' });
      res.end(json ? '{}' : '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/metrics`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function decode(r: Received): ExportMetricsRequest {
  if (r.contentType.startsWith('application/x-protobuf')) return decodeProtobuf(new Uint8Array(r.body.buffer, r.body.byteOffset, r.body.length));
  assert.ok(r.contentType.startsWith('application/json'), r.contentType);
  return decodeJson(r.body);
}

/** The bucket index of v > 0 at `scale` (upper-inclusive buckets, base 2^(2^-scale)), from the definition. */
function expIndex(v: number, scale: number): number {
  return Math.ceil(Math.log2(v) * 2 ** scale) - 1;
}

function expectedExponential(values: number[], scale: number) {
  const positive = values.filter((v) => v > 0).map((v) => expIndex(v, scale));
  const offset = Math.min(...positive);
  const counts = new Array(Math.max(...positive) - offset + 1).fill(0);
  for (const i of positive) counts[i - offset]++;
  return { offset, bucketCounts: Float64Array.from(counts) };
}

const RESOURCE = { 'service.name': 'checkout', 'service.instance.id': 'node-7', 'host.name': 'web-1', 'process.pid': 4242, 'deployment.canary': true };
const EXP_VALUES = [[0.0013, 0.0021, 0.0021, 0.047, 0.5, 1.5, 0], [0.0031, 0.9, 0]];
const HIST_VALUES = [[0.005, 0.05, 0.05, 0.5, 5], [0.07, 2]];

async function exportTwice(format: 'proto' | 'json', temporality: 'delta' | 'cumulative'): Promise<ExportMetricsRequest[]> {
  const options = {
    url,
    temporalityPreference: temporality === 'delta' ? AggregationTemporalityPreference.DELTA : AggregationTemporalityPreference.CUMULATIVE,
  };
  const exporter = format === 'proto' ? new ProtoExporter(options) : new JsonExporter(options);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({
    resource: resourceFromAttributes(RESOURCE),
    readers: [reader],
    views: [{ instrumentName: 'http.server.request.duration', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM, options: { maxSize: 160 } } }],
  });
  const meter = provider.getMeter('perf-test', '1.2.3');
  const counter = meter.createCounter('requests', { valueType: ValueType.INT, unit: '{request}', description: 'requests served' });
  const upDown = meter.createUpDownCounter('http.server.active_requests', { valueType: ValueType.INT });
  const explicit = meter.createHistogram('v8js.gc.duration', { unit: 's', advice: { explicitBucketBoundaries: [0.01, 0.1, 1] } });
  const exponential = meter.createHistogram('http.server.request.duration', { unit: 's' });
  let gaugeValue = 0.75;
  meter.createObservableGauge('nodejs.eventloop.utilization', { unit: '1' }).addCallback((r) => r.observe(gaugeValue, { 'thread.kind': 'main' }));

  const start = received.length;
  const attrs = { 'http.request.method': 'GET', 'http.route': '/users/:id', 'http.response.status_code': 200 };
  counter.add(3, { route: '/a' });
  counter.add(4, { route: '/a' });
  counter.add(1, { route: '/b' });
  upDown.add(5, { 'http.request.method': 'GET' });
  upDown.add(-7, { 'http.request.method': 'GET' });
  for (const v of HIST_VALUES[0]) explicit.record(v, { 'v8js.gc.type': 'major' });
  for (const v of EXP_VALUES[0]) exponential.record(v, attrs);
  await reader.forceFlush();

  counter.add(10, { route: '/a' });
  upDown.add(1, { 'http.request.method': 'GET' });
  for (const v of HIST_VALUES[1]) explicit.record(v, { 'v8js.gc.type': 'major' });
  for (const v of EXP_VALUES[1]) exponential.record(v, attrs);
  gaugeValue = 0.5;
  await reader.forceFlush();
  await provider.shutdown();

  // the two flushes, then the final export of shutdown()
  const bodies = received.slice(start);
  assert.ok(bodies.length >= 2, `${bodies.length} exports reached the sink`);
  assert.match(bodies[0].contentType, format === 'proto' ? /^application\/x-protobuf/ : /^application\/json/);
  return bodies.map(decode).slice(0, 2);
}

function metricsOf(req: ExportMetricsRequest): Map<string, Metric> {
  assert.equal(req.resourceMetrics.length, 1);
  const rm = req.resourceMetrics[0];
  assert.deepStrictEqual(rm.resource, { attributes: RESOURCE, droppedAttributesCount: 0 });
  assert.equal(rm.scopeMetrics.length, 1);
  assert.equal(rm.scopeMetrics[0].scope.name, 'perf-test');
  assert.equal(rm.scopeMetrics[0].scope.version, '1.2.3');
  return new Map(rm.scopeMetrics[0].metrics.map((m) => [m.name, m]));
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

for (const format of ['proto', 'json'] as const) {
  for (const temporality of ['cumulative', 'delta'] as const) {
    describe(`OpenTelemetry JS ${format === 'proto' ? 'protobuf' : 'JSON'} exporter, ${temporality} temporality`, () => {
      it('decodes exactly the values recorded: counters, up-down counter, gauge, explicit and exponential histograms', async () => {
        const exports = await exportTwice(format, temporality);
        const nowNs = Date.now() * 1e6;
        for (let round = 0; round < 2; round++) {
          const metrics = metricsOf(exports[round]);
          const delta = temporality === 'delta';
          const upTo = (xs: number[][]) => (delta ? xs[round] : xs.slice(0, round + 1).flat());
          // the SDK sums each collection interval, then adds the interval sums into the cumulative one
          const sumUpTo = (xs: number[][]) => (delta ? sum(xs[round]) : sum(xs.slice(0, round + 1).map(sum)));

          const counter = metrics.get('requests') as SumMetric;
          assert.equal(counter.type, 'sum');
          assert.deepEqual([counter.unit, counter.description, counter.monotonic, counter.temporality], ['{request}', 'requests served', true, temporality]);
          const byRoute = Object.fromEntries(counter.points.map((p) => [p.attributes.route as string, p]));
          assert.equal(byRoute['/a'].value, round === 0 ? 7 : delta ? 10 : 17);
          assert.equal(byRoute['/a'].isInt, true);
          if (round === 0 || !delta) assert.equal(byRoute['/b'].value, 1);
          for (const p of counter.points) {
            assert.ok(p.startTimeUnixNano > 0 && p.startTimeUnixNano <= p.timeUnixNano, 'start ≤ time');
            assert.ok(Math.abs(p.timeUnixNano - nowNs) < 600e9, 'timestamps are ns since the epoch');
          }

          const upDown = metrics.get('http.server.active_requests') as SumMetric;
          assert.deepEqual([upDown.type, upDown.monotonic, upDown.temporality], ['sum', false, 'cumulative']); // the SDK keeps up-down counters cumulative
          assert.deepStrictEqual(upDown.points.map((p) => [p.value, p.isInt, p.attributes]), [[round === 0 ? -2 : -1, true, { 'http.request.method': 'GET' }]]);

          const gauge = metrics.get('nodejs.eventloop.utilization') as GaugeMetric;
          assert.equal(gauge.type, 'gauge');
          assert.deepStrictEqual(gauge.points.map((p) => [p.value, p.isInt, p.attributes]), [[round === 0 ? 0.75 : 0.5, false, { 'thread.kind': 'main' }]]);

          const hist = metrics.get('v8js.gc.duration') as HistogramMetric;
          assert.deepEqual([hist.type, hist.unit, hist.temporality], ['histogram', 's', temporality]);
          const hv = upTo(HIST_VALUES);
          const hp = hist.points[0];
          assert.deepStrictEqual(hp.attributes, { 'v8js.gc.type': 'major' });
          assert.deepEqual(hp.explicitBounds, [0.01, 0.1, 1]);
          assert.deepEqual(hp.bucketCounts, Float64Array.from([0.01, 0.1, 1, Infinity].map((b, i, bs) => hv.filter((v) => v <= b && (i === 0 || v > bs[i - 1])).length)));
          assert.equal(hp.count, hv.length);
          assert.equal(hp.sum, sumUpTo(HIST_VALUES));
          assert.equal(hp.min, Math.min(...hv));
          assert.equal(hp.max, Math.max(...hv));

          const exp = metrics.get('http.server.request.duration') as ExponentialHistogramMetric;
          assert.deepEqual([exp.type, exp.unit, exp.temporality], ['exponentialHistogram', 's', temporality]);
          const ev = upTo(EXP_VALUES);
          const ep = exp.points[0];
          assert.deepStrictEqual(ep.attributes, { 'http.request.method': 'GET', 'http.route': '/users/:id', 'http.response.status_code': 200 });
          assert.equal(ep.count, ev.length);
          assert.equal(ep.sum, sumUpTo(EXP_VALUES));
          assert.equal(ep.min, Math.min(...ev));
          assert.equal(ep.max, Math.max(...ev));
          assert.equal(ep.zeroCount, ev.filter((v) => v === 0).length);
          assert.ok(ep.scale >= 0 && ep.scale <= 20, `scale ${ep.scale}`);
          assert.deepStrictEqual(ep.positive, expectedExponential(ev, ep.scale));
          assert.deepStrictEqual(ep.negative.bucketCounts, new Float64Array([]));
        }
      });
    });
  }
}
