import { createGunzip, createInflate } from 'node:zlib';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Transform } from 'node:stream';
import { decodeJson, decodeProtobuf, OtlpDecodeError, type ExportMetricsRequest } from '@perf/metrics';
import type { Applier } from './apply.js';
import type { IngestStats } from './stats.js';
import { exportResponse, statusBody, GrpcCode } from './response.js';
import { tokenMatches } from '../auth.js';

export interface ReceiverOptions {
  /** largest accepted body after decompression (bytes), PERF_MAX_BODY_BYTES; default 8 MiB */
  maxBodyBytes: number;
  /** bearer token required on ingest (PERF_INGEST_TOKEN), or undefined */
  ingestToken: string | undefined;
  /** most requests read and waiting to be applied before 429 (PERF_INGEST_QUEUE); default 256 */
  queueCapacity: number;
  /**
   * most bodies being read from one client address before 429; default 64. A body arriving byte by byte held a queue
   * place for the whole request timeout: 256 such connections refused every agent (security audit).
   */
  readingPerAddress?: number;
  /** most decompressed bytes held by queued requests before 429; default 128 MiB */
  queueBytes: number;
  maxPoints: number;
}

interface Pending {
  body: Buffer;
  json: boolean;
  res: ServerResponse;
  /** performance.now() when it was queued */
  at: number;
}

/**
 * The OTLP/HTTP metrics receiver (`POST /v1/metrics`). Bodies are read (and gunzipped) as they stream,
 * counted against the limit on the decompressed size, then queued; the queue is applied one request per
 * macrotask so a burst never blocks the event loop for long, and when it is full new requests get 429
 * with Retry-After instead of growing memory.
 */
export class OtlpReceiver {
  private readonly queue: Pending[] = [];
  /** requests read and queued (until answered), and the bytes of every body being read or queued */
  private inflight = 0;
  private inflightBytes = 0;
  /** bodies being read, by client address */
  private readonly reading = new Map<string, number>();
  private draining = false;
  private closing = false;

  constructor(
    private readonly applier: Applier,
    private readonly stats: IngestStats,
    private readonly options: ReceiverOptions,
  ) {}

  get depth(): number {
    return this.inflight;
  }

  /** ms the oldest queued export has waited to be applied (0 with none): how far ingest is behind */
  get backlogMs(): number {
    return this.queue.length > 0 ? performance.now() - this.queue[0].at : 0;
  }

  /** Refuse new requests (503) from now on; queued ones are still applied. */
  close(): void {
    this.closing = true;
  }

  /** Applies everything queued now (used on shutdown before the final flush). */
  drainNow(): void {
    while (this.queue.length > 0) this.processOne();
  }

  handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? '/';
    const path = url.split('?')[0];
    const ctype = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    const json = ctype === 'application/json';
    if (path !== '/v1/metrics') return this.refuse(req, res, 404, json, GrpcCode.unimplemented, `no OTLP endpoint at ${path}: metrics go to POST /v1/metrics`);
    if (req.method !== 'POST') return this.refuse(req, res, 405, json, GrpcCode.unimplemented, 'use POST /v1/metrics');
    if (this.options.ingestToken !== undefined && !tokenMatches(req.headers.authorization, this.options.ingestToken)) {
      return this.refuse(req, res, 401, json, GrpcCode.unauthenticated, 'missing or wrong bearer token: set OTEL_EXPORTER_OTLP_HEADERS="authorization=Bearer <PERF_INGEST_TOKEN>"');
    }
    if (!json && ctype !== 'application/x-protobuf' && ctype !== 'application/protobuf') {
      return this.refuse(req, res, 415, false, GrpcCode.invalidArgument, `unsupported content type "${ctype}": send application/x-protobuf or application/json`);
    }
    if (this.closing) return this.refuse(req, res, 503, json, GrpcCode.unavailable, 'the dashboard is shutting down; retry', 5);
    const declared = Number(req.headers['content-length'] ?? NaN);
    const max = this.options.maxBodyBytes;
    if (declared > max) return this.refuse(req, res, 413, json, GrpcCode.resourceExhausted, `body of ${declared} bytes is over the limit of ${max} (PERF_MAX_BODY_BYTES)`);
    if (this.inflight >= this.options.queueCapacity || this.inflightBytes >= this.options.queueBytes) {
      return this.refuse(req, res, 429, json, GrpcCode.resourceExhausted, 'ingest queue is full; retry after the delay in Retry-After', 1);
    }
    const address = req.socket.remoteAddress ?? '';
    const readingHere = this.reading.get(address) ?? 0;
    if (readingHere >= (this.options.readingPerAddress ?? 64)) {
      return this.refuse(req, res, 429, json, GrpcCode.resourceExhausted, `too many exports from ${address} still arriving; retry after the delay in Retry-After`, 1);
    }
    const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
    let source: IncomingMessage | Transform = req;
    if (encoding === 'gzip' || encoding === 'x-gzip') source = req.pipe(createGunzip());
    else if (encoding === 'deflate') source = req.pipe(createInflate());
    else if (encoding !== 'identity') return this.refuse(req, res, 415, json, GrpcCode.invalidArgument, `unsupported content encoding "${encoding}": use gzip or none`);

