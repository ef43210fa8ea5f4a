import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { prometheusLabel, prometheusName, type AttributeValue, type Attributes, type ExponentialHistogramDataPoint, type Metric } from '@perf/metrics';
import { warnOnce } from '../warn.js';

/**
 * Classic-histogram bounds for Prometheus (seconds): powers of √2 from 2^−14 (61 µs) to 2^6 (64 s), 41
 * buckets. Every such bound is also a bucket boundary of the agent's exponential histograms at any scale
 * ≥ 1 (2^(k/2) = 2^(k·2^(s−1)/2^s)), so re-bucketing is exact: no count crosses a bound it should not, and
 * histogram_quantile's error is only its own interpolation within a √2-wide bucket.
 */
export const PROMETHEUS_BOUNDS: readonly number[] = Array.from({ length: 41 }, (_, i) => 2 ** ((i - 28) / 2));

interface PromValue {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}
interface PromMetric {
  name: string;
  help: string;
  type: 'gauge' | 'counter' | 'histogram';
  values: PromValue[];
  aggregator: 'sum';
  get(): PromMetric;
}

function promLabels(attributes: Attributes): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(attributes)) out[prometheusLabel(k)] = labelValue(v);
  return out;
}

function labelValue(v: AttributeValue): string | number {
  return typeof v === 'number' || typeof v === 'string' ? v : JSON.stringify(v);
}

/** Cumulative counts at PROMETHEUS_BOUNDS for one exponential-histogram point. */
export function classicBuckets(p: ExponentialHistogramDataPoint): number[] {
  const cumulative = new Array<number>(PROMETHEUS_BOUNDS.length).fill(0);
  const perBound = new Array<number>(PROMETHEUS_BOUNDS.length + 1).fill(0);
  // zero (and negative) values are below every bound
  perBound[0] += p.zeroCount;
  for (const n of p.negative.bucketCounts) perBound[0] += n;
  const factor = 2 ** -p.scale;
  for (let i = 0; i < p.positive.bucketCounts.length; i++) {
    const n = p.positive.bucketCounts[i];
    if (n === 0) continue;
    // the bucket's upper bound is 2^((index+1)·2^−scale); its first PROMETHEUS bound ≥ that: k = ⌈2·exponent⌉
    const exponent = (p.positive.offset + i + 1) * factor;
    const k = Math.ceil(2 * exponent - 1e-9) + 28;
    perBound[Math.max(0, Math.min(k, PROMETHEUS_BOUNDS.length))] += n;
  }
  let running = 0;
  for (let i = 0; i < PROMETHEUS_BOUNDS.length; i++) {
    running += perBound[i];
    cumulative[i] = running;
  }
  return cumulative;
}

/** Maps a collection to prom-client metric objects (one per name). */
export function toPrometheus(metrics: Iterable<Metric>): PromMetric[] {
  const out: PromMetric[] = [];
  for (const m of metrics) {
    const base = { help: m.description || m.name, aggregator: 'sum' as const, get(this: PromMetric) { return this; } };
    switch (m.type) {
      case 'gauge':
        out.push({ ...base, name: prometheusName(m.name, m.unit, false), type: 'gauge', values: m.points.map((p) => ({ value: p.value, labels: promLabels(p.attributes) })) });
        break;
      case 'sum': {
        const name = prometheusName(m.name, m.unit, m.monotonic);
        out.push({ ...base, name, type: m.monotonic ? 'counter' : 'gauge', values: m.points.map((p) => ({ value: p.value, labels: promLabels(p.attributes) })) });
        break;
      }
      case 'exponentialHistogram': {
        const name = prometheusName(m.name, m.unit, false);
        const values: PromValue[] = [];
        for (const p of m.points) {
          const labels = promLabels(p.attributes);
          const buckets = classicBuckets(p);
          for (let i = 0; i < PROMETHEUS_BOUNDS.length; i++) values.push({ metricName: `${name}_bucket`, labels: { ...labels, le: PROMETHEUS_BOUNDS[i] }, value: buckets[i] });
          values.push({ metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: p.count });
          values.push({ metricName: `${name}_sum`, labels, value: p.sum ?? 0 });
          values.push({ metricName: `${name}_count`, labels, value: p.count });
        }
        out.push({ ...base, name, type: 'histogram', values });
        break;
      }
      default:
        break;
    }
  }
  return out;
}

