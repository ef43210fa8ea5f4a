// Chart series (`/series`): one line per fleet / service / node / route, one point per step.
import { StoreHistogram } from '../store/histogram.js';
import { NodeField, type NodeState } from '../store/node.js';
import type { FleetStore, RouteState } from '../store/FleetStore.js';
import type { Series, SeriesBy, SeriesMetric } from '../api/types.js';
import { forEachSlot, rangeFor } from './window.js';
import { hull, type Span } from './unknown.js';
import { nodeStates, routeStates, servicesOf, type Scope } from './scope.js';
import { accRoute, readsFrom } from './route-reads.js';
import { inDowntime, nodeUnknown, readable, scopeUnknown } from './known-seconds.js';
import { worstNode } from './node-reads.js';
import { nodeStep } from './node-step.js';
import { GAUGE_FIELD } from './series-metrics.js';
import { TopLines } from './top-lines.js';
import { QUANTILE, q } from './quantiles.js';
import { runSync, type Sliced } from './sliced.js';

export interface SeriesQuery extends Scope {
  metric: SeriesMetric;
  by?: SeriesBy;
  /** seconds per point */
  step?: number;
  /** only this node / route (method optional) */
  instance?: string;
  route?: string;
  method?: string;
  /** most lines returned (largest by mean value first); default 50 */
  limit?: number;
}

/** most points in one /series answer (lines × steps): ≈ 5 MB of JSON */
export const SERIES_MAX_POINTS = 200_000;

/**
 * The nodes of each line of a node metric, and the seconds each node's requests are unknown in (after a crash of the
 * dashboard). Outside the generator, as routeGroups.
 */
function nodeGroups(store: FleetStore, query: SeriesQuery, by: SeriesBy, now: number) {
  const unknown = new Map<NodeState, Span>();
  const groups = new Map<string, { key: Record<string, string>; nodes: NodeState[] }>();
  for (const n of nodeStates(store, query.service)) {
    if (query.instance !== undefined && n.meta.instance !== query.instance) continue;
    const span = nodeUnknown(store, n, now);
    if (span !== undefined) unknown.set(n, span);
    const id = by === 'node' ? n.meta.service + '\0' + n.meta.instance : by === 'service' ? n.meta.service : '';
    const key: Record<string, string> = by === 'node' ? { instance: n.meta.instance, service: n.meta.service } : by === 'service' ? { service: n.meta.service } : {};
    let g = groups.get(id);
    if (g === undefined) groups.set(id, (g = { key, nodes: [] }));
    g.nodes.push(n);
  }
  return { unknown, groups };
}

/**
 * The routes of each line of a route metric (a fleet line even without any), those with data from `since` on (Unix s).
 * Outside the generator: V8 runs a generator's own loops unoptimised, and a flood leaves 50,000 routes to walk.
 */
function routeGroups(store: FleetStore, query: SeriesQuery, by: SeriesBy, since: number) {
  const groups = new Map<string, { key: Record<string, string>; routes: RouteState[] }>();
  for (const r of routeStates(store, query.service, since)) {
    if (query.route !== undefined && r.route !== query.route) continue;
    if (query.method !== undefined && r.method !== query.method) continue;
    const id = by === 'route' ? r.service + '\0' + r.method + ' ' + r.route : by === 'service' ? r.service : '';
    const key: Record<string, string> = by === 'route' ? { route: r.route, method: r.method, service: r.service } : by === 'service' ? { service: r.service } : {};
    let g = groups.get(id);
    if (g === undefined) groups.set(id, (g = { key, routes: [] }));
    g.routes.push(r);
  }
  if (groups.size === 0 && by === 'fleet') groups.set('', { key: {}, routes: [] });
  return groups;
}

/** Chart series: one line per fleet / service / node / route, one point per step. */
export function series(store: FleetStore, query: SeriesQuery): Series {
  return runSync(seriesSliced(store, query));
}