    this.reading.set(address, readingHere + 1);
    const read = (): void => {
      const n = (this.reading.get(address) ?? 1) - 1;
      if (n > 0) this.reading.set(address, n);
      else this.reading.delete(address);
    };
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      read();
      this.inflightBytes -= size;
      // what was read is garbage now: not held until the connection closes (a second after the answer), while the
      // budget it freed lets other bodies in (128 gzip bombs peaked at 4× the budget)
      chunks.length = 0;
    };
    source.on('data', (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      this.inflightBytes += chunk.length;
      if (size > max) {
        // stop decompressing at once: a gzip bomb costs at most `max` bytes of output
        finish();
        if (source !== req) (source as Transform).destroy();
        const what = source === req ? 'body' : 'decompressed body';
        this.refuse(req, res, 413, json, GrpcCode.resourceExhausted, `${what} is over the limit of ${max} bytes (PERF_MAX_BODY_BYTES)`);
        return;
      }
      if (this.inflightBytes > this.options.queueBytes) {
        // every body being read or queued together within the budget, not only each one: 128 gzip bombs from 8
        // addresses, each cut at the body limit, held 1.2 GB at once (and the process kept it after)
        finish();
        if (source !== req) (source as Transform).destroy();
        this.refuse(req, res, 429, json, GrpcCode.resourceExhausted, 'ingest holds as many bytes of exports as it may; retry after the delay in Retry-After', 1);
        return;
      }
      chunks.push(chunk);
    });
    source.on('error', (err: Error) => {
      if (done) return;
      finish();
      this.refuse(req, res, 400, json, GrpcCode.invalidArgument, `cannot read the body: ${err.message}`);
    });
    req.on('aborted', () => finish());
    source.on('end', () => {
      if (done) return;
      done = true;
      read();
      if (this.inflight >= this.options.queueCapacity) {
        this.inflightBytes -= size;
        this.refuse(req, res, 429, json, GrpcCode.resourceExhausted, 'ingest queue is full; retry after the delay in Retry-After', 1);
        return;
      }
      const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
      chunks.length = 0; // the body holds them now: not twice while it waits in the queue
      // counted in the queue until applied and answered
      this.inflight++;
      this.queue.push({ body, json, res, at: performance.now() });
      res.once('close', () => {
        this.inflight--;
        this.inflightBytes -= size;
      });
      this.schedule();
    });
  };

  private schedule(): void {
    if (this.draining) return;
    this.draining = true;
    setImmediate(this.drainStep);
  }

  private readonly drainStep = (): void => {
    // a few requests per macrotask: bounded pause, yet no per-request scheduling overhead at 1,000 req/s
    const t0 = performance.now();
    while (this.queue.length > 0 && performance.now() - t0 < 10) this.processOne();
    if (this.queue.length > 0) setImmediate(this.drainStep);
    else this.draining = false;
  };

  private processOne(): void {
    const item = this.queue.shift()!;
    const { body, json, res } = item;
    let request: ExportMetricsRequest;
    try {
      request = json ? decodeJson(body, { maxPoints: this.options.maxPoints }) : decodeProtobuf(body, { maxPoints: this.options.maxPoints });
    } catch (err) {
      const code = err instanceof OtlpDecodeError ? err.code : 'PERF_OTLP_DECODE';
      const message = err instanceof Error ? err.message : String(err);
      this.stats.refuse(400);
      send(res, 400, json, statusBody(json, GrpcCode.invalidArgument, `${code}: ${message}`));
      return;
    }
    // arrived before it waited in the queue: a backlog is not the nodes' clocks being behind
    const now = Date.now();
    const result = this.applier.apply(request, now, now - (performance.now() - item.at));
    this.stats.countRequest(result.points);
    const message = result.rejected > 0 ? `${result.rejected} of ${result.points} data points rejected: ${result.reasons.join('; ')}` : '';
    send(res, 200, json, exportResponse(json, result.rejected, message));
  }

  private refuse(req: IncomingMessage, res: ServerResponse, status: number, json: boolean, grpc: number, message: string, retryAfter?: number): void {
    this.stats.refuse(status);
    if (res.headersSent || refusing.has(res)) return;
    const headers: Record<string, string | number> = {};
    if (retryAfter !== undefined) headers['retry-after'] = retryAfter;
    const body = statusBody(json, grpc, message);
    if (req.complete) return send(res, status, json, body, headers);
    // The rest of the body is not wanted, but a client still sending it reads no answer until it has (node:http sends no
    // Expect: 100-continue): answered at once and the connection closed, a 9 MiB export met EPIPE, never its 413 (an
    // outside audit). So it is read to its end and dropped, then answered and the connection closed; past LINGER_BYTES
    // or LINGER_MS, answered and cut.
    refusing.add(res);
    headers.connection = 'close';
    let left = LINGER_BYTES;
    let answered = false;
    const answer = (cut: boolean): void => {
      if (answered) return;
      answered = true;
      clearTimeout(timer);
      req.off('data', drop);
      req.off('end', ended);
      send(res, status, json, body, headers);
      if (cut) res.once('finish', () => setTimeout(() => req.socket.destroy(), 1000).unref());
    };
    const drop = (chunk: Buffer): void => {
      left -= chunk.length;
      if (left < 0) answer(true);
    };
    const ended = (): void => answer(false);
    const timer = setTimeout(() => answer(true), LINGER_MS).unref();
    req.on('data', drop);
    req.once('end', ended);
    req.once('close', () => clearTimeout(timer));
    req.resume();
  }
}

/** Refusals waiting for their request's body to end (see refuse()). */
const refusing = new WeakSet<ServerResponse>();
/** How much more of a refused body is read and dropped before the answer, and for how long at most. */
const LINGER_BYTES = 64 * 1024 * 1024;
const LINGER_MS = 5000;

function send(res: ServerResponse, status: number, json: boolean, body: Buffer, headers: Record<string, string | number> = {}): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, {
    'content-type': json ? 'application/json' : 'application/x-protobuf',
    'content-length': body.length,
    ...headers,
  });
  res.end(body);
}
