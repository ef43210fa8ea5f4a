import dc from 'node:diagnostics_channel';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Attrs, Metrics, OTHER_ROUTE, UNMATCHED_ROUTE } from '@perf/metrics';
import { now } from '../clock.js';
import type { MetricBatch } from '../recording/MetricBatch.js';
import { METHOD_COUNT, METHOD_NAMES, methodIndex } from '../recording/methods.js';
import { normalizePath } from '../recording/normalizePath.js';
import type { Route, RouteTable } from '../recording/RouteTable.js';
import { expressTemplate, kMount, kTemplate, type ExpressRequest, type ExpressRoute } from './expressRoutes.js';
import { listeningServers } from './listening.js';
import type { Collector } from './types.js';

/**
 * Where requests' start times are kept: on the connection, not on the request. One agent-owned object per
 * socket, added when its first request starts, so node:http's request objects keep their own hidden class
 * (a property added to every IncomingMessage gives node:http's code a second shape of request to handle and
 * allocates a property store per request: measured with bench/overhead/toggle.mjs inside one server, subscribers
 * that keep a start time on the request cost +1.9…+3.4% CPU per request, on the socket +0.8…+1.4%).
 * HTTP/1.1 answers a connection's requests in order, so its start times are a FIFO: the oldest in `first`,
 * pipelined ones behind it in `rest` with their requests (allocated only if a client pipelines), so a
 * connection that closes counts all of them aborted and none stays active.
 */
const kConn = Symbol('perf.agent.connection');
class Connection {
  /** requests started and not yet finished on this connection */
  inFlight = 0;
  /** start time (clock.now() ms) of the oldest of them */
  first = 0;
  /** the others (pipelined behind the oldest), in order: their start times and requests */
  rest: Pipelined[] | undefined;
  /** the open connections, linked (HttpCollector.open): walked at collect time to name the routes of requests in flight */
  prev: Connection | undefined;
  next: Connection | undefined;
  constructor(readonly socket: Sock) {}
}
interface Pipelined {
  start: number;
  req: Req;
}
/**
 * The route template of a request, for frameworks the agent does not know: `req[Symbol.for('perf.route')] =
 * '/users/:id'` (or `setRoute(req, …)` from the API). The agent sets it itself from Fastify's channel.
 */
export const kRoute = Symbol.for('perf.route');

/**
 * Sets a request's route template (markRoute(req, '/users/:id')): on the request and, for an HTTP/2 request of the
 * compatibility API (Fastify with `http2: true`, Hono's node server on http2), on its stream, which the agent measures
 * (before, such requests went by their normalised `:path` whatever the framework had matched).
 */
export function markRoute(req: object, template: string): void {
  (req as { [kRoute]?: string })[kRoute] = template;
  const stream = (req as { stream?: unknown }).stream;
  if (typeof stream === 'object' && stream !== null) (stream as { [kRoute]?: string })[kRoute] = template;
}

/**
 * Next.js (`next start`) keeps its request metadata on the IncomingMessage under this symbol; the matched
 * route's definition (`match.definition.pathname`, e.g. `/blog/[slug]`) is there once Next has routed it.
 */
const kNextMeta = Symbol.for('NextInternalRequestMeta');
interface NextMeta {
  match?: { definition?: { pathname?: unknown } };
}

type Req = IncomingMessage &
  ExpressRequest & {
    [kRoute]?: string;
    [kNextMeta]?: NextMeta;
    route?: ExpressRoute;
    baseUrl?: string;
  };
type Res = ServerResponse & { req?: Req };
type Sock = Socket & { [kConn]?: Connection; _httpMessage?: Res | null };
interface HttpMessage {
  request: Req;
  response: Res;
  socket: Sock;
  server?: object | null;
}
interface FastifyHandlerStart {
  request: { raw: Req };
  route: { url?: string };
}

const REQUEST_START = 'http.server.request.start';
const RESPONSE_FINISH = 'http.server.response.finish';
const FASTIFY_HANDLER_START = 'tracing:fastify.request.handler:start';
/** published once per Fastify instance as it is created, with the instance (and so its HTTP server) */
const FASTIFY_INITIALIZATION = 'fastify.initialization';
/** published by node:net once a server listens: the agent learns the process's HTTP/2 servers from it */
const NET_LISTENING = 'tracing:net.server.listen:asyncEnd';
const kH2Watched = Symbol('perf.agent.h2');

