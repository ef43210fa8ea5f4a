// The routes' rows (`/routes`): each route's rate, errors, percentiles and share of the time served, over a window.
import { StoreHistogram } from '../store/histogram.js';
import type { FleetStore } from '../store/FleetStore.js';
import type { RouteRow } from '../api/types.js';
import { rangeFor } from './window.js';
import type { Span } from './unknown.js';
import { routeStates, servicesOf, type Scope } from './scope.js';
import { accRoute, readsFrom } from './route-reads.js';
import { knownRequests, scopeUnknown, serviceSince } from './known-seconds.js';
import { q } from './quantiles.js';
import { runSync, type Sliced } from './sliced.js';

export function routes(store: FleetStore, scope: Scope = {}): RouteRow[] {
  return runSync(routesSliced(store, scope));
}

/** routes() as a read that yields after each route (sliced.ts): what the API runs, in slices. */
export function* routesSliced(store: FleetStore, scope: Scope = {}): Sliced<RouteRow[]> {
  const now = scope.now ?? Date.now();
  const range = rangeFor(store, now, scope.window ?? 60);
  const since = serviceSince(store, scope.service);
  const rows: RouteRow[] = [];
  let totalTime = 0;
  const sums: number[] = [];
  // a route's requests are a sum over its service's nodes: its rate is over the seconds they are all known in
  const unknown = new Map<string, Span | undefined>();
  for (const s of servicesOf(store, scope.service)) unknown.set(s.name, scopeUnknown(store, [s], now));
  for (const r of routeStates(store, scope.service, readsFrom(store, range))) {
    yield;
    const h = new StoreHistogram(store.options.fleetScale, 2048, 0);
    const acc = { requests: 0, errors: 0, aborted: 0 };
    accRoute(store, r, range, range.from, range.to, acc, h);
    // a route whose requests all hang until their clients give up finished none: it is listed for its aborted ones
    if (acc.requests === 0 && acc.aborted === 0) continue;
    const known = knownRequests(store, [r], range, since, unknown.get(r.service), acc);
    totalTime += h.sum;
    sums.push(h.sum);
    rows.push({
      route: r.route,
      method: r.method,
      rps: known.seconds > 0 ? known.requests / known.seconds : NaN,
      // of the requests that finished (0 when none did, as the fleet's with no requests)
      errorRate: acc.requests > 0 ? acc.errors / acc.requests : 0,
      latency: { p50: q(h, 0.5), p90: q(h, 0.9), p99: q(h, 0.99) },
      timeShare: 0,
      service: r.service,
      requests: acc.requests,
      errors: acc.errors,
      p999: q(h, 0.999),
      mean: h.count > 0 ? h.sum / h.count : null,
      aborted: acc.aborted,
    });
  }
  rows.forEach((row, i) => (row.timeShare = totalTime > 0 ? sums[i] / totalTime : 0));
  rows.sort((a, b) => b.timeShare - a.timeShare || b.rps - a.rps || b.aborted - a.aborted);
  return rows;
}
