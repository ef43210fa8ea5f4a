import type { IncomingMessage, ServerResponse } from 'node:http';

/** An API error with a stable code; answered as `{ error: { code, message } }` with `status`. */
export class ApiHttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiHttpError';
  }
}

/** A handler's answer with a status other than 200, or extra headers. */
export class JsonReply {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string | string[]> = {},
  ) {}
}

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  query: URLSearchParams;
  /** `:name` segments of the matched path */
  params: Record<string, string>;
  /** The JSON body (at most 1 MiB); throws ApiHttpError 400/413 on bad input. */
  json(): Promise<unknown>;
}

/**
 * A handler returns the JSON answer (200), a JsonReply, or `undefined` after writing the response itself
 * (e.g. a stream).
 */
export type Handler = (ctx: RequestContext) => unknown;

interface Route {
  method: string;
  parts: string[];
  handler: Handler;
}

const MAX_JSON_BYTES = 1 << 20;

/**
 * The `/api/v1/*` router. Modules mount their routes on it (`router.get('/api/v1/findings', h)`);
 * later mounts of the same method and path replace earlier ones, so a module can take over a default.
 */
export class ApiRouter {
  private routes: Route[] = [];

  on(method: string, path: string, handler: Handler): this {
    const parts = path.split('/').filter(Boolean);
    this.routes = this.routes.filter((r) => !(r.method === method && r.parts.join('/') === parts.join('/')));
    this.routes.push({ method, parts, handler });
    return this;
  }
  get(path: string, handler: Handler): this {
    return this.on('GET', path, handler);
  }
  post(path: string, handler: Handler): this {
    return this.on('POST', path, handler);
  }
  put(path: string, handler: Handler): this {
    return this.on('PUT', path, handler);
  }
  delete(path: string, handler: Handler): this {
    return this.on('DELETE', path, handler);
  }

  /** Mounted [method, path] pairs (for the 404 hint and tests). */
  list(): [string, string][] {
    return this.routes.map((r) => [r.method, '/' + r.parts.join('/')]);
  }

  private match(method: string, segs: string[]): { route: Route; params: Record<string, string> } | 'method' | undefined {
    let pathMatched = false;
    for (const route of this.routes) {
      if (route.parts.length !== segs.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < segs.length; i++) {
        const p = route.parts[i];
        if (p.startsWith(':')) params[p.slice(1)] = decodeParam(segs[i]);
        else if (p !== segs[i]) {
          ok = false;
          break;
        }
      }
      if (!ok) continue;
      pathMatched = true;
      if (route.method === method || (method === 'HEAD' && route.method === 'GET')) return { route, params };
    }
    return pathMatched ? 'method' : undefined;
  }

  /** Handles the request when a route matches; answers 404/405 for unknown API paths. */
  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const segs = url.pathname.split('/').filter(Boolean);
    try {
      const m = this.match(req.method ?? 'GET', segs);
      if (m === undefined) throw new ApiHttpError(404, 'PERF_API_NOT_FOUND', `no API endpoint ${url.pathname}; see the README "API" section`);
      if (m === 'method') throw new ApiHttpError(405, 'PERF_API_METHOD', `${req.method} is not allowed on ${url.pathname}`);
      const ctx: RequestContext = { req, res, url, query: url.searchParams, params: m.params, json: () => readJson(req) };
      const out = await m.route.handler(ctx);
      if (out === undefined) return;
      if (out instanceof JsonReply) sendJson(res, out.status, out.body, out.headers);
      else sendJson(res, 200, out);
    } catch (err) {
      if (err instanceof ApiHttpError) sendJson(res, err.status, { error: { code: err.code, message: err.message } });
      else {
        const code = (err as { code?: unknown })?.code;
        const status = (err as { status?: unknown })?.status;
        if (typeof code === 'string' && typeof status === 'number' && status >= 400 && status < 600) {
          sendJson(res, status, { error: { code, message: (err as Error).message } });
          return;
        }
        console.error('perf: API handler failed:', err);
        sendJson(res, 500, { error: { code: 'PERF_API_INTERNAL', message: 'internal error; see the dashboard log' } });
      }
    }
  }
}

/** A path parameter, decoded; a malformed escape (%E0%A4%A) is the client's error (it was an unhandled rejection). */
function decodeParam(seg: string): string {
  try {
    return decodeURIComponent(seg);
  } catch {
    throw new ApiHttpError(400, 'PERF_API_BAD_PATH', `the path segment ${seg} is not valid percent-encoding`);
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string | string[]> = {}): void {
  if (res.headersSent) {
    if (!res.writableEnded) res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/**
 * A request body of at most `max` bytes, or 'too-large'. Past the limit the rest is read and dropped (nothing
 * kept): stopping the stream instead reset the connection before the client could read the 413 (about half the
 * time, found by an outside audit).
 */
export function readLimited(req: IncomingMessage, max: number): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        if (chunks.length > 0) chunks.length = 0;
        resolve('too-large');
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(size > max ? 'too-large' : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const body = await readLimited(req, MAX_JSON_BYTES);
  if (body === 'too-large') throw new ApiHttpError(413, 'PERF_API_BODY_TOO_LARGE', `JSON body over ${MAX_JSON_BYTES} bytes`);
  const text = body.toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ApiHttpError(400, 'PERF_API_BAD_JSON', `the body is not valid JSON: ${(err as Error).message}`);
  }
}