/** series() as a read that yields after each point (sliced.ts): what the API runs, in slices. */
export function* seriesSliced(store: FleetStore, query: SeriesQuery): Sliced<Series> {
  const now = query.now ?? Date.now();
  const window = query.window ?? 300;
  const range = rangeFor(store, now, window, query.step);
  const by: SeriesBy = query.by ?? 'fleet';
  const steps: number[] = [];
  // steps aligned to multiples of the step, the last one ending at range.to
  const firstStep = Math.floor(range.from / range.step) * range.step;
  for (let t = firstStep; t <= range.to; t += range.step) steps.push(t);
  // at most SERIES_MAX_POINTS points in all: a 15 min window at 1 s steps by node with limit=1000 was a 21.5 MB answer
  // (outside audit); fewer lines then, the largest kept, the rest counted in `truncated`. Kept while they are built:
  // building every line first took 460 MB for 5,000 routes, and one read ran a flooded dashboard out of memory
  const lines = new TopLines(Math.min(query.limit ?? 50, Math.max(1, Math.floor(SERIES_MAX_POINTS / Math.max(1, steps.length)))));
  const metric = query.metric;
  const nodeMetric = GAUGE_FIELD[metric] !== undefined || metric === 'gcShare' || metric === 'cpuThrottled' || metric === 'runDelay' || by === 'node';
  if (nodeMetric) {
    const { unknown, groups } = nodeGroups(store, query, by, now);
    // a node's point is cheap (a few of its rows): 32 at a time, in a plain function (V8 runs a generator's own loops
    // unoptimised: by=node over 1,000 nodes took 1.6× the time with this loop in the generator's body)
    const nodePoints = (nodes: NodeState[], i: number, end: number, out: [number, number | null][]) => {
      for (; i < end; i++) out.push([steps[i] * 1000, nodeStep(store, nodes, metric, range, steps[i], unknown)]);
    };
    for (const g of groups.values()) {
      const points: [number, number | null][] = [];
      for (let i = 0; i < steps.length; i += 32) {
        nodePoints(g.nodes, i, Math.min(i + 32, steps.length), points);
        yield;
      }
      lines.add({ key: g.key, points });
    }
  } else if (metric === 'eventLoopDelay.p99' || metric === 'eventLoopDelay.max') {
    const groups = by === 'service' ? servicesOf(store, query.service).map((s) => [s]) : [servicesOf(store, query.service)];
    const scratch = new StoreHistogram(store.options.fleetScale, 2048, 0);
    for (const g of groups) {
      const key: Record<string, string> = by === 'service' ? { service: g[0]?.name ?? '' } : {};
      const points: [number, number | null][] = [];
      for (const t of steps) {
        const a = Math.max(t, range.from);
        const b = Math.min(t + range.step - 1, range.to);
        const h = scratch.resetTo(store.options.fleetScale);
        for (const s of g) {
          forEachSlot(store, range.tier, a, b, (k, slot) => {
            const e = s.el[k].get(slot);
            if (e !== undefined) h.merge(e);
          });
        }
        if (h.count === 0) {
          // no histogram (nodes of instrumentation-runtime-node send percentiles as gauges): the worst node's
          points.push([t * 1000, worstNode(store, g, metric === 'eventLoopDelay.max' ? NodeField.elMax : NodeField.elP99, { ...range, from: a, to: b })]);
        } else points.push([t * 1000, metric === 'eventLoopDelay.max' ? (Number.isFinite(h.max) ? h.max : null) : q(h, 0.99)]);
        yield;
      }
      lines.add({ key, points });
    }
  } else {
    const readsFromSecond = readsFrom(store, range);
    // the fleet's one line needs only the routes with data in the range (a live chart asks for its last few steps every
    // second); lines by service or route are listed whether or not they have data, so those walk every route
    const wholeFleet = by === 'fleet' && query.route === undefined && query.method === undefined;
    const groups = routeGroups(store, query, by, wholeFleet ? readsFromSecond : -Infinity);
    // a line's requests are a sum over its services' nodes: partial in the seconds one of them is unknown in
    const unknownOf = new Map<string, Span | undefined>();
    for (const s of servicesOf(store, query.service)) unknownOf.set(s.name, scopeUnknown(store, [s], now));
    let built = [...groups.values()];
    if (built.length > lines.limit) {
      // ranked first on the whole range (a rate on its requests or errors, a percentile on the range's), only the
      // lines kept are built (by=route over 50,000 routes: 900 points each)
      const score = new Map<(typeof built)[number], number>();
      const h = metric in QUANTILE ? new StoreHistogram(store.options.fleetScale, 2048, 0) : undefined;
      for (const g of built) {
        const acc = { requests: 0, errors: 0, aborted: 0 };
        h?.resetTo(store.options.fleetScale);
        for (const r of g.routes) if (r.lastData >= readsFromSecond) accRoute(store, r, range, range.from, range.to, acc, h);
        score.set(g, metric === 'rps' ? acc.requests : metric === 'errorRate' ? acc.errors : metric === 'aborted' ? acc.aborted : h !== undefined && h.count > 0 ? (q(h, QUANTILE[metric]) ?? -1) : -1);
        yield;
      }
      built.sort((x, y) => score.get(y)! - score.get(x)!);
      lines.skipped = built.length - lines.limit;
      built = built.slice(0, lines.limit);
    }
    // one histogram for every step's merge (a step's percentile is read off it at once): a new one per step and line
    // grew its buckets again each time (by=route over 15 min: 3,600 of them)
    const scratch = metric in QUANTILE ? new StoreHistogram(store.options.fleetScale, 2048, 0) : undefined;
    for (const g of built) {
      let unknown: Span | undefined;
      if (wholeFleet) {
        // over the services that have routes, as if every route were in the line
        for (const svc of servicesOf(store, query.service)) if (svc.routes.size > 0) unknown = hull(unknown, unknownOf.get(svc.name));
      } else for (const r of g.routes) unknown = hull(unknown, unknownOf.get(r.service));
      // the line's routes with data in the range: the others add nothing to any step (a live chart's few steps would
      // otherwise walk every route the coarse tiers keep)
      const reading = g.routes.filter((r) => r.lastData >= readsFromSecond);
      const point = (t: number): [number, number | null] => {
        // a step the store's data starts within is a rate over the part with data (a 30 min step of a 7 d view
        // on a dashboard started 5 min ago read 109 req/s beside the tile's 685), and one before it is null, not
        // a rate of 0 (a chart must tell "not running yet" from "no traffic"); nodeStep does the same
        const a = Math.max(t, range.from, store.dataSince);
        const b = Math.min(t + range.step - 1, range.to);
        if (b < a) return [t * 1000, null];
        // a second some node is unknown in has no rate, not the rate of the others (see unknown.ts); percentiles
        // are of the requests counted, as with any node that does not report
        const parts = metric === 'rps' || metric === 'errorRate' || metric === 'aborted' ? readable(unknown, a, b, range.tier) : [[a, b] as const];
        if (parts.length === 0) return [t * 1000, null];
        const acc = { requests: 0, errors: 0, aborted: 0 };
        const h = scratch?.resetTo(store.options.fleetScale);
        let seconds = 0;
        for (const [x, y] of parts) {
          for (const r of reading) accRoute(store, r, range, x, y, acc, h);
          seconds += y - x + 1;
        }
        // a step the dashboard was down for and nothing was spread back into: no rate, not a rate of 0
        if (acc.requests === 0 && acc.aborted === 0 && inDowntime(store, a, b)) return [t * 1000, null];
        if (metric === 'rps') return [t * 1000, acc.requests / seconds];
        if (metric === 'aborted') return [t * 1000, acc.aborted / seconds];
        if (metric === 'errorRate') return [t * 1000, acc.requests > 0 ? acc.errors / acc.requests : null];
        return [t * 1000, h !== undefined && h.count > 0 ? q(h, QUANTILE[metric]) : null];
      };
      const points: [number, number | null][] = [];
      for (const t of steps) {
        points.push(point(t));
        yield;
      }
      lines.add({ key: g.key, points });
    }
  }
  const { series, truncated } = lines.result();
  return { metric, by, step: range.step, series, window: range.to - range.from + 1, truncated, settledUntil: (store.settledUntil + 1) * 1000 };
}
