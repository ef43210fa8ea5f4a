import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { FleetStore } from './store/FleetStore.js';
import type { StoreOptions } from './store/config.js';
import { Persistence } from './store/persist.js';
import { FleetView } from './query/FleetView.js';
import { ApiHttpError, ApiRouter, sendJson } from './api/router.js';
import { mountApi } from './api/handlers.js';
import { uiBuilt, WEB_DIR } from './ui-build.js';
import type { AlertsStatus, Status } from './api/types.js';
import { LiveStream } from './live/stream.js';
import { Applier } from './ingest/apply.js';
import { PrometheusPuller } from './ingest/prometheus.js';
import { IngestStats } from './ingest/stats.js';
import { ingestConnectionLimit, openFileLimit } from './ingest/connections.js';
import { OtlpReceiver } from './ingest/receiver.js';
import { stateBytes, type SeriesState } from './ingest/series.js';
import { SelfMonitor } from './status.js';
import { authorized, clientAddress, crossSiteRefusal, LoginLimiter, rebindingRefusal } from './auth.js';
import { mountModules, type ModuleStates } from './modules.js';
import type { DashboardContext, MountedModule } from './context.js';

export { uiBuilt } from './ui-build.js';

export interface ServerOptions {
  /** UI + API port (PORT); 0 picks a free one. Default 3000. */
  port?: number;
  /** OTLP/HTTP receiver port (PERF_OTLP_PORT); 0 picks a free one. Default 4318. */
  otlpPort?: number;
  /** bind address; default all interfaces */
  host?: string;
  /** SQLite directory (PERF_DATA_DIR); `null` keeps everything in memory. Default ./data */
  dataDir?: string | null;
  /** serve the Next.js UI (needs a built `.next`); default true */
  ui?: boolean;
  apiToken?: string;
  ingestToken?: string;
  /** PERF_MAX_BODY_BYTES, default 8 MiB */
  maxBodyBytes?: number;
  /** requests read and waiting to be applied before 429 (PERF_INGEST_QUEUE), default 256 */
  ingestQueue?: number;
  /**
   * ms an export may wait to be applied before API reads are refused (503 PERF_API_BUSY, Retry-After) until ingest
   * has caught up (PERF_API_SHED_AFTER), default 1000: reads and ingest share one event loop, and one client reading
   * large answers back to back cut ingest from 500 to 10–110 exports a second and showed live nodes as down
   */
  apiShedAfterMs?: number;
  /** bodies being read from one client address before 429 (PERF_INGEST_PER_ADDRESS), default 64 */
  ingestPerAddress?: number;
  /**
   * OTLP connections open at once (PERF_INGEST_MAX_CONNECTIONS); one more is closed at once. Default 10,000, within
   * three quarters of the open-file limit (ingest/connections.ts)
   */
  ingestMaxConnections?: number;
  /** bytes (decompressed) of the exports being read and queued together before 429; default 128 MiB */
  ingestQueueBytes?: number;
  /** PERF_TRUST_PROXY: a reverse proxy in front; the login limit counts X-Forwarded-For's last address */
  trustProxy?: boolean;
  /**
   * PERF_ALLOWED_HOSTS: more names this machine's own clients may use for the dashboard without PERF_API_TOKEN (its
   * IP addresses, localhost and its host name always; `*`: any), see auth.ts rebindingRefusal
   */
  allowedHosts?: string[];
  /** live stream clients at once before 503 (PERF_MAX_STREAMS), default 500 */
  maxStreams?: number;
  store?: Partial<StoreOptions>;
  /** mount server/diagnose and server/alerts (default true), or only the named ones */
  modules?: boolean | string[];
  /** ms between SQLite flushes; default 2000 */
  flushIntervalMs?: number;
  /**
   * PERF_PROMETHEUS_URL: also read the agents from this Prometheus-compatible store by PromQL, once a second
   * (for agents scraped on /metrics instead of exporting OTLP; ingest/prometheus.ts)
   */
  prometheusUrl?: string;
  /** PERF_PROMETHEUS_HEADERS: request headers for the store (a bearer token, Mimir's X-Scope-OrgID) */
  prometheusHeaders?: Record<string, string>;
  log?: (msg: string) => void;
}

