// The fleet's summary (`/fleet`): its rates, percentiles and node counts over a window.
import { StoreHistogram } from '../store/histogram.js';
import { NodeField } from '../store/node.js';
import type { FleetStore } from '../store/FleetStore.js';
import type { Fleet } from '../api/types.js';
import { rangeFor } from './window.js';
import { routeStates, servicesOf, type Scope } from './scope.js';
import { isUp } from './liveness.js';
import { accRoute, readsFrom } from './route-reads.js';
import { knownRequests, scopeUnknown, serviceSince } from './known-seconds.js';
import { nodeLast, nodeMax, nodeMean, worstNode } from './node-reads.js';
import { eventLoopHistogram } from './scope-histograms.js';
import { q, quantiles } from './quantiles.js';
import { runSync, type Sliced } from './sliced.js';

/**
 * Event-loop percentiles and the max: an estimate from a histogram's bucket never shown above the exact max the
 * agents measured (the fleet tiles read p99 314 ms beside max 204 ms)
 */
function atMost(p: { p50: number | null; p99: number | null }, max: number | null): { p50: number | null; p99: number | null; max: number | null } {
  const cap = (v: number | null) => (v !== null && max !== null ? Math.min(v, max) : v);
  return { p50: cap(p.p50), p99: cap(p.p99), max };
}

export function fleet(store: FleetStore, scope: Scope = {}): Fleet {
  return runSync(fleetSliced(store, scope));
}

/** fleet() as a read that yields after each route and node (sliced.ts): what the API runs, in slices. */
export function* fleetSliced(store: FleetStore, scope: Scope = {}): Sliced<Fleet> {
  const now = scope.now ?? Date.now();
  const window = scope.window ?? 60;
  const range = rangeFor(store, now, window);
  const since = serviceSince(store, scope.service);
  const h = new StoreHistogram(store.options.fleetScale, 2048, 0);
  const acc = { requests: 0, errors: 0, aborted: 0 };
  // explicit-bucket input bounds the percentiles' error by its bucket widths, not by the store's scale
  let spreadError = 0;
  const routes = routeStates(store, scope.service, readsFrom(store, range));
  for (const r of routes) {
    accRoute(store, r, range, range.from, range.to, acc, h);
    if (r.spreadErrorAt >= range.from && r.spreadError > spreadError) spreadError = r.spreadError;
    yield;
  }
  // the rate is over the seconds every node is known in (after a crash of the dashboard, some are not for a while)
  const known = knownRequests(store, routes, range, since, scopeUnknown(store, servicesOf(store, scope.service), now), acc);
  const el = eventLoopHistogram(store, { ...scope, now });
  let up = 0;
  let down = 0;
  let stopped = 0;
  let elu = 0;
  let eluN = 0;
  let cpu = 0;
  let cpuN = 0;
  let folded = 0;
  let inFlight: number | null = null;
  // the nodes' exact maxima where they sent them (the merged histogram's max is a bucket bound for explicit buckets)
  let elMax: number | null = null;
  for (const s of servicesOf(store, scope.service)) {
    folded += s.foldedSeries;
    for (const n of s.nodes.values()) {
      yield;
      const m = nodeMax(store, n, NodeField.elMax, range);
      if (m !== null && (elMax === null || m > elMax)) elMax = m;
      if (!isUp(store, n, now)) {
        if (n.stoppedAt !== undefined) stopped++;
        else down++;
        continue;
      }
      up++;
      const e = nodeMean(store, n, NodeField.elu, range);
      if (e !== null) {
        elu += e;
        eluN++;
      }
      const f = nodeLast(n, NodeField.inFlight, range);
      if (f !== null) inFlight = (inFlight ?? 0) + f;
      const c = nodeMean(store, n, NodeField.cpu, range);
      if (c !== null) {
        cpu += c;
        cpuN++;
      }
    }
  }
  return {
    // NaN (null in JSON) when no second of the window is known yet
    rps: known.seconds > 0 ? known.requests / known.seconds : NaN,
    errorRate: known.requests > 0 ? known.errors / known.requests : known.seconds > 0 ? 0 : NaN,
    latency: quantiles(h),
    eventLoopDelay: atMost(
      // without a histogram (runtime-node's gauges, which do not merge), the worst node's percentiles
      el.count > 0
        ? { p50: q(el, 0.5), p99: q(el, 0.99) }
        : { p50: worstNode(store, servicesOf(store, scope.service), NodeField.elP50, range), p99: worstNode(store, servicesOf(store, scope.service), NodeField.elP99, range) },
      elMax ?? (el.count > 0 && Number.isFinite(el.max) ? el.max : null),
    ),
    nodes: up,
    service: scope.service || null,
    window: known.seconds,
    at: (range.to + 1) * 1000,
    requests: acc.requests,
    errors: acc.errors,
    aborted: acc.aborted,
    nodesUp: up,
    nodesDown: down,
    nodesStopped: stopped,
    elu: eluN > 0 ? elu / eluN : null,
    cpu: cpuN > 0 ? cpu / cpuN : null,
    relativeError: h.count > 0 ? Math.max(h.relativeError, spreadError) : null,
    foldedSeries: folded,
    inFlight,
  };
}