/** An HTTP/2 stream as the agent reads it (node:http2's ServerHttp2Stream). */
interface H2Stream {
  once(event: 'close', fn: () => void): unknown;
  readonly headersSent: boolean;
  readonly sentHeaders?: Record<string, unknown>;
  /** the RST_STREAM code it closed with (0: none, it ended normally) */
  readonly rstCode?: number;
  readonly writableFinished?: boolean;
  /**
   * closed (reset by the client, its session destroyed, closed by the app) before the app ended its response. Node 20
   * then ends the writable side itself, so `writableFinished` is true for such a stream too
   */
  readonly aborted?: boolean;
  /** the route template a framework or the app gave its request (markRoute) */
  [kRoute]?: string;
}
/** An HTTP/2 stream in flight: its method index, its `:path`, the stream (whether its response has begun). */
interface H2InFlight {
  method: number;
  path: string;
  stream: H2Stream;
}
type H2Server = { constructor?: { name?: string }; on(event: 'stream', fn: (stream: H2Stream, headers: Record<string, unknown>) => void): unknown; [kH2Watched]?: true };

/**
 * HTTP server requests through Node's diagnostics_channel: every node:http/https server in the process
 * (Express, Fastify, Next.js included) without patching anything.
 *
 * Per request: two performance.now() reads, the start time kept on the connection (see kConn), the route
 * (a template property, or a cached lookup of the raw URL), the series (last-hit check, else one
 * integer-keyed Map lookup) and a histogram record; no closure, no listener, no allocation (the route of a
 * plain URL is cached). Aborts are seen through one shared 'close' listener per connection: when a socket
 * closes with requests in flight, each was aborted — its current response's request (`socket._httpMessage`,
 * set by node:http for exactly this purpose) and any pipelined behind it.
 */
export class HttpCollector implements Collector {
  /**
   * requests started / aborted per method index; finished ones are the histograms' counts, so
   * active = started − finished − aborted is computed at collect time (one store less per request)
   */
  readonly started = new Float64Array(METHOD_COUNT);
  readonly abortedTotal = new Float64Array(METHOD_COUNT);

  private readonly onStart: (message: unknown) => void;
  private readonly onFinish: (message: unknown) => void;
  private readonly onFastify: (message: unknown) => void;
  private readonly onFastifyInit: (message: unknown) => void;
  private readonly onListening: (message: unknown) => void;
  /** the HTTP servers of the process's Fastify instances: their requests are routed by Fastify */
  private readonly fastifyServers = new WeakSet<object>();
  /** one function for every socket: `this` is the socket */
  private readonly onSocketClose: (this: Sock) => void;
  /** the newest open connection (of those that served a request); each links to the one opened before it */
  private open: Connection | undefined;
  /** where the next prune() goes on from (undefined: the newest) */
  private pruneAt: Connection | undefined;
  /** HTTP/2 streams in flight (they are on no HTTP/1 connection): named by route at collect time as those are */
  private readonly h2Open = new Set<H2InFlight>();

