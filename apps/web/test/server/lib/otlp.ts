// Builders of OTLP requests shaped as real SDKs send them (for ingest tests).
import { Metrics, type Attributes, type ExponentialHistogram, type ExportMetricsRequest, type Metric } from '@perf/metrics';

export function resource(service: string, instance: string, extra: Attributes = {}): ExportMetricsRequest['resourceMetrics'][number]['resource'] {
  return { attributes: { 'service.name': service, 'service.instance.id': instance, 'host.name': 'test-host', 'process.pid': 4242, ...extra }, droppedAttributesCount: 0 };
}

export function request(res: ReturnType<typeof resource>, metrics: Metric[]): ExportMetricsRequest {
  return {
    resourceMetrics: [{ resource: res, scopeMetrics: [{ scope: { name: 'test', version: '1', attributes: {}, droppedAttributesCount: 0 }, metrics, schemaUrl: '' }], schemaUrl: '' }],
  };
}

/** An exponential histogram point at scale 0 (bucket i = (2^i, 2^(i+1)]) from explicit bucket counts. */
export function expPoint(opts: {
  route?: string;
  method?: string;
  status?: number;
  start: number;
  time: number;
  scale?: number;
  offset: number;
  counts: number[];
  sum?: number;
}): Extract<Metric, { type: 'exponentialHistogram' }>['points'][number] {
  const count = opts.counts.reduce((a, b) => a + b, 0);
  return {
    attributes: { 'http.request.method': opts.method ?? 'GET', 'http.route': opts.route ?? '/r', 'http.response.status_code': opts.status ?? 200 },
    startTimeUnixNano: opts.start,
    timeUnixNano: opts.time,
    flags: 0,
    count,
    sum: opts.sum,
    min: undefined,
    max: undefined,
    scale: opts.scale ?? 0,
    zeroCount: 0,
    zeroThreshold: 0,
    positive: { offset: opts.offset, bucketCounts: Float64Array.from(opts.counts) },
    negative: { offset: 0, bucketCounts: new Float64Array(0) },
  };
}

export function httpExp(temporality: 'cumulative' | 'delta', points: ReturnType<typeof expPoint>[]): Metric {
  return { name: Metrics.httpServerRequestDuration, description: '', unit: 's', type: 'exponentialHistogram', temporality, points };
}

/**
 * What opentelemetry-python (SDK ≥ 1.27, opentelemetry-instrumentation-asgi with the stable HTTP semantic
 * conventions) sends for a FastAPI/uvicorn service: an explicit-bucket `http.server.request.duration`
 * in seconds with the semantic-convention advisory bounds, cumulative.
 */
export const PYTHON_HTTP_BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

export function pythonHttpMetric(points: { route: string; status: number; start: number; time: number; counts: number[]; sum: number; min?: number; max?: number }[]): Metric {
  return {
    name: Metrics.httpServerRequestDuration,
    description: 'Duration of HTTP server requests.',
    unit: 's',
    type: 'histogram',
    temporality: 'cumulative',
    points: points.map((p) => ({
      attributes: {
        'http.request.method': 'GET',
        'http.route': p.route,
        'http.response.status_code': p.status,
        'url.scheme': 'http',
        'network.protocol.version': '1.1',
      },
      startTimeUnixNano: p.start,
      timeUnixNano: p.time,
      flags: 0,
      count: p.counts.reduce((a, b) => a + b, 0),
      sum: p.sum,
      min: p.min,
      max: p.max,
      bucketCounts: Float64Array.from(p.counts),
      explicitBounds: PYTHON_HTTP_BOUNDS,
    })),
  };
}

/** Python resource attributes (opentelemetry-sdk) for a uvicorn worker. */
export function pythonResource(instance: string): ReturnType<typeof resource> {
  return {
    attributes: {
      'telemetry.sdk.language': 'python',
      'telemetry.sdk.name': 'opentelemetry',
      'telemetry.sdk.version': '1.27.0',
      'service.name': 'checkout-py',
      'service.instance.id': instance,
      'host.name': 'py-host',
      'process.pid': 777,
    },
    droppedAttributesCount: 0,
  };
}

/**
 * One export of service `svc`'s instance: each series' cumulative exponential histogram as it stands (fresh attribute
 * objects every export, as the decoder makes them).
 */
export function histogramExport(instance: string, series: { attributes: Attributes; h: ExponentialHistogram }[], startNs: number, timeMs: number): ExportMetricsRequest {
  const points = series.map((s) => ({ attributes: { ...s.attributes }, startTimeUnixNano: startNs, timeUnixNano: timeMs * 1e6, flags: 0, ...s.h.toData() }));
  const metric = { name: Metrics.httpServerRequestDuration, description: '', unit: 's', type: 'exponentialHistogram', temporality: 'cumulative', points } as Metric;
  return request({ attributes: { 'service.name': 'svc', 'service.instance.id': instance }, droppedAttributesCount: 0 }, [metric]);
}

/** `http.server.aborted_requests` as the agent sends it: a monotonic sum per method and route ({request}). */
export function abortedSum(
  temporality: 'cumulative' | 'delta',
  points: { route?: string; method?: string; start: number; time: number; value: number; legacyMethod?: boolean }[],
): Metric {
  return {
    name: Metrics.httpServerAbortedRequests,
    description: 'HTTP server requests the client aborted before the response finished.',
    unit: '{request}',
    type: 'sum',
    temporality,
    monotonic: true,
    points: points.map((p) => ({
      attributes: { [p.legacyMethod ? 'http.method' : 'http.request.method']: p.method ?? 'GET', 'http.route': p.route ?? '/hang' },
      startTimeUnixNano: p.start,
      timeUnixNano: p.time,
      flags: 0,
      value: p.value,
      isInt: Number.isInteger(p.value),
    })),
  };
}
