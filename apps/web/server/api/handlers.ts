import type { FleetView } from '../query/FleetView.js';
import type { LiveStream } from '../live/stream.js';
import type { Status } from './types.js';
import { ApiHttpError, JsonReply, type ApiRouter } from './router.js';
import { byParam, durationParam, intParam, metricParam, stringParam } from './params.js';
import { clientAddress, LoginLimiter, SESSION_COOKIE, sessionValue, tokenMatches } from '../auth.js';
import { cpuProfiles, heapProfiles } from '../query/profiles.js';
import { ROUTE_METRICS } from '../query/FleetView.js';
import { runSliced } from '../query/sliced.js';

export interface ApiDeps {
  view: FleetView;
  live: LiveStream;
  status: () => Status;
  apiToken: string | undefined;
  /** PERF_TRUST_PROXY: count sign-ins by the address a reverse proxy forwards (X-Forwarded-For) */
  trustProxy?: boolean;
  /** wrong tokens per address, shared with the bearer-token check of every API request (one made when absent) */
  logins?: LoginLimiter;
}

/** Mounts the built-in `/api/v1` endpoints (fleet, nodes, routes, series, heatmap, services, status, stream, login). */
export function mountApi(router: ApiRouter, deps: ApiDeps): void {
  const { view, live } = deps;
  const maxWindow = Math.max(...view.store.options.tiers.map((t) => t.retention));
  const scope = (query: URLSearchParams, fallback = 60) => ({
    service: stringParam(query, 'service'),
    window: durationParam(query, 'window', fallback, maxWindow),
  });
  // endpoints that are not windowed (current state, last profiles) still refuse a bad window= as the others do
  const unwindowed = (query: URLSearchParams) => {
    durationParam(query, 'window', undefined, maxWindow);
    return stringParam(query, 'service');
  };

  // every windowed read runs in slices, the event loop free between them (ingest, the stream, the alerts go on); a read
  // whose asker has gone (the browser aborted it: the range changed) stops there and answers nothing
  router.get('/api/v1/fleet', ({ query, res }) => runSliced(view.fleetSliced(scope(query)), () => res.destroyed));
  router.get('/api/v1/nodes', ({ query, res }) => runSliced(view.nodesSliced({ ...scope(query), instance: stringParam(query, 'instance') }), () => res.destroyed));
  router.get('/api/v1/nodes/:instance', async ({ query, params, res }) => {
    const rows = await runSliced(view.nodesSliced({ ...scope(query), instance: params.instance }), () => res.destroyed);
    if (rows === undefined) return undefined;
    if (rows.length === 0) throw new ApiHttpError(404, 'PERF_API_UNKNOWN_NODE', `no node "${params.instance}" (nodes are dropped after the retention without data)`);
    return rows[0];
  });
  router.get('/api/v1/routes', ({ query, res }) => runSliced(view.routesSliced(scope(query)), () => res.destroyed));
  router.get('/api/v1/profiles', ({ query }) => cpuProfiles(view.store, { service: unwindowed(query), instance: stringParam(query, 'instance') }));
  router.get('/api/v1/heap-profiles', ({ query }) => heapProfiles(view.store, { service: unwindowed(query), instance: stringParam(query, 'instance') }));
  router.get('/api/v1/allocation-profiles', ({ query }) => heapProfiles(view.store, { service: unwindowed(query), instance: stringParam(query, 'instance') }, 'allocated'));
  router.get('/api/v1/series', ({ query, res }) => {
    const metric = metricParam(query);
    const by = byParam(query);
    // a node's gauges and the event loop have no route: one fleet line labelled by=route misled
    if (by === 'route' && !ROUTE_METRICS.includes(metric)) {
      throw new ApiHttpError(400, 'PERF_API_BAD_PARAM', `metric="${metric}" has no route (by=route splits ${ROUTE_METRICS.join(', ')}): use by=node, by=service or no by=`);
    }
    const read = view.seriesSliced({
      ...scope(query, 300),
      metric,
      by,
      step: durationParam(query, 'step', undefined, maxWindow),
      instance: stringParam(query, 'instance'),
      route: stringParam(query, 'route'),
      method: stringParam(query, 'method'),
      limit: intParam(query, 'limit', 50, 1, 1000),
    });
    return runSliced(read, () => res.destroyed);
  });
  router.get('/api/v1/heatmap', ({ query, res }) => {
    const read = view.heatmapSliced({
      ...scope(query, 300),
      step: durationParam(query, 'step', undefined, maxWindow),
      route: stringParam(query, 'route'),
      method: stringParam(query, 'method'),
      instance: stringParam(query, 'instance'),
    });
    return runSliced(read, () => res.destroyed);
  });
  router.get('/api/v1/services', ({ query }) => {
    const service = unwindowed(query);
    const all = view.services();
    return service === undefined ? all : all.filter((s) => s.name === service);
  });
  // the dashboard process itself: the same for every service
  router.get('/api/v1/status', ({ query }) => {
    unwindowed(query);
    return deps.status();
  });
  router.get('/api/v1/findings', ({ query }) => live.findings(unwindowed(query)));
  router.get('/api/v1/stream', ({ req, res, query }) => {
    if (live.handle(req, res, unwindowed(query))) return undefined;
    const message = `${live.maxClients} live streams are open (PERF_MAX_STREAMS): try again when one closes`;
    return new JsonReply(503, { error: { code: 'PERF_API_STREAMS_FULL', message } }, { 'retry-after': '5' });
  });
  const logins = deps.logins ?? new LoginLimiter();
  router.post('/api/v1/login', async (ctx) => {
    const address = clientAddress(ctx.req, deps.trustProxy);
    const wait = logins.retryAfterMs(address);
    if (wait > 0) {
      const seconds = Math.ceil(wait / 1000);
      return new JsonReply(429, { error: { code: 'PERF_API_LOGIN_LIMITED', message: `too many wrong tokens from this address: try again in ${seconds} s` } }, { 'retry-after': String(seconds) });
    }
    const body = (await ctx.json()) as { token?: unknown } | undefined;
    const token = body?.token;
    if (typeof token !== 'string' || token === '') throw new ApiHttpError(400, 'PERF_API_BAD_LOGIN', 'send { "token": "<PERF_API_TOKEN>" }');
    if (deps.apiToken !== undefined && !tokenMatches(token, deps.apiToken)) {
      logins.fail(address);
      throw new ApiHttpError(401, 'PERF_API_UNAUTHORIZED', 'wrong token');
    }
    const secure = ctx.req.headers['x-forwarded-proto'] === 'https' ? '; Secure' : '';
    // the cookie holds a value derived from the token, never the token itself
    return new JsonReply(200, { ok: true }, { 'set-cookie': `${SESSION_COOKIE}=${sessionValue(deps.apiToken ?? token)}; HttpOnly; SameSite=Strict; Path=/; Max-Age=2592000${secure}` });
  });
  router.post('/api/v1/logout', () => new JsonReply(200, { ok: true }, { 'set-cookie': `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0` }));
}