  constructor(private readonly table: RouteTable) {
    const started = this.started;
    // Hot path. Measured in bench/overhead/micro.ts (a fresh URL string per request, as node:http makes): the pair
    // costs ≈ 175–230 ns, ≈ 80–94 ns of it the two clock reads and ≈ 45–55 ns the route cache's hash of the URL.
    // Node re-throws a subscriber's exception as an uncaught exception, which ends the app: whatever a framework's
    // objects do (a getter that throws, as Express 4's app.router), the request is then not measured, nothing more
    this.onStart = (message) => {
      try {
        const m = message as HttpMessage;
        const t = now();
        const c = m.socket[kConn] ?? this.watch(m.socket);
        if (c.inFlight === 0) c.first = t;
        else (c.rest ??= []).push({ start: t, req: m.request });
        c.inFlight++;
        started[methodIndex(m.request.method)]++;
      } catch {
        // not measured
      }
    };
    this.onFinish = (message) => {
      try {
        const m = message as HttpMessage;
        const c = m.socket[kConn];
        if (c === undefined || c.inFlight === 0) return; // began before the agent started
        const start = c.first;
        if (--c.inFlight > 0) c.first = c.rest!.shift()!.start;
        const seconds = (now() - start) / 1000;
        const req = m.request;
        const status = m.response.statusCode;
        const route = this.routeOf(req, status, m.server);
        if (route === table.other) table.folded++;
        route.record(methodIndex(req.method), status, seconds);
      } catch {
        // not measured
      }
    };
    this.onFastify = (message) => {
      try {
        const m = message as FastifyHandlerStart;
        const url = m.route?.url;
        if (typeof url === 'string' && m.request?.raw) markRoute(m.request.raw, url);
      } catch {
        // the route falls back to the normalised path
      }
    };
    // HTTP/2 (node:http2, Http2Server and Http2SecureServer, gRPC servers too): Node 20 publishes no request channel
    // for it, so the agent listens to each such server's 'stream' event once the server listens (a listener of its
    // own: the compatibility API and the app's 'stream' handlers are unaffected). A stream's duration runs from its
    // headers to its close; one closed before its response was complete was aborted. Per stream this costs a
    // closure and a listener, more than HTTP/1's path, for servers that have none.
    this.onListening = (message) => {
      try {
        const server = (message as { server?: H2Server }).server;
        const kind = server?.constructor?.name;
        if (server === undefined || (kind !== 'Http2Server' && kind !== 'Http2SecureServer') || server[kH2Watched]) return;
        server[kH2Watched] = true;
        server.on('stream', (stream, headers) => {
          try {
            this.h2Stream(stream, headers);
          } catch {
            // not measured
          }
        });
      } catch {
        // not measured
      }
    };
    this.onFastifyInit = (message) => {
      const server = (message as { fastify?: { server?: unknown } }).fastify?.server;
      if (typeof server === 'object' && server !== null) this.fastifyServers.add(server);
    };
    const socketClosed = (socket: Sock) => this.socketClosed(socket);
    this.onSocketClose = function (this: Sock) {
      try {
        socketClosed(this);
      } catch {
        // an emitter's listener must not throw into the app either
      }
    };
  }

  start(): void {
    dc.subscribe(REQUEST_START, this.onStart);
    dc.subscribe(RESPONSE_FINISH, this.onFinish);
    dc.subscribe(FASTIFY_HANDLER_START, this.onFastify);
    dc.subscribe(FASTIFY_INITIALIZATION, this.onFastifyInit);
    dc.subscribe(NET_LISTENING, this.onListening);
    // servers that listened before the agent started (a programmatic start() after the app's listen())
    for (const server of listeningServers()) this.onListening({ server });
  }

  stop(): void {
    dc.unsubscribe(REQUEST_START, this.onStart);
    dc.unsubscribe(RESPONSE_FINISH, this.onFinish);
    dc.unsubscribe(FASTIFY_HANDLER_START, this.onFastify);
    dc.unsubscribe(FASTIFY_INITIALIZATION, this.onFastifyInit);
    dc.unsubscribe(NET_LISTENING, this.onListening);
  }

  /** One HTTP/2 stream: started now, recorded (or counted aborted) when it closes. */
  private h2Stream(stream: H2Stream, headers: Record<string, unknown>): void {
    const t = now();
    const method = methodIndex(typeof headers[':method'] === 'string' ? headers[':method'] : 'GET');
    const path = typeof headers[':path'] === 'string' ? headers[':path'] : '/';
    this.started[method]++;
    const open: H2InFlight = { method, path, stream };
    this.h2Open.add(open);
    stream.once('close', () => {
      this.h2Open.delete(open);
      try {
        const status = Number(stream.sentHeaders?.[':status']);
        // closed before its response headers, closed before the app ended its response (`aborted`: a reset, a session
        // destroyed; audit F2: a reset mid-response was counted as a completed 200), or reset while the end of the
        // response was still on its way out: the request did not complete
        if (
          !stream.headersSent ||
          !(status > 0) ||
          stream.aborted === true ||
          (stream.rstCode !== undefined && stream.rstCode !== 0 && stream.writableFinished !== true)
        ) {
          this.abortedTotal[method]++;
          const template = stream[kRoute];
          (typeof template === 'string' ? this.table.byTemplate(template) : this.table.byUrl(path)).aborted[method]++;
          return;
        }
        const template = stream[kRoute];
        const route = typeof template === 'string' ? this.table.byTemplate(template) : status >= 300 && status < 500 ? this.table.byUrlNotFound(path) : this.table.byUrl(path);
        if (route === this.table.other) this.table.folded++;
        route.record(method, status, (now() - t) / 1000);
      } catch {
        // not measured
      }
    });
  }

