// The official OpenTelemetry JS exporters (protobuf and JSON, cumulative and delta) sending to a running
// dashboard: counts are exact, percentiles within the histogram's stated bound.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MeterProvider, PeriodicExportingMetricReader, AggregationType, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { OTLPMetricExporter as ProtoExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPMetricExporter as JsonExporter, AggregationTemporalityPreference } from '@opentelemetry/exporter-metrics-otlp-http';
import { weightedQuantile } from '../../simulator/exact.js';
import { Random } from '../../simulator/random.js';
import { testServer, waitFor, relErr } from './lib/server.js';

interface Case {
  name: string;
  exporter: (url: string) => PushMetricExporter;
  aggregation: 'exponential' | 'explicit';
}

const cases: Case[] = [
  {
    name: 'protobuf, cumulative, exponential histograms',
    exporter: (url) => new ProtoExporter({ url, temporalityPreference: AggregationTemporalityPreference.CUMULATIVE }),
    aggregation: 'exponential',
  },
  {
    name: 'protobuf, delta, exponential histograms',
    exporter: (url) => new ProtoExporter({ url, temporalityPreference: AggregationTemporalityPreference.DELTA }),
    aggregation: 'exponential',
  },
  {
    name: 'JSON, cumulative, explicit buckets',
    exporter: (url) => new JsonExporter({ url, temporalityPreference: AggregationTemporalityPreference.CUMULATIVE }),
    aggregation: 'explicit',
  },
  {
    name: 'JSON, delta, exponential histograms',
    exporter: (url) => new JsonExporter({ url, temporalityPreference: AggregationTemporalityPreference.DELTA }),
    aggregation: 'exponential',
  },
];

const BOUNDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

for (const c of cases) {
  test(`official exporter: ${c.name}`, async () => {
    const srv = await testServer();
    const providers: MeterProvider[] = [];
    try {
      const rnd = new Random(7);
      const all: [number, number][] = [];
      const perRoute = new Map<string, number>();
      // two processes (nodes), two routes each, three exports each
      for (let node = 0; node < 2; node++) {
        const reader = new PeriodicExportingMetricReader({ exporter: c.exporter(`${srv.otlpUrl}/v1/metrics`), exportIntervalMillis: 60_000 });
        const provider = new MeterProvider({
          resource: defaultResource().merge(resourceFromAttributes({ 'service.name': 'otel-svc', 'service.instance.id': `otel-${node}`, 'host.name': 'h', 'process.pid': 100 + node })),
          readers: [reader],
          views: [
            {
              instrumentName: 'http.server.request.duration',
              aggregation:
                c.aggregation === 'exponential'
                  ? { type: AggregationType.EXPONENTIAL_HISTOGRAM, options: { maxSize: 160 } }
                  : { type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM, options: { boundaries: BOUNDS } },
            },
          ],
        });
        providers.push(provider);
        const h = provider.getMeter('test').createHistogram('http.server.request.duration', { unit: 's' });
        for (let round = 0; round < 3; round++) {
          for (let i = 0; i < 400; i++) {
            const route = i % 4 === 0 ? '/slow/:id' : '/fast';
            const v = rnd.lognormal(route === '/fast' ? 0.004 : 0.08, 0.5);
            const status = i % 50 === 0 ? 500 : 200;
            h.record(v, { 'http.request.method': 'GET', 'http.route': route, 'http.response.status_code': status });
            all.push([v, 1]);
            perRoute.set(route, (perRoute.get(route) ?? 0) + 1);
          }
          await provider.forceFlush();
        }
      }
      const fleet = await waitFor(async () => {
        const [, f] = await srv.get('/api/v1/fleet?window=60s&service=otel-svc');
        return f.requests >= 2400 ? f : undefined;
      }, 10_000, 'all 2,400 requests');
      assert.equal(fleet.requests, 2400, 'exact request count');
      assert.equal(fleet.errors, 48, 'exact 5xx count');
      const [, routes] = await srv.get('/api/v1/routes?window=60s&service=otel-svc');
      assert.deepEqual(Object.fromEntries(routes.map((r: { route: string; requests: number }) => [r.route, r.requests])), Object.fromEntries(perRoute));
      for (const [q, key] of [
        [0.5, 'p50'],
        [0.9, 'p90'],
        [0.99, 'p99'],
      ] as const) {
        const exact = weightedQuantile(all, q);
        const got = fleet.latency[key];
        if (c.aggregation === 'exponential') {
          assert.ok(relErr(got, exact) <= fleet.relativeError + 1e-9, `${key}: ${got} vs exact ${exact} (bound ${fleet.relativeError})`);
        } else {
          // explicit buckets: the answer lies in the bucket that holds the exact value
          const i = BOUNDS.findIndex((b) => exact <= b);
          const lo = i <= 0 ? 0 : BOUNDS[i - 1];
          const hi = i < 0 ? Infinity : BOUNDS[i];
          assert.ok(got > lo * 0.999 && got <= hi * 1.001, `${key}: ${got} not in the bucket (${lo}, ${hi}] of exact ${exact}`);
        }
      }
      const [, nodes] = await srv.get('/api/v1/nodes?service=otel-svc');
      assert.deepEqual(nodes.map((n: { instance: string }) => n.instance).sort(), ['otel-0', 'otel-1']);
      assert.match(nodes[0].version, /^opentelemetry /);
    } finally {
      for (const p of providers) await p.shutdown().catch(() => {});
      await srv.dispose();
    }
  });
}