export interface RunningServer {
  port: number;
  otlpPort: number;
  /** http://127.0.0.1:<port> */
  url: string;
  otlpUrl: string;
  store: FleetStore;
  view: FleetView;
  router: ApiRouter;
  live: LiveStream;
  stats: IngestStats;
  persistence: Persistence | undefined;
  /** Stops accepting, applies queued exports, flushes SQLite, closes everything. */
  close(): Promise<void>;
}

const VERSION = '0.1.0';

/** Starts the dashboard process: API (+ UI) on `port`, OTLP receiver on `otlpPort`. */
export async function startServer(options: ServerOptions = {}): Promise<RunningServer> {
  const log = options.log ?? ((m: string) => console.log(m));
  const ui = options.ui ?? true;
  let nextHandler: ((req: IncomingMessage, res: ServerResponse) => Promise<void>) | undefined;
  let nextApp: { close?: () => Promise<void> } | undefined;
  if (ui) {
    if (!uiBuilt()) {
      const err = new Error(`the UI is not built (${join(WEB_DIR, '.next', 'BUILD_ID')} is missing): run "pnpm --filter @perf/web run build", or use "pnpm start", which builds it`);
      (err as Error & { code: string }).code = 'PERF_UI_NOT_BUILT';
      throw err;
    }
    process.env.NEXT_TELEMETRY_DISABLED = '1';
    const next = (await import('next')).default as unknown as (o: { dev: boolean; dir: string }) => {
      prepare(): Promise<void>;
      getRequestHandler(): (req: IncomingMessage, res: ServerResponse) => Promise<void>;
      close?: () => Promise<void>;
    };
    const app = next({ dev: false, dir: WEB_DIR });
    await app.prepare();
    nextHandler = app.getRequestHandler();
    nextApp = app;
  }

  const store = new FleetStore(options.store);
  let persistence: Persistence | undefined;
  const dataDir = options.dataDir === null ? undefined : resolve(options.dataDir ?? './data');
  if (dataDir !== undefined) {
    persistence = Persistence.open(dataDir, log);
    const loaded = persistence.load(store);
    const states = persistence.loadStates(store);
    if (loaded.slots > 0) log(`perf: loaded ${loaded.slots} stored slots (${loaded.nodes} nodes, ${loaded.routes} routes, ${states} series states) from ${persistence.file}`);
    if (loaded.skipped > 0) log(`perf: ${loaded.skipped} stored rows of ${persistence.file} are damaged (values no histogram or node row can hold) and were left out`);
    store.sink = persistence.sink;
  }
  const view = new FleetView(store);
  const stats = new IngestStats();
  const applier = new Applier(store, stats);
  const receiver = new OtlpReceiver(applier, stats, {
    maxBodyBytes: options.maxBodyBytes ?? 8 * 1024 * 1024,
    ingestToken: options.ingestToken || undefined,
    queueCapacity: options.ingestQueue ?? 256,
    readingPerAddress: options.ingestPerAddress ?? 64,
    queueBytes: options.ingestQueueBytes ?? 128 * 1024 * 1024,
    maxPoints: 1_000_000,
  });
  store.ingestLag = () => receiver.backlogMs;
  const maxConnections = ingestConnectionLimit(options.ingestMaxConnections, openFileLimit());
  const prometheus = options.prometheusUrl ? new PrometheusPuller(applier, { url: options.prometheusUrl, headers: options.prometheusHeaders, log, stats, onTrouble: (t) => (store.sourceTrouble = t) }).start() : undefined;
  if (prometheus) log(`perf: reading the agents from Prometheus at ${prometheus.status.url} (PERF_PROMETHEUS_URL), once a second`);
  const live = new LiveStream(view, options.maxStreams ?? 500);
  const router = new ApiRouter();
  const monitor = new SelfMonitor();
  const startedAt = Date.now();
  const tickFns: ((now: number) => void)[] = [];
  const moduleStates: ModuleStates = {};
  let alertsStatus: (() => AlertsStatus) | undefined;
  // the configured PORT until the UI/API server listens, then the port it bound (PORT=0 picks one)
  let uiPort = options.port ?? 3000;
  // the same for the OTLP receiver (PERF_OTLP_PORT): /api/v1/status tells the UI's connect help
  let otlpPort = options.otlpPort ?? 4318;

  const status = (): Status => {
    const now = Date.now();
    const [rps, pps] = stats.rates(now);
    let nodes = 0;
    let up = 0;
    let series = 0;
    let folded = 0;
    for (const s of store.services.values()) {
      nodes += s.nodes.size;
      series += s.series;
      folded += s.foldedSeries;
      for (const n of s.nodes.values()) if (view.isUp(n, now)) up++;
    }
    const bytes = store.bytes((n) => {
      let b = 0;
      for (const st of n.states.values()) b += stateBytes(st as SeriesState) + 80;
      return b;
    });
    const mem = process.memoryUsage();
    return {
      version: VERSION,
      uptime: (now - startedAt) / 1000,
      now,
      ingest: {
        requestsPerSecond: rps,
        pointsPerSecond: pps,
        requests: stats.requests,
        points: stats.points,
        rejectedPoints: stats.rejectedPoints,
        rejectedByReason: stats.rejectedByReason,
        refusedRequests: stats.refusedRequests,
        duplicatePoints: stats.duplicatePoints,
        outOfOrderPoints: stats.outOfOrderPoints,
        resets: stats.resets,
        queueDepth: receiver.depth,
        queueCapacity: options.ingestQueue ?? 256,
        droppedConnections: stats.droppedConnections,
        maxConnections,
      },
      store: {
        services: store.services.size,
        nodes,
        nodesUp: up,
        series,
        bytes,
        bytesPerSeries: series > 0 ? bytes / series : 0,
        tiers: store.options.tiers.map((t) => ({ step: t.step, retention: t.retention })),
        foldedSeries: folded,
        evictedNodes: store.evictedNodes,
        evictedServices: store.evictedServices,
        lastFlush: persistence?.lastFlush ?? null,
        flushError: persistence?.flushError ?? null,
        fileGone: persistence?.fileGone ?? null,
        lostRows: persistence?.lostRows ?? 0,
        persistence: persistence ? 'sqlite' : 'memory',
        dataDir: dataDir ?? null,
      },
      process: { rss: mem.rss, heapUsed: mem.heapUsed, external: mem.external, arrayBuffers: mem.arrayBuffers, eventLoopDelay: monitor.eventLoopDelay(), elu: monitor.utilization() },
      stream: { clients: live.clientCount, lastEventId: live.lastEventId },
      auth: { apiToken: Boolean(options.apiToken) },
      otlp: { port: otlpPort },
      prometheus: prometheus ? { ...prometheus.status } : null,
      alerts: alertsStatus ? alertsStatus() : null,
      modules: moduleStates,
    };
  };

  // wrong tokens, at /login or as a bearer header on any request, count against the sender's address alike (an outside
  // audit could try bearer tokens without limit while /login allowed 10 a minute)
  const logins = new LoginLimiter();
  mountApi(router, { view, live, status, apiToken: options.apiToken || undefined, trustProxy: options.trustProxy, logins });

  const ctx: DashboardContext = {
    store,
    view,
    router,
    persistence,
    dataDir,
    onTick: (fn) => tickFns.push(fn),
    setFindingsSource: (fn) => (live.findings = fn),
    setAlertsFiringSource: (fn) => (live.alertsFiring = fn),
    setAlertsStatusSource: (fn) => (alertsStatus = fn),
    port: () => uiPort,
  };
  let modules: MountedModule[] = [];
  if (options.modules !== false) modules = await mountModules(ctx, Array.isArray(options.modules) ? options.modules : undefined, moduleStates);
  const alertsState = moduleStates.alerts;
  if (alertsState !== undefined && !alertsState.mounted) {
    // alerting failed to start (an alerts.sqlite this user cannot open, …): say so where rules are asked for, not 404
    const off = (): never => {
      throw new ApiHttpError(503, 'PERF_ALERTS_OFF', `alerting is off: it failed to start (${alertsState.error ?? 'unknown error'}); no rule is evaluated and nothing is delivered; see the dashboard log`);
    };
    for (const path of ['/api/v1/alerts', '/api/v1/alerts/rules', '/api/v1/alerts/rules/:id']) {
      for (const m of ['GET', 'POST', 'PUT', 'DELETE']) router.on(m, path, off);
    }
  }

  const apiToken = options.apiToken || undefined;
  const shedAfterMs = options.apiShedAfterMs ?? 1000;
  const authed = (req: IncomingMessage): boolean => apiToken === undefined || authorized(req, apiToken);

  const web = createServer((req, res) => {
    try {
      serveWeb(req, res);
    } catch (err) {
      // nothing a request carries may end the process or leave it unanswered
      console.error('perf: request failed:', err);
      if (!res.headersSent) sendJson(res, 500, { error: { code: 'PERF_INTERNAL', message: 'internal error; see the dashboard log' } });
      else res.end();
    }
  });
  // without a token, and without a proxy in front that names the dashboard itself, this machine's requests by a name
  // that is not the dashboard's are DNS rebinding (auth.ts)
  const rebindingGuard = apiToken === undefined && !options.trustProxy;
  const allowedHosts = (options.allowedHosts ?? []).map((h) => h.trim().toLowerCase().replace(/\.$/, '')).filter((h) => h !== '');
  const serveWeb = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0];
    const rebinding = rebindingGuard ? rebindingRefusal(req, allowedHosts) : undefined;
    if (rebinding !== undefined) {
      sendJson(res, 403, { error: { code: 'PERF_HOST_REFUSED', message: rebinding } });
      return;
    }
    if (path.startsWith('/api/')) {
      const crossSite = crossSiteRefusal(req);
      if (crossSite !== undefined) {
        sendJson(res, 403, { error: { code: 'PERF_API_CROSS_SITE', message: `${crossSite}: the API takes changes only from this dashboard's own pages and from clients that are not browsers` } });
        return;
      }
      // a bearer token from an address that sent too many wrong ones is refused before it is checked, as at /login (a
      // guess that is answered is a guess made); the UI's session cookie is not limited
      const bearer = apiToken !== undefined && path !== '/api/v1/login' && req.headers.authorization !== undefined;
      const address = bearer ? clientAddress(req, options.trustProxy) : '';
      const wait = bearer ? logins.retryAfterMs(address) : 0;
      if (wait > 0) {
        const seconds = Math.ceil(wait / 1000);
        sendJson(res, 429, { error: { code: 'PERF_API_LOGIN_LIMITED', message: `too many wrong tokens from this address: try again in ${seconds} s` } }, { 'retry-after': String(seconds) });
        return;
      }
      if (!authed(req) && path !== '/api/v1/login') {
        if (bearer) logins.fail(address);
        sendJson(res, 401, { error: { code: 'PERF_API_UNAUTHORIZED', message: 'send "Authorization: Bearer <PERF_API_TOKEN>" or log in at /login' } }, { 'www-authenticate': 'Bearer' });
        return;
      }
      // Ingest first: while an export has waited longer than shedAfterMs to be applied, reads wait (but the status and
      // the live stream): one client reading large answers back to back cut ingest from 500 to 10–110 exports a second
      // and showed live nodes as down (outside audit)
      const read = req.method === 'GET' && path !== '/api/v1/status' && path !== '/api/v1/stream';
      const behind = receiver.backlogMs;
      if (read && behind > shedAfterMs) {
        sendJson(
          res,
          503,
          { error: { code: 'PERF_API_BUSY', message: `the dashboard is catching up on ingest (an export has waited ${Math.round(behind)} ms to be applied): reads resume once it has, so no data is lost; retry after the delay in Retry-After` } },
          { 'retry-after': '1' },
        );
        return;
      }
      router.handle(req, res).catch((err) => {
        console.error('perf: API request failed:', err);
        if (!res.headersSent) sendJson(res, 500, { error: { code: 'PERF_API_INTERNAL', message: 'internal error; see the dashboard log' } });
      });
      return;
    }
    try {
      decodeURIComponent(path);
    } catch {
      // Next.js answered a malformed escape (/nodes/%E0%A4%A) with a 500 before any page code ran
      sendJson(res, 400, { error: { code: 'PERF_BAD_PATH', message: `the path ${path} is not valid percent-encoding` } });
      return;
    }
    if (nextHandler === undefined) {
      sendJson(res, 404, { error: { code: 'PERF_UI_DISABLED', message: 'the UI is not served by this process (started with ui: false); the API is under /api/v1' } });
      return;
    }
    // the tab icon (app/icon.svg) loads on the login page too; of Next.js's own paths only its static files are open
    // (it normalises /_next/../nodes and /_next/%2e%2e/nodes to pages, which must not pass as static)
    const open =
      path === '/login' ||
      (path.startsWith('/_next/static/') && !/\.\.|%2e|\\/i.test(path)) ||
      path === '/favicon.ico' ||
      path === '/icon.svg' ||
      path === '/robots.txt';
    if (!open && !authed(req)) {
      res.writeHead(302, { location: `/login?next=${encodeURIComponent(req.url ?? '/')}` });
      res.end();
      return;
    }
    nextHandler(req, res).catch((err) => {
      console.error('perf: UI request failed:', err);
      if (!res.headersSent) sendJson(res, 500, { error: { code: 'PERF_UI_ERROR', message: 'the page failed to render; see the dashboard log' } });
    });
  };
  web.keepAliveTimeout = 65_000;
  // OTLP exporters keep connections open; headers must arrive promptly, and a whole export (8 MiB at most) within
  // 30 s: a body sent a byte a second holds its connection no longer than that. Node checks those deadlines every
  // connectionsCheckingInterval (30 s by default: an audit's slow bodies got their 408 after 30–57 s)
  const otlp = createServer({ connectionsCheckingInterval: 2_000 }, receiver.handle);
  otlp.keepAliveTimeout = 65_000;
  otlp.headersTimeout = 30_000;
  otlp.requestTimeout = 30_000;
  otlp.maxConnections = maxConnections;
  otlp.on('drop', () => stats.droppedConnections++);

  // the tick's timer (set once started) and the one way to stop: after a start that failed too, which writes nothing
  // (the data file keeps what it had, the saved states included)
  let started = false;
  let timer: NodeJS.Timeout | undefined;
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closed ??= (async () => {
      clearTimeout(timer);
      prometheus?.stop();
      receiver.close();
      receiver.drainNow();
      for (const m of modules) {
        try {
          await m.close?.();
        } catch (err) {
          console.error('perf: module close failed:', err);
        }
      }
      live.close();
      monitor.close();
      const stopped = Promise.all([stop(web), stop(otlp)]);
      if (persistence !== undefined) {
        if (started) {
          // settle everything still open so the last seconds are kept, then write and close
          store.tick(Date.now() + store.options.settleSeconds * 1000);
          persistence.flush();
          try {
            // the nodes' series states, so the next start counts what they serve meanwhile
            persistence.saveStates(store);
          } catch (err) {
            console.error(`perf: the series states could not be saved (${(err as Error).message}); after the restart each cumulative series starts over from a baseline`);
          }
        }
        persistence.close();
      }
      await nextApp?.close?.();
      await stopped;
    })());

  const host = options.host;
  try {
    await listen(web, options.port ?? 3000, host, 'PORT');
    uiPort = (web.address() as AddressInfo).port;
    await listen(otlp, options.otlpPort ?? 4318, host, 'PERF_OTLP_PORT');
    otlpPort = (otlp.address() as AddressInfo).port;
  } catch (err) {
    // not started (a port in use): let go of what was opened (the data file's lock with it), so a retry can start
    await close();
    throw err;
  }
  // started: the saved states are in memory now, and must not be restored again after a crash
  started = true;
  persistence?.dropSavedStates();

  // the tick: a few ms after each second boundary, so that second's data is complete in snapshots
  let ticks = 0;
  const flushEvery = Math.max(1, Math.round((options.flushIntervalMs ?? 2000) / 1000));
  const tick = () => {
    const now = Date.now();
    try {
      store.tick(now);
      live.publish(now);
      for (const fn of tickFns) {
        try {
          fn(now);
        } catch (err) {
          console.error('perf: tick handler failed:', err);
        }
      }
      ticks++;
      if (persistence !== undefined && ticks % flushEvery === 0) persistence.flush(now);
      if (persistence !== undefined && ticks % 60 === 0) persistence.prune(store, now);
    } catch (err) {
      console.error('perf: tick failed:', err);
    }
    timer = setTimeout(tick, 1000 - (Date.now() % 1000) + 20);
  };
  timer = setTimeout(tick, 1000 - (Date.now() % 1000) + 20);

  const port = (web.address() as AddressInfo).port;
  return {
    port,
    otlpPort,
    url: `http://127.0.0.1:${port}`,
    otlpUrl: `http://127.0.0.1:${otlpPort}`,
    store,
    view,
    router,
    live,
    stats,
    persistence,
    close,
  };
}

/** Listens; a port in use is said as such, with the variable that moves it (`setting`). */
function listen(server: Server, port: number, host: string | undefined, setting: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const failed = (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') {
        err.message = `port ${port} (${setting}) is in use: another program listens there, or a dashboard that is still stopping (it saves its data first); stop it, or set ${setting} to another port (${err.message})`;
      }
      reject(err);
    };
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      resolve();
    });
  });
}

function stop(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeIdleConnections();
    setTimeout(() => server.closeAllConnections(), 2000).unref();
  });
}