  /** Once per connection (a listener on a fresh socket: ≈ 5–40 ns in micro.ts); with keep-alive, not per request. */
  private watch(socket: Sock): Connection {
    const c = new Connection(socket);
    socket[kConn] = c;
    socket.on('close', this.onSocketClose);
    const head = this.open;
    if (head !== undefined) {
      head.prev = c;
      c.next = head;
    }
    this.open = c;
    return c;
  }

  /**
   * A connection closed with requests in flight: they were aborted. The oldest is the socket's current
   * response's request; pipelined ones behind it were never answered either. Not on the per-request path: only a
   * connection that closes with requests in flight gets past the first test.
   */
  private socketClosed(socket: Sock): void {
    const c = socket[kConn];
    if (c === undefined) return;
    this.unlink(c);
    if (c.inFlight === 0) return;
    const res = socket._httpMessage;
    if (res != null && res.req != null) {
      // its whole answer written, but the connection closed before node:http's 'finish' for it (the write's callback),
      // which then never comes (a client that pipelines and resets right after the answer: outside audit AA1, up to a
      // tenth of such requests stayed in flight for good); the app answered it: finished (a late 'finish' finds the
      // connection's count at 0 and is ignored)
      if (res.writableFinished) this.answered(res.req, res.statusCode, c.first, socket);
      // the server's `requestTimeout` expired before the request was all received (a slow upload, a slow-loris client):
      // node:http then destroys the socket with ERR_HTTP_REQUEST_TIMEOUT and, when no response headers were sent yet,
      // writes `408 Request Timeout` on it itself (so does Fastify's clientError handler), with no ServerResponse and no
      // response.finish message. The client saw a 408: a finished 408 (audit F5: it was counted as aborted by the client)
      else if (!res.headersSent && (socket.errored as NodeJS.ErrnoException | null)?.code === 'ERR_HTTP_REQUEST_TIMEOUT') this.answered(res.req, 408, c.first, socket);
      else this.aborted(res.req);
    }
    if (c.inFlight > 1) for (const p of c.rest!) this.aborted(p.req);
    c.inFlight = 0;
    c.rest = undefined;
  }

  /**
   * The process is exiting: a request whose response the app has ended but whose 'finish' has not come yet (`res.end()`
   * then `process.exit()` in the same handler: outside audit AA6) is recorded as answered, not left in flight in the
   * last export. Walks at most WALK_MAX open connections; only at exit.
   */
  settleEnded(): void {
    let walked = 0;
    for (let c = this.open; c !== undefined && walked++ < WALK_MAX; c = c.next) {
      if (c.inFlight === 0) continue;
      const res = c.socket._httpMessage;
      if (res == null || res.req == null || !res.writableEnded) continue;
      this.answered(res.req, res.statusCode, c.first, c.socket);
      if (--c.inFlight > 0) c.first = c.rest!.shift()!.start;
    }
  }

  /**
   * Unlinks connections whose socket is destroyed without its 'close' having reached the agent (a library that removed
   * every 'close' listener): the list must not keep a socket alive. A few thousand connections per collection, on from
   * where the last one stopped (a walk costs ≈ 5 ns a connection in cache, ≈ 40 ns at 50,000: 2 ms in one go).
   */
  private prune(): void {
    let c = this.pruneAt ?? this.open;
    for (let k = 0; c !== undefined && k < WALK_STEP; k++) {
      const next = c.next;
      if (c.socket.destroyed && c.socket.closed !== false) this.unlink(c);
      c = next;
    }
    this.pruneAt = c;
  }

  private unlink(c: Connection): void {
    if (this.pruneAt === c) this.pruneAt = c.next;
    if (c.prev !== undefined) c.prev.next = c.next;
    else if (this.open === c) this.open = c.next;
    if (c.next !== undefined) c.next.prev = c.prev;
    c.prev = c.next = undefined;
  }

  /** A request answered with `status` whose response.finish message did not (or will not) come: recorded from its start to now. */
  private answered(req: Req, status: number, start: number, socket: Sock): void {
    const route = this.routeOf(req, status, (socket as { server?: object | null }).server);
    if (route === this.table.other) this.table.folded++;
    route.record(methodIndex(req.method), status, (now() - start) / 1000);
  }

  private aborted(req: Req): void {
    const method = methodIndex(req.method);
    this.abortedTotal[method]++;
    this.routeOf(req).aborted[method]++;
  }

