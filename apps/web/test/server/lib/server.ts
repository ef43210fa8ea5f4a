// Test helpers: a dashboard on ephemeral ports (no UI, no modules unless asked), JSON fetches, waits.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { gzipSync } from 'node:zlib';
import { startServer, type RunningServer, type ServerOptions } from '../../../server/server.js';

export interface TestServer extends RunningServer {
  dataDir: string | undefined;
  /** GET an API path; returns [status, parsed JSON] */
  get<T = any>(path: string, headers?: Record<string, string>): Promise<[number, T]>;
  /** close and remove the temporary data dir */
  dispose(): Promise<void>;
}

export async function testServer(options: ServerOptions & { persist?: boolean } = {}): Promise<TestServer> {
  const dataDir = options.dataDir !== undefined ? (options.dataDir ?? undefined) : options.persist ? mkdtempSync(join(tmpdir(), 'perf-test-')) : undefined;
  const srv = await startServer({ ui: false, port: 0, otlpPort: 0, host: '127.0.0.1', modules: false, log: () => {}, ...options, dataDir: dataDir ?? null });
  return Object.assign(srv, {
    dataDir,
    async get<T>(path: string, headers: Record<string, string> = {}): Promise<[number, T]> {
      const res = await fetch(srv.url + path, { headers });
      return [res.status, (await res.json()) as T];
    },
    async dispose() {
      await srv.close();
      if (dataDir !== undefined && options.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
    },
  });
}

export interface PostResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** POSTs raw bytes to the OTLP receiver (node:http, so oversized bodies and odd headers are possible). */
export function postOtlp(
  otlpUrl: string,
  body: Buffer | Uint8Array,
  { contentType = 'application/x-protobuf', gzip = false, headers = {}, path = '/v1/metrics' }: { contentType?: string; gzip?: boolean; headers?: Record<string, string | number>; path?: string } = {},
): Promise<PostResult> {
  const data = gzip ? gzipSync(body) : Buffer.from(body);
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, otlpUrl),
      { method: 'POST', headers: { 'content-type': contentType, 'content-length': data.length, ...(gzip ? { 'content-encoding': 'gzip' } : {}), ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

/** Polls fn until it returns a truthy value (or throws after timeoutMs). */
export async function waitFor<T>(fn: () => Promise<T> | T, timeoutMs = 10_000, what = 'condition'): Promise<NonNullable<T>> {
  const t0 = Date.now();
  let last: unknown;
  while (Date.now() - t0 < timeoutMs) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Resolves at the next wall-clock second boundary plus `offsetMs`. */
export function nextSecond(offsetMs = 0): Promise<void> {
  return sleep(1000 - (Date.now() % 1000) + offsetMs);
}

/** Relative error |a − b| / |b|. */
export function relErr(a: number, b: number): number {
  return Math.abs(a - b) / Math.abs(b);
}

/** A TCP port free on 127.0.0.1 right now (for a child process, e.g. Prometheus, that needs one up front). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
