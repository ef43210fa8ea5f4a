import { Agent, request } from 'node:http';
import { gzipSync } from 'node:zlib';
import { encodeJson, encodeProtobuf, type ExportMetricsRequest } from '@perf/metrics';

export interface SenderOptions {
  /** receiver base URL, e.g. http://127.0.0.1:4318 */
  target: string;
  encoding?: 'protobuf' | 'json';
  gzip?: boolean;
  token?: string;
  /** most requests in flight (default 64) */
  concurrency?: number;
  /** retry once after Retry-After on 429/503 (like the OpenTelemetry exporters); default true */
  retry?: boolean;
}

export interface SendResult {
  status: number;
  body: Buffer;
}

/** Posts OTLP exports over keep-alive connections with bounded concurrency; counts answers by status. */
export class OtlpSender {
  readonly statuses = new Map<number, number>();
  sent = 0;
  failed = 0;
  private readonly agent: Agent;
  private readonly url: URL;
  private inflight = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly options: SenderOptions) {
    this.url = new URL('/v1/metrics', options.target);
    this.agent = new Agent({ keepAlive: true, maxSockets: options.concurrency ?? 64 });
  }

  encode(req: ExportMetricsRequest): Buffer {
    const raw = this.options.encoding === 'json' ? Buffer.from(encodeJson(req)) : Buffer.from(encodeProtobuf(req));
    return this.options.gzip ? gzipSync(raw) : raw;
  }

  async send(req: ExportMetricsRequest): Promise<SendResult> {
    return this.sendBody(this.encode(req));
  }

  async sendBody(body: Buffer, retried = false): Promise<SendResult> {
    const limit = this.options.concurrency ?? 64;
    while (this.inflight >= limit) await new Promise<void>((r) => this.waiting.push(r));
    this.inflight++;
    let result: SendResult;
    try {
      result = await this.post(body);
    } catch {
      this.failed++;
      result = { status: 0, body: Buffer.alloc(0) };
    } finally {
      this.inflight--;
      this.waiting.shift()?.();
    }
    this.statuses.set(result.status, (this.statuses.get(result.status) ?? 0) + 1);
    if ((result.status === 429 || result.status === 503) && !retried && this.options.retry !== false) {
      await new Promise((r) => setTimeout(r, 500 + Math.random() * 500));
      return this.sendBody(body, true);
    }
    this.sent++;
    return result;
  }

  private post(body: Buffer): Promise<SendResult> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = {
        'content-type': this.options.encoding === 'json' ? 'application/json' : 'application/x-protobuf',
        'content-length': body.length,
      };
      if (this.options.gzip) headers['content-encoding'] = 'gzip';
      if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
      const req = request(this.url, { method: 'POST', agent: this.agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