  /**
   * Framework template when known (explicit symbol, Express, Next.js), else the normalised URL; a 404 that a
   * framework routed without matching a route (`status`, `server`: known once the response finished) is `unmatched`,
   * and other redirects and client errors without a template are bounded as RouteTable.byUrlNotFound says.
   */
  private routeOf(req: Req, status = 0, server?: object | null): Route {
    const template = templateOf(req);
    if (template !== undefined) return this.table.byTemplate(template);
    if (status === 404 && (req.app !== undefined || (server != null && this.fastifyServers.has(server)))) {
      // Express (it sets req.app) or Fastify routed it and found no route: one route for every such path, so a URL
      // scanner's thousands of paths nobody serves neither fill the route cap nor crowd the real routes out
      return this.table.byTemplate(UNMATCHED_ROUTE);
    }
    // a redirect or client error with no route template: a 404 of another framework, or an answer of middleware
    // before any route matched (an auth check's 401/403, a login redirect: a scanner against an app behind one made a
    // route per path and pushed the real ones into `other`; contract audit): bounded (RouteTable.byUrlNotFound)
    if (status >= 300 && status < 500) return this.table.byUrlNotFound(req.originalUrl ?? req.url ?? '/');
    return this.table.byUrl(req.originalUrl ?? req.url ?? '/');
  }

  /**
   * The routes of the HTTP/1 requests in flight (the oldest of each open connection, its current response's request,
   * and any pipelined behind it), the busiest ROUTED_IN_FLIGHT_TOP as gauge points, the rest under `other`. A request
   * not routed yet (or on a plain node:http server) goes by its normalised path, which does not enter the route table:
   * a route hung from its first request is named before any of its requests has finished. At collect time only, and
   * only with ROUTED_IN_FLIGHT_MIN requests in flight (requests-stuck's least): it walks the open connections, newest
   * first, until it has found them all, WALK_MAX connections at most, and looks up ROUTED_IN_FLIGHT_MAX_REQUESTS routes
   * at most (a process with more names those it found).
   */
  private collectInFlightRoutes(batch: MetricBatch, inFlight: number): void {
    const counts = new Map<string, { waiting: number; answering: number }>();
    let looked = 0;
    let walked = 0;
    // until every HTTP/1 request in flight is found (HTTP/2 streams are not on connections: counted after), at most
    // ROUTED_IN_FLIGHT_MAX_REQUESTS of them and WALK_MAX connections
    const onConnections = Math.min(inFlight - this.h2Open.size, ROUTED_IN_FLIGHT_MAX_REQUESTS);
    for (let c = this.open; c !== undefined && looked < onConnections && walked++ < WALK_MAX; c = c.next) {
      if (c.inFlight === 0) continue;
      const res = c.socket._httpMessage;
      if (res?.req != null && !res.writableFinished) {
        // a response begun (its head sent: a stream, server-sent events, a download) is being answered
        count(counts, res.req, res.headersSent);
        looked++;
      }
      // (pipelined behind it: not answered yet)
      if (c.inFlight > 1) for (const p of c.rest!) if (looked++ < ROUTED_IN_FLIGHT_MAX_REQUESTS) count(counts, p.req, false);
    }
    // HTTP/2 streams: their path normalised (an h2 framework's template is not on the stream), answering once their
    // response headers are sent
    for (const h of this.h2Open) {
      if (looked++ >= ROUTED_IN_FLIGHT_MAX_REQUESTS) break;
      const template = h.stream[kRoute];
      countKey(counts, `${METHOD_NAMES[h.method]} ${typeof template === 'string' ? template : normalizePath(h.path)}`, h.stream.headersSent);
    }
    const total = (x: { waiting: number; answering: number }) => x.waiting + x.answering;
    const sorted = [...counts].sort((a, b) => total(b[1]) - total(a[1]));
    const other = { waiting: 0, answering: 0 };
    for (let k = ROUTED_IN_FLIGHT_TOP; k < sorted.length; k++) {
      other.waiting += sorted[k][1].waiting;
      other.answering += sorted[k][1].answering;
    }
    const description =
      'HTTP server requests in flight per method and route, and whether their response has begun (perf.http.response.started: a stream or download is being answered); sent with 10 or more in flight, the busiest 20 routes, the rest as "other".';
    const emit = (method: string, route: string, n: { waiting: number; answering: number }) => {
      if (n.waiting > 0) batch.gauge(Metrics.httpServerActiveRequestsByRoute, '{request}', description, n.waiting, { [Attrs.httpMethod]: method, [Attrs.httpRoute]: route, [Attrs.responseStarted]: false });
      if (n.answering > 0) batch.gauge(Metrics.httpServerActiveRequestsByRoute, '{request}', description, n.answering, { [Attrs.httpMethod]: method, [Attrs.httpRoute]: route, [Attrs.responseStarted]: true });
    };
    for (const [key, n] of sorted.slice(0, ROUTED_IN_FLIGHT_TOP)) {
      const cut = key.indexOf(' ');
      emit(key.slice(0, cut), key.slice(cut + 1), n);
    }
    emit('_OTHER', OTHER_ROUTE, other);
  }