/** `target_info` and `process_start_time_seconds` (see PrometheusServer). */
function targetMetrics(target: { labels: Record<string, string>; startTimeSeconds: number }): PromMetric[] {
  const base = { aggregator: 'sum' as const, get(this: PromMetric) { return this; } };
  return [
    { ...base, name: 'target_info', help: 'Target metadata', type: 'gauge', values: [{ value: 1, labels: target.labels }] },
    { ...base, name: 'process_start_time_seconds', help: 'Start time of the process since unix epoch in seconds.', type: 'gauge', values: [{ value: target.startTimeSeconds, labels: {} }] },
  ];
}

/**
 * Serves GET /metrics in the Prometheus text format through prom-client (loaded only when enabled).
 * The server is unref'd: it never keeps the app alive on its own.
 */
/**
 * `GET /metrics` in Prometheus text (prom-client's registry and serialiser). It runs on the export thread
 * (worker.ts): a scrape of a full route table is ≈ 4 MB of text and took the app's thread 90–120 ms to build
 * when this server lived there (≈ 10–18 ms for 60 series); now the app's thread only packs a snapshot, in
 * slices, as for an OTLP export. An HTTP server on this thread is not seen by the app's HTTP probe (each thread
 * has its own diagnostics channels), so scrapes are never counted as the app's requests.
 */
export class PrometheusServer {
  private server: Server | undefined;

  /**
   * @param collect a fresh collection for one scrape
   * @param target who is scraped, added to every scrape as Prometheus exporters do: `target_info` (value 1, the
   *   resource's `service.name`, `service.instance.id`, `host.name` as labels: the OpenTelemetry convention, so a
   *   reader of the store knows the service whatever the scrape job is called) and `process_start_time_seconds`
   *   (when the counters started: a reader tells a restarted process, and one older than itself, by it)
   */
  constructor(
    private readonly collect: () => Metric[] | Promise<Metric[]>,
    private readonly target: { labels: Record<string, string>; startTimeSeconds: number } = { labels: {}, startTimeSeconds: 0 },
  ) {}

  async start(port: number, host: string): Promise<number | undefined> {
    const { Registry } = await import('prom-client');
    const fail = (res: ServerResponse, error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end(`perf agent: ${(error as Error).message}\n`);
    };
    const server = createServer((req, res) => {
      if (req.method !== 'GET' || (req.url !== '/metrics' && !req.url?.startsWith('/metrics?'))) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('perf agent: only GET /metrics here\n');
        return;
      }
      Promise.resolve()
        .then(() => this.collect())
        .then(async (metrics) => {
          const registry = new Registry();
          for (const m of toPrometheus(metrics)) registry.registerMetric(m as never);
          for (const m of targetMetrics(this.target)) registry.registerMetric(m as never);
          const text = await registry.metrics();
          res.writeHead(200, { 'content-type': registry.contentType }).end(text);
        })
        .catch((error: unknown) => fail(res, error));
    });
    this.server = server;
    return new Promise((resolve) => {
      server.once('error', (error: NodeJS.ErrnoException) => {
        warnOnce('PERF_AGENT_PROMETHEUS_LISTEN', `perf agent: cannot serve /metrics on ${host}:${port} (${error.code ?? error.message}); set PERF_PROMETHEUS_PORT to a free port. OTLP export continues.`);
        this.server = undefined;
        resolve(undefined);
      });
      server.listen(port, host, () => {
        server.unref();
        resolve((server.address() as AddressInfo).port);
      });
    });
  }

  stop(): void {
    this.server?.close();
    this.server = undefined;
  }
}
