// A real OTLP/HTTP receiver for the agent's end-to-end tests: node:http on 127.0.0.1:0, decoding with
// @perf/metrics (protobuf or JSON, gzip or not). It can play a dead, slow or overloaded dashboard.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { decodeJson, decodeProtobuf, type ExponentialHistogramDataPoint, type ExportMetricsRequest, type Metric } from '@perf/metrics';

export interface Received {
  request: ExportMetricsRequest;
  contentType: string;
  /** bytes on the wire (compressed when gzip) */
  wireBytes: number;
  /** bytes after gunzip */
  bytes: number;
  gzip: boolean;
  at: number;
  /** the request's headers */
  headers: Record<string, string | string[] | undefined>;
}

export class OtlpSink {
  readonly received: Received[] = [];
  /** answer with this status instead of 200 (e.g. 503) */
  status = 200;
  /** answer this many ms after the body arrived (a slow dashboard) */
  delayMs = 0;
  /** exports whose body arrived and whose answer is still delayed */
  pending = 0;
  private server: Server | undefined;
  port = 0;

  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (this.delayMs > 0) {
          this.pending++;
          setTimeout(() => {
            this.pending--;
            answer();
          }, this.delayMs);
        } else answer();
      });
      const answer = () => {
        if (this.status !== 200) {
          res.writeHead(this.status, { 'retry-after': '0' }).end();
          return;
        }
        const wire = Buffer.concat(chunks);
        const gzip = req.headers['content-encoding'] === 'gzip';
        const body = gzip ? gunzipSync(wire) : wire;
        const contentType = String(req.headers['content-type'] ?? '');
        try {
          const request = contentType.startsWith('application/json') ? decodeJson(body) : decodeProtobuf(body);
          this.received.push({ request, contentType, wireBytes: wire.length, bytes: body.length, gzip, at: Date.now(), headers: req.headers });
          res.writeHead(200, { 'content-type': contentType }).end(contentType.startsWith('application/json') ? '{}' : '');
        } catch (error) {
          res.writeHead(400, { 'content-type': 'text/plain' }).end(String(error));
        }
      };
    });
    await listenOn(this.server, port);
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }

  /** Resolves with the first export (from now on, if `fresh`) for which `predicate` holds. */
  async waitFor(predicate: (r: Received) => boolean, timeoutMs = 15_000, fresh = false): Promise<Received> {
    const from = fresh ? this.received.length : 0;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (let i = from; i < this.received.length; i++) if (predicate(this.received[i])) return this.received[i];
      if (Date.now() > deadline) throw new Error(`no matching export within ${timeoutMs} ms (${this.received.length} received)`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/**
 * Listens on `port`, or with 0 on a free port under Linux's ephemeral range (32768–60999): a sink stopped and started
 * again on its port (the dashboard down, then back) found it taken by another process's outgoing connection in CI. A
 * port taken is tried again for a few seconds (or another one picked).
 */
async function listenOn(server: Server, port: number): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const at = port !== 0 ? port : 20_000 + Math.floor(Math.random() * 12_000);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(at, '127.0.0.1', () => {
          server.off('error', reject);
          resolve();
        });
      });
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 50) throw error;
      if (port !== 0) await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** All metrics of one export, flattened across resources and scopes, with the resource attributes. */
export function metricsOf(r: Received): { resource: Record<string, unknown>; metric: Metric }[] {
  const out: { resource: Record<string, unknown>; metric: Metric }[] = [];
  for (const rm of r.request.resourceMetrics) for (const sm of rm.scopeMetrics) for (const m of sm.metrics) out.push({ resource: rm.resource.attributes, metric: m });
  return out;
}

export function findMetric(r: Received, name: string): Metric | undefined {
  return metricsOf(r).find((x) => x.metric.name === name)?.metric;
}

/** `method route status` → request count, from the latest cumulative duration histogram of an export. */
export function requestCounts(r: Received): Map<string, number> {
  const out = new Map<string, number>();
  const m = findMetric(r, 'http.server.request.duration');
  if (m?.type !== 'exponentialHistogram') return out;
  for (const p of m.points) {
    const key = `${p.attributes['http.request.method']} ${p.attributes['http.route']} ${p.attributes['http.response.status_code']}`;
    out.set(key, (out.get(key) ?? 0) + p.count);
  }
  return out;
}

export function totalRequests(r: Received): number {
  let n = 0;
  for (const v of requestCounts(r).values()) n += v;
  return n;
}

/** The q-quantile of an exponential-histogram point, from its buckets (upper bound of the bucket holding rank ⌈q·count⌉). */
export function pointQuantile(p: ExponentialHistogramDataPoint, q: number): number {
  const rank = Math.max(1, Math.ceil(q * p.count));
  let seen = p.zeroCount;
  if (seen >= rank) return 0;
  const base = 2 ** (2 ** -p.scale);
  for (let i = 0; i < p.positive.bucketCounts.length; i++) {
    seen += p.positive.bucketCounts[i];
    if (seen >= rank) return base ** (p.positive.offset + i + 1);
  }
  return p.max ?? NaN;
}