  /** @internal */
  collect(batch: MetricBatch): void {
    const finished = new Float64Array(METHOD_COUNT);
    const duration = 'Duration of HTTP server requests, from the request head parsed to the response finished.';
    this.table.forEachRoute((route) => {
      for (const s of route.series.values()) {
        finished[s.method] += s.histogram.count;
        s.attributes ??= { [Attrs.httpMethod]: METHOD_NAMES[s.method], [Attrs.httpRoute]: route.name, [Attrs.httpStatusCode]: s.status };
        batch.histogram(Metrics.httpServerRequestDuration, 's', duration, s.histogram, s.attributes);
      }
      for (let m = 0; m < METHOD_COUNT; m++) {
        if (route.aborted[m] > 0) {
          batch.sum(Metrics.httpServerAbortedRequests, '{request}', 'HTTP server requests that ended before their response was complete (the client left, the app destroyed the response, a timeout).', route.aborted[m], true, {
            [Attrs.httpMethod]: METHOD_NAMES[m],
            [Attrs.httpRoute]: route.name,
          });
        }
      }
    });
    this.prune();
    let inFlight = 0;
    for (let m = 0; m < METHOD_COUNT; m++) {
      if (this.started[m] === 0) continue;
      const active = this.started[m] - finished[m] - this.abortedTotal[m];
      inFlight += active;
      batch.sum(Metrics.httpServerActiveRequests, '{request}', 'HTTP server requests in flight.', active, false, {
        [Attrs.httpMethod]: METHOD_NAMES[m],
      });
    }
    if (inFlight >= ROUTED_IN_FLIGHT_MIN) {
      try {
        this.collectInFlightRoutes(batch, inFlight);
      } catch {
        // a framework's getter that throws on a request (as Express 4's app.router): not named this time, nothing more
      }
    }
    batch.sum(Metrics.routesFolded, '{request}', 'Requests recorded under the route "other" because the per-process route cap (PERF_MAX_ROUTES) was reached.', this.table.folded, true);
  }
}

/** in flight at an export before the agent names their routes (requests-stuck's least count) */
const ROUTED_IN_FLIGHT_MIN = 10;
/** routes sent by name; the rest are summed under `other` */
const ROUTED_IN_FLIGHT_TOP = 20;
/** requests whose route is looked up per export, at most (the count is then a sample of the rest) */
const ROUTED_IN_FLIGHT_MAX_REQUESTS = 2000;
/** connections walked per collection, at most: to name routes (≈ 0.2 ms with cold caches) and, separately, to prune */
const WALK_MAX = 5000;
const WALK_STEP = 2048;

/** The framework's route template of a request (an explicit symbol, Express, Next.js), if it has one. */
function templateOf(req: Req): string | undefined {
  const explicit = req[kRoute];
  if (typeof explicit === 'string') return explicit;
  const route = req.route;
  if (route !== undefined && route !== null) {
    const mount = req.baseUrl ?? '';
    const template = route[kMount] === mount && route[kTemplate] !== undefined ? route[kTemplate] : expressTemplate(req, route, mount);
    if (template !== undefined) return template;
  }
  const next = req[kNextMeta];
  if (next !== undefined) {
    const pathname = next.match?.definition?.pathname;
    if (typeof pathname === 'string') return pathname;
  }
  return undefined;
}

/** One request in flight into `counts`, keyed "METHOD route" (its template, else its normalised path). */
function count(counts: Map<string, { waiting: number; answering: number }>, req: Req, answering: boolean): void {
  countKey(counts, `${METHOD_NAMES[methodIndex(req.method)]} ${templateOf(req) ?? normalizePath(req.originalUrl ?? req.url ?? '/')}`, answering);
}

function countKey(counts: Map<string, { waiting: number; answering: number }>, key: string, answering: boolean): void {
  let n = counts.get(key);
  if (n === undefined) counts.set(key, (n = { waiting: 0, answering: 0 }));
  if (answering) n.answering++;
  else n.waiting++;
}
