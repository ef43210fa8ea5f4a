import { StoreHistogram } from '../store/histogram.js';
import { COARSE, NodeField, type NodeFieldName, type NodeState } from '../store/node.js';
import type { FleetStore, RouteState, ServiceState } from '../store/FleetStore.js';
import type { Fleet, Heatmap, LatencyQuantiles, NodeRow, RouteRow, Series, SeriesBy, SeriesLine, SeriesMetric, ServiceInfo } from '../api/types.js';
import { forEachSlot, rangeFor, slotSpan, type Range } from './window.js';
import { catchUpAdjustment } from '../store/catch-up.js';
import { hull, knownParts, overlap, unknownSpan, type Span } from './unknown.js';

/** What every read of the fleet takes: an optional service filter and a window in seconds. */
export interface Scope {
  service?: string;
  /** seconds; default 60 */
  window?: number;
  /** Unix ms the window ends at (default: now) */
  now?: number;
}

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

export interface HeatmapQuery extends Scope {
  step?: number;
  route?: string;
  method?: string;
  instance?: string;
}

/** Per-second rows of one node, for rules that look at shapes over time (the finder, alerts). */
export interface NodeSeconds {
  instance: string;
  service: string;
  host: string;
  up: boolean;
  /** second starts (Unix ms) */
  times: number[];
  /** field → value per second (null when the node sent nothing for it) */
  values: Record<NodeFieldName, (number | null)[]>;
}

/** Per-second fleet-level numbers of one route. */
export interface RouteSeconds {
  service: string;
  method: string;
  route: string;
  times: number[];
  requests: number[];
  errors: number[];
  p50: (number | null)[];
  p99: (number | null)[];
}

export const SERIES_METRICS: readonly SeriesMetric[] = [
  'rps',
  'errorRate',
  'latency.p50',
  'latency.p90',
  'latency.p99',
  'latency.p999',
  'eventLoopDelay.p99',
  'eventLoopDelay.max',
  'elu',
  'cpu',
  'heapUsed',
  'rss',
  'gcShare',
  'handles',
  'fds',
  'listenQueue',
  'cpuThrottled',
  'runDelay',
];

/** the metrics a route has (what `by=route` can split): the rest are measured per node or per service */
export const ROUTE_METRICS: readonly SeriesMetric[] = ['rps', 'errorRate', 'latency.p50', 'latency.p90', 'latency.p99', 'latency.p999'];

const QUANTILE: Record<string, number> = { 'latency.p50': 0.5, 'latency.p90': 0.9, 'latency.p99': 0.99, 'latency.p999': 0.999 };
/**
 * Event-loop percentiles and the max: an estimate from a histogram's bucket never shown above the exact max the
 * agents measured (the fleet tiles read p99 314 ms beside max 204 ms)
 */
function atMost(p: { p50: number | null; p99: number | null }, max: number | null): { p50: number | null; p99: number | null; max: number | null } {
  const cap = (v: number | null) => (v !== null && max !== null ? Math.min(v, max) : v);
  return { p50: cap(p.p50), p99: cap(p.p99), max };
}

/** each latency percentile's per-second field of a node (the step's value is the highest of its seconds) */
const NODE_PERCENTILE: Record<string, number> = { 'latency.p50': NodeField.p50, 'latency.p90': NodeField.p90, 'latency.p99': NodeField.p99, 'latency.p999': NodeField.p999 };
/** node gauges and the field holding each */
const GAUGE_FIELD: Partial<Record<SeriesMetric, number>> = {
  elu: NodeField.elu,
  cpu: NodeField.cpu,
  heapUsed: NodeField.heapUsed,
  rss: NodeField.rss,
  handles: NodeField.handles,
  fds: NodeField.fds,
  listenQueue: NodeField.listenQueue,
};

function q(h: StoreHistogram, quantile: number): number | null {
  const v = h.quantile(quantile);
  return Number.isFinite(v) ? v : null;
}

function quantiles(h: StoreHistogram): LatencyQuantiles {
  return { p50: q(h, 0.5), p90: q(h, 0.9), p99: q(h, 0.99), p999: q(h, 0.999) };
}

/** most points in one /series answer (lines × steps): ≈ 5 MB of JSON */
export const SERIES_MAX_POINTS = 200_000;

/** an agent's longest back-off between export attempts (GuardedExporter: 30 s, plus up to 20% jitter) */
export const RESTART_GRACE_MS = 36_000;

/**
 * The read interface over the store, shared by the REST API, the SSE stream, the finder and the alerts
 * engine. Fleet and route percentiles come from merged histograms; node rows from each node's own data.
 * Every method is synchronous and bounded by (nodes + routes) × slots in the window.
 */
/** The `limit` lines with the largest sums of points, kept as they are built (never more than `limit` + 1 at once). */
class TopLines {
  private readonly lines: { line: SeriesLine; sum: number }[] = [];
  private seen = 0;
  /** lines left out before being built (ranked on another measure first) */
  skipped = 0;
  constructor(readonly limit: number) {}

  add(line: SeriesLine): void {
    this.seen++;
    let sum = 0;
    for (const p of line.points) sum += p[1] ?? 0;
    if (this.lines.length < this.limit) {
      this.lines.push({ line, sum });
      return;
    }
    let min = 0;
    for (let i = 1; i < this.lines.length; i++) if (this.lines[i].sum < this.lines[min].sum) min = i;
    if (sum > this.lines[min].sum) this.lines[min] = { line, sum };
  }

  /** The lines kept (largest first when some were left out), and how many were left out. */
  result(): { series: SeriesLine[]; truncated: number } {
    const truncated = this.skipped + this.seen - this.lines.length;
    if (truncated > 0) this.lines.sort((x, y) => y.sum - x.sum);
    return { series: this.lines.map((l) => l.line), truncated };
  }
}

export class FleetView {
  constructor(readonly store: FleetStore) {}

  /** Services in scope (all, or the one named; none when it is unknown). */
  private servicesOf(service: string | undefined): ServiceState[] {
    if (service === undefined || service === '') return [...this.store.services.values()];
    const s = this.store.services.get(service);
    return s === undefined ? [] : [s];
  }

  /** The store's source cannot be read now (see FleetStore.sourceTrouble). */
  sourceTrouble(): { source: string; error: string; since: number } | undefined {
    return this.store.sourceTrouble;
  }

  /**
   * How long a node may be silent and still be up: 10 s, or 2.5 of its own export intervals when it exports less
   * often (an OpenTelemetry SDK at its default 60 s looked down 50 s of every 60: outside audit).
   */
  downAfterMs(node: NodeState): number {
    // plus how far ingest is behind: its export may be waiting in the queue
    return Math.max(this.store.options.nodeDownAfterMs, 2.5 * node.exportIntervalMs, this.restartGraceMs(node)) + this.store.ingestLag();
  }

  /**
   * How long this process has not heard from the node: since its last export, or since the store opened if that is
   * later (the dashboard's own downtime is not the node's silence: its agents are still backing off).
   */
  silenceMs(node: NodeState, now = Date.now(), downAfterMs?: number): number {
    return now - Math.max(node.lastSeen, this.downAtStop(node, downAfterMs) ? 0 : this.store.openedAt);
  }

  /**
   * The silence a node not yet heard from since this process opened may keep without being down: its agent backs off
   * after the exports the dashboard's own downtime failed (up to 30 s, ±20%) and comes back on its next attempt
   * (after a restart of the dashboard its live nodes read down for 10 s: outside UI audit). 0 once heard from, and for
   * a node already down when the dashboard stopped (silent longer than `downAfterMs`, by default its own limit).
   */
  restartGraceMs(node: NodeState, downAfterMs?: number): number {
    return node.lastSeen < this.store.openedAt && !this.downAtStop(node, downAfterMs) ? RESTART_GRACE_MS : 0;
  }

  /**
   * Whether the node was already down when this dashboard's previous run stopped (silent longer than it may be by the
   * last export that run heard, or the last second it wrote): its silence goes on across the restart, with no grace.
   * An outside audit's dead node read up for 36 s after a restart, so its firing nodeDown alert sent a resolved, then
   * a new firing.
   */
  private downAtStop(node: NodeState, downAfterMs = Math.max(this.store.options.nodeDownAfterMs, 2.5 * node.exportIntervalMs)): boolean {
    if (node.lastSeen >= this.store.openedAt) return false;
    // (no downtime at all when the restart took under a second)
    const stop = Math.max((this.store.downtime?.from ?? 0) * 1000, this.store.lastHeardBeforeStop);
    return stop > 0 && stop - node.lastSeen > downAfterMs;
  }

  /** Whether the seconds a…b all lie in one of the store's downtimes (the dashboard was not running: FleetStore.downtimes). */
  private down(a: number, b: number): boolean {
    for (const d of this.store.downtimes) if (a >= d.from && b <= d.to) return true;
    return false;
  }

  /** The seconds the node's requests are unknown in at `now` (ms), after the dashboard's own downtime (see unknown.ts). */
  private nodeUnknown(node: NodeState, now: number): Span | undefined {
    if (node.unknownFrom === undefined) return undefined;
    return unknownSpan(node, Math.floor((this.store.openedAt + RESTART_GRACE_MS) / 1000), this.isDown(node, now));
  }

  /** The seconds some node of the services is unknown in at `now`: a sum over their nodes is partial there. */
  private scopeUnknown(services: Iterable<ServiceState>, now: number): Span | undefined {
    let span: Span | undefined;
    for (const s of services) for (const n of s.nodes.values()) if (n.unknownFrom !== undefined) span = hull(span, this.nodeUnknown(n, now));
    return span;
  }

  /**
   * The parts of the seconds a…b to read a sum or rate of a subject unknown in `span` over: at a coarse tier, whose
   * slots hold whole steps, none when they overlap it.
   */
  private readable(span: Span | undefined, a: number, b: number, tier: number): Span[] {
    if (overlap(span, a, b) === 0) return [[a, b]];
    return tier === 0 ? knownParts(a, b, span) : [];
  }

  /**
   * The requests and errors `acc` holds for the routes over the range from `since` on, less those of the seconds in
   * `unknown` (a partial sum there: finest tier only, a coarser one's slots are not split), and the seconds left: what
   * a rate over the window is over (0: none is known).
   */
  private known(routes: Iterable<RouteState>, range: Range, since: number, unknown: Span | undefined, acc: { requests: number; errors: number }): { requests: number; errors: number; seconds: number } {
    const first = Math.max(range.from, since);
    const n = range.tier === 0 ? overlap(unknown, first, range.to) : 0;
    if (n === 0) return { requests: acc.requests, errors: acc.errors, seconds: this.covered(range, since) };
    const part = { requests: 0, errors: 0 };
    for (const r of routes) this.accRoute(r, range, Math.max(first, unknown![0]), Math.min(range.to, unknown![1]), part, undefined);
    return { requests: acc.requests - part.requests, errors: acc.errors - part.errors, seconds: range.to - first + 1 - n };
  }

  /** Heard from within downAfterMs (since the store opened, at the earliest) and not stopped (see NodeState.stoppedAt). */
  isUp(node: NodeState, now = Date.now()): boolean {
    return node.stoppedAt === undefined && this.silenceMs(node, now) <= this.downAfterMs(node);
  }

  /** Silent past downAfterMs without having said it stops: a node that died or cannot reach the dashboard. */
  isDown(node: NodeState, now = Date.now()): boolean {
    return node.stoppedAt === undefined && this.silenceMs(node, now) > this.downAfterMs(node);
  }

  /** Every node in scope. */
  nodeStates(service?: string): NodeState[] {
    const out: NodeState[] = [];
    for (const s of this.servicesOf(service)) for (const n of s.nodes.values()) out.push(n);
    return out;
  }

  /**
   * Every route series in scope; with `since` (Unix s), only those holding data from then on (the rest have nothing in a
   * read starting there: the live stream's reads, every second, skip the routes the coarse tiers keep for a week).
   */
  routeStates(service?: string, since = -Infinity): RouteState[] {
    const out: RouteState[] = [];
    for (const s of this.servicesOf(service)) {
      if (since > -Infinity && since >= this.store.recentFrom) {
        // all of them are among the recent ones; in the routes' own order, as a walk of every route gives them
        const mine: RouteState[] = [];
        for (const r of s.recentRoutes) if (r.lastData >= since) mine.push(r);
        mine.sort((a, b) => a.seq - b.seq);
        for (const r of mine) out.push(r);
      } else for (const r of s.routes.values()) if (r.lastData >= since) out.push(r);
    }
    return out;
  }

  /** The first second a read of `range` reads from (a coarse slot it reads starts before range.from). */
  private readsFrom(range: Range): number {
    return slotSpan(this.store, range.tier, range.from, range.to)[0];
  }

  /** Adds a route's requests of range [from, to] into acc (and hist). */
  private accRoute(r: RouteState, range: Range, from: number, to: number, acc: { requests: number; errors: number }, hist: StoreHistogram | undefined): void {
    forEachSlot(this.store, range.tier, from, to, (k, slot) => {
      const s = r.tiers[k].get(slot);
      if (s === undefined) return;
      acc.requests += s.requests;
      acc.errors += s.errors;
      if (hist !== undefined) hist.merge(s.hist);
    });
    // requests that caught up on an interruption count over the seconds they were served in (catch-up.ts)
    if (r.catchUps !== undefined) catchUpAdjustment(r.catchUps, ...slotSpan(this.store, range.tier, from, to), acc, range.to);
  }

  /** The merged latency histogram of the scope (optionally one route or one node), over the window. */
  latencyHistogram(scope: Scope & { route?: string; method?: string }): StoreHistogram {
    const now = scope.now ?? Date.now();
    const range = rangeFor(this.store, now, scope.window ?? 60);
    const h = new StoreHistogram(this.store.options.fleetScale, 2048, 0);
    const acc = { requests: 0, errors: 0 };
    for (const r of this.routeStates(scope.service, this.readsFrom(range))) {
      if (scope.route !== undefined && r.route !== scope.route) continue;
      if (scope.method !== undefined && r.method !== scope.method) continue;
      this.accRoute(r, range, range.from, range.to, acc, h);
    }
    return h;
  }

  /** The merged fleet event-loop delay histogram over the window. */
  eventLoopHistogram(scope: Scope): StoreHistogram {
    const now = scope.now ?? Date.now();
    const range = rangeFor(this.store, now, scope.window ?? 60);
    const h = new StoreHistogram(this.store.options.fleetScale, 2048, 0);
    for (const s of this.servicesOf(scope.service)) {
      forEachSlot(this.store, range.tier, range.from, range.to, (k, slot) => {
        const e = s.el[k].get(slot);
        if (e !== undefined) h.merge(e);
      });
    }
    return h;
  }

  /**
   * Seconds of `range` from `since` (the store's first data, or a node's first sight) on: a rate over a window that
   * reaches back before any data (a fresh dashboard asked for `window=7d`) is over the part that has data, as
   * Prometheus' rate() is over its samples' span, not diluted by the empty rest.
   */
  private covered(range: Range, since = this.store.dataSince): number {
    return Math.max(1, range.to - Math.max(range.from, since) + 1);
  }

  /**
   * Where a service's rates start: its first data in the store (so /fleet?service= and its nodes' rates agree for a
   * service younger than the window: an outside audit read 4 req/s for the service, 29 for its only node).
   */
  private serviceSince(service: string | undefined): number {
    if (service === undefined) {
      // the whole fleet: from the first data of any service (a dashboard that waited 30 s for its first export read
      // 250 req/s for a one-service fleet whose service and only node read 1,000; contract audit)
      let first = Infinity;
      for (const svc of this.store.services.values()) if (svc.dataSince < first) first = svc.dataSince;
      return Number.isFinite(first) ? Math.max(this.store.dataSince, first) : this.store.dataSince;
    }
    const s = this.store.services.get(service);
    return s !== undefined && Number.isFinite(s.dataSince) ? Math.max(this.store.dataSince, s.dataSince) : this.store.dataSince;
  }

  fleet(scope: Scope = {}): Fleet {
    const now = scope.now ?? Date.now();
    const window = scope.window ?? 60;
    const range = rangeFor(this.store, now, window);
    const since = this.serviceSince(scope.service);
    const h = new StoreHistogram(this.store.options.fleetScale, 2048, 0);
    const acc = { requests: 0, errors: 0 };
    // explicit-bucket input bounds the percentiles' error by its bucket widths, not by the store's scale
    let spreadError = 0;
    const routes = this.routeStates(scope.service, this.readsFrom(range));
    for (const r of routes) {
      this.accRoute(r, range, range.from, range.to, acc, h);
      if (r.spreadErrorAt >= range.from && r.spreadError > spreadError) spreadError = r.spreadError;
    }
    // the rate is over the seconds every node is known in (after a crash of the dashboard, some are not for a while)
    const known = this.known(routes, range, since, this.scopeUnknown(this.servicesOf(scope.service), now), acc);
    const el = this.eventLoopHistogram({ ...scope, now });
    let up = 0;
    let down = 0;
    let stopped = 0;
    let elu = 0;
    let eluN = 0;
    let cpu = 0;
    let cpuN = 0;
    let folded = 0;
    // the nodes' exact maxima where they sent them (the merged histogram's max is a bucket bound for explicit buckets)
    let elMax: number | null = null;
    for (const s of this.servicesOf(scope.service)) {
      folded += s.foldedSeries;
      for (const n of s.nodes.values()) {
        const m = this.nodeMax(n, NodeField.elMax, range);
        if (m !== null && (elMax === null || m > elMax)) elMax = m;
        if (!this.isUp(n, now)) {
          if (n.stoppedAt !== undefined) stopped++;
          else down++;
          continue;
        }
        up++;
        const e = this.nodeMean(n, NodeField.elu, range);
        if (e !== null) {
          elu += e;
          eluN++;
        }
        const c = this.nodeMean(n, NodeField.cpu, range);
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
          : { p50: this.worstNode(this.servicesOf(scope.service), NodeField.elP50, range), p99: this.worstNode(this.servicesOf(scope.service), NodeField.elP99, range) },
        elMax ?? (el.count > 0 && Number.isFinite(el.max) ? el.max : null),
      ),
      nodes: up,
      service: scope.service || null,
      window: known.seconds,
      at: (range.to + 1) * 1000,
      requests: acc.requests,
      errors: acc.errors,
      nodesUp: up,
      nodesDown: down,
      nodesStopped: stopped,
      elu: eluN > 0 ? elu / eluN : null,
      cpu: cpuN > 0 ? cpu / cpuN : null,
      relativeError: h.count > 0 ? Math.max(h.relativeError, spreadError) : null,
      foldedSeries: folded,
    };
  }

  /** The largest of a node field over the range across the services' nodes; null when none has it. */
  private worstNode(services: ServiceState[], field: number, range: Range): number | null {
    let worst: number | null = null;
    for (const s of services) {
      for (const n of s.nodes.values()) {
        const v = this.nodeMax(n, field, range);
        if (v !== null && (worst === null || v > worst)) worst = v;
      }
    }
    return worst;
  }

  /** Mean of a node field over the range (NaN rows skipped); null when none. */
  private nodeMean(n: NodeState, field: number, range: Range): number | null {
    let sum = 0;
    let cnt = 0;
    forEachSlot(this.store, range.tier, range.from, range.to, (k, slot) => {
      const v = n.tiers[k].get(slot, field);
      if (!Number.isNaN(v)) {
        sum += v;
        cnt++;
      }
    });
    return cnt > 0 ? sum / cnt : null;
  }

  private nodeSum(n: NodeState, field: number, range: Range, until = range.to): number {
    return this.nodeTotal(n, field, range, until) ?? 0;
  }

  /** The sum over the range, or null when no slot holds the field (the node does not report it). */
  private nodeTotal(n: NodeState, field: number, range: Range, until = range.to): number | null {
    let sum = 0;
    let seen = false;
    forEachSlot(this.store, range.tier, range.from, range.to, (k, slot) => {
      const v = n.tiers[k].get(slot, field);
      if (!Number.isNaN(v)) {
        sum += v;
        seen = true;
      }
    });
    // requests that caught up on an interruption count over the seconds they were served in (catch-up.ts)
    if (n.catchUps !== undefined && (field === NodeField.requests || field === NodeField.errors)) {
      const acc = { requests: 0, errors: 0 };
      catchUpAdjustment(n.catchUps, ...slotSpan(this.store, range.tier, range.from, range.to), acc, until);
      const add = field === NodeField.requests ? acc.requests : acc.errors;
      if (add !== 0) {
        sum = Math.max(0, sum + add);
        seen = true;
      }
    }
    return seen ? sum : null;
  }

  private nodeMax(n: NodeState, field: number, range: Range): number | null {
    let m = -Infinity;
    forEachSlot(this.store, range.tier, range.from, range.to, (k, slot) => {
      const v = n.tiers[k].get(slot, field);
      if (v > m) m = v;
    });
    return m > -Infinity ? m : null;
  }

  /** The latest value of a gauge field at or before range.to (looking back at most the range, or 15 s when it is shorter). */
  private nodeLast(n: NodeState, field: number, range: Range): number | null {
    const ring = n.tiers[0];
    const stop = Math.min(range.from, range.to - 15);
    for (let t = range.to + 1; t >= stop; t--) {
      const v = ring.get(t, field);
      if (!Number.isNaN(v)) return v;
    }
    return null;
  }

  /** The node's merged latency and event-loop histograms over the range (10 s granularity, plus open seconds). */
  nodeHistograms(n: NodeState, range: Range): { lat: StoreHistogram; el: StoreHistogram } {
    const lat = new StoreHistogram(this.store.options.nodeScale, 512, 0);
    const el = new StoreHistogram(this.store.options.nodeScale, 512, 0);
    const tiers = this.store.options.tiers;
    const hstep = tiers.length > 1 ? tiers[1].step : tiers[0].step;
    const first = Math.floor(range.from / hstep);
    const last = Math.floor(range.to / hstep);
    for (let s = first; s <= last; s++) {
      const h = n.hists.get(s);
      if (h !== undefined) {
        lat.merge(h.lat);
        el.merge(h.el);
      }
    }
    // older data sits in 6-slot (60 s) histograms: those overlapping the range (their edges may reach past it)
    if (n.coarse.size > 0) {
      for (let c = Math.floor(first / COARSE); c <= Math.floor(last / COARSE); c++) {
        const h = n.coarse.get(c);
        if (h !== undefined) {
          lat.merge(h.lat);
          el.merge(h.el);
        }
      }
    }
    for (const [t, h] of n.open) {
      if (t >= range.from && t <= range.to) {
        lat.merge(h.lat);
        el.merge(h.el);
      }
    }
    return { lat, el };
  }

  nodeRow(n: NodeState, range: Range, now: number): NodeRow {
    const since = Math.max(this.store.dataSince, Math.floor(n.firstSeen / 1000));
    // over the seconds the node's requests are known in (after a crash of the dashboard, from its first counted delta)
    const seconds = this.covered(range, since) - overlap(this.nodeUnknown(n, now), Math.max(range.from, since), range.to);
    const requests = this.nodeSum(n, NodeField.requests, range);
    const errors = this.nodeSum(n, NodeField.errors, range);
    const { lat, el } = this.nodeHistograms(n, range);
    const gc = this.nodeSum(n, NodeField.gcTime, range);
    const elMax = this.nodeMax(n, NodeField.elMax, range) ?? (el.count > 0 && el.max > -Infinity ? el.max : null);
    const elP99 = el.count > 0 ? q(el, 0.99) : this.nodeMax(n, NodeField.elP99, range);
    return {
      instance: n.meta.instance,
      service: n.meta.service,
      host: n.meta.host,
      // NaN (null in JSON) when none is known yet
      rps: seconds > 0 ? requests / seconds : NaN,
      latency: { p50: q(lat, 0.5), p99: q(lat, 0.99) },
      // a histogram's estimate (its bucket's midpoint) can pass the exact max the agent measured: never shown above it
      eventLoopDelay: { p99: elP99 !== null && elMax !== null ? Math.min(elP99, elMax) : elP99 },
      elu: this.nodeMean(n, NodeField.elu, range),
      cpu: this.nodeMean(n, NodeField.cpu, range),
      heapUsed: this.nodeLast(n, NodeField.heapUsed, range),
      lastSeen: n.lastSeen,
      up: this.isUp(n, now),
      stopped: n.stoppedAt !== undefined,
      pid: n.meta.pid,
      errorRate: requests > 0 ? errors / requests : 0,
      eventLoopDelayMax: elMax,
      rss: this.nodeLast(n, NodeField.rss, range),
      heapLimit: this.nodeLast(n, NodeField.heapLimit, range),
      handles: this.nodeLast(n, NodeField.handles, range),
      fds: this.nodeLast(n, NodeField.fds, range),
      gcShare: seconds > 0 ? Math.min(gc / seconds, 1) : NaN,
      version: n.meta.version,
      firstSeen: n.firstSeen,
    };
  }

  nodes(scope: Scope = {}): NodeRow[] {
    const now = scope.now ?? Date.now();
    const range = rangeFor(this.store, now, scope.window ?? 60);
    const rows = this.nodeStates(scope.service).map((n) => this.nodeRow(n, range, now));
    const rate = (r: NodeRow) => (Number.isNaN(r.rps) ? -1 : r.rps);
    rows.sort((a, b) => rate(b) - rate(a) || a.instance.localeCompare(b.instance));
    return rows;
  }

  routes(scope: Scope = {}): RouteRow[] {
    const now = scope.now ?? Date.now();
    const range = rangeFor(this.store, now, scope.window ?? 60);
    const since = this.serviceSince(scope.service);
    const rows: RouteRow[] = [];
    let totalTime = 0;
    const sums: number[] = [];
    // a route's requests are a sum over its service's nodes: its rate is over the seconds they are all known in
    const unknown = new Map<string, Span | undefined>();
    for (const s of this.servicesOf(scope.service)) unknown.set(s.name, this.scopeUnknown([s], now));
    for (const r of this.routeStates(scope.service, this.readsFrom(range))) {
      const h = new StoreHistogram(this.store.options.fleetScale, 2048, 0);
      const acc = { requests: 0, errors: 0 };
      this.accRoute(r, range, range.from, range.to, acc, h);
      if (acc.requests === 0) continue;
      const known = this.known([r], range, since, unknown.get(r.service), acc);
      totalTime += h.sum;
      sums.push(h.sum);
      rows.push({
        route: r.route,
        method: r.method,
        rps: known.seconds > 0 ? known.requests / known.seconds : NaN,
        errorRate: acc.errors / acc.requests,
        latency: { p50: q(h, 0.5), p90: q(h, 0.9), p99: q(h, 0.99) },
        timeShare: 0,
        service: r.service,
        requests: acc.requests,
        errors: acc.errors,
        p999: q(h, 0.999),
        mean: h.count > 0 ? h.sum / h.count : null,
      });
    }
    rows.forEach((row, i) => (row.timeShare = totalTime > 0 ? sums[i] / totalTime : 0));
    rows.sort((a, b) => b.timeShare - a.timeShare || b.rps - a.rps);
    return rows;
  }

  services(now = Date.now()): ServiceInfo[] {
    const out: ServiceInfo[] = [];
    for (const s of this.store.services.values()) {
      let up = 0;
      let stopped = 0;
      for (const n of s.nodes.values()) {
        if (this.isUp(n, now)) up++;
        else if (n.stoppedAt !== undefined) stopped++;
      }
      out.push({
        name: s.name,
        nodesUp: up,
        nodesDown: s.nodes.size - up - stopped,
        nodesStopped: stopped,
        series: s.seriesKeys.size,
        seriesCap: this.store.options.maxSeriesPerService,
        instanceSeries: s.series,
        foldedSeries: s.foldedSeries,
        foldedPoints: s.foldedPoints,
        routes: s.routes.size,
        lastSeen: s.lastSeen,
      });
    }
    out.sort((a, b) => a.name.localeCompare(b.name));
    return out;
  }

  /** Chart series: one line per fleet / service / node / route, one point per step. */
  series(query: SeriesQuery): Series {
    const now = query.now ?? Date.now();
    const window = query.window ?? 300;
    const range = rangeFor(this.store, now, window, query.step);
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
      // the seconds each node's requests are unknown in (after a crash of the dashboard)
      const unknown = new Map<NodeState, Span>();
      const groups = new Map<string, { key: Record<string, string>; nodes: NodeState[] }>();
      for (const n of this.nodeStates(query.service)) {
        if (query.instance !== undefined && n.meta.instance !== query.instance) continue;
        const span = this.nodeUnknown(n, now);
        if (span !== undefined) unknown.set(n, span);
        const id = by === 'node' ? n.meta.service + '\0' + n.meta.instance : by === 'service' ? n.meta.service : '';
        const key: Record<string, string> =
          by === 'node' ? { instance: n.meta.instance, service: n.meta.service } : by === 'service' ? { service: n.meta.service } : {};
        let g = groups.get(id);
        if (g === undefined) groups.set(id, (g = { key, nodes: [] }));
        g.nodes.push(n);
      }
      for (const g of groups.values()) lines.add({ key: g.key, points: steps.map((t) => [t * 1000, this.nodeStep(g.nodes, metric, range, t, unknown)]) });
    } else if (metric === 'eventLoopDelay.p99' || metric === 'eventLoopDelay.max') {
      const groups = by === 'service' ? this.servicesOf(query.service).map((s) => [s]) : [this.servicesOf(query.service)];
      for (const g of groups) {
        const key: Record<string, string> = by === 'service' ? { service: g[0]?.name ?? '' } : {};
        lines.add({
          key,
          points: steps.map((t) => {
            const h = new StoreHistogram(this.store.options.fleetScale, 2048, 0);
            for (const s of g) {
              forEachSlot(this.store, range.tier, Math.max(t, range.from), Math.min(t + range.step - 1, range.to), (k, slot) => {
                const e = s.el[k].get(slot);
                if (e !== undefined) h.merge(e);
              });
            }
            if (h.count === 0) {
              // no histogram (nodes of instrumentation-runtime-node send percentiles as gauges): the worst node's
              const sub = { ...range, from: Math.max(t, range.from), to: Math.min(t + range.step - 1, range.to) };
              return [t * 1000, this.worstNode(g, metric === 'eventLoopDelay.max' ? NodeField.elMax : NodeField.elP99, sub)];
            }
            return [t * 1000, metric === 'eventLoopDelay.max' ? (Number.isFinite(h.max) ? h.max : null) : q(h, 0.99)];
          }),
        });
      }
    } else {
      const groups = new Map<string, { key: Record<string, string>; routes: RouteState[] }>();
      const readsFrom = this.readsFrom(range);
      // the fleet's one line needs only the routes with data in the range (a live chart asks for its last few steps every
      // second); lines by service or route are listed whether or not they have data, so those walk every route
      const wholeFleet = by === 'fleet' && query.route === undefined && query.method === undefined;
      for (const r of this.routeStates(query.service, wholeFleet ? readsFrom : -Infinity)) {
        if (query.route !== undefined && r.route !== query.route) continue;
        if (query.method !== undefined && r.method !== query.method) continue;
        const id = by === 'route' ? r.service + '\0' + r.method + ' ' + r.route : by === 'service' ? r.service : '';
        const key: Record<string, string> = by === 'route' ? { route: r.route, method: r.method, service: r.service } : by === 'service' ? { service: r.service } : {};
        let g = groups.get(id);
        if (g === undefined) groups.set(id, (g = { key, routes: [] }));
        g.routes.push(r);
      }
      if (groups.size === 0 && by === 'fleet') groups.set('', { key: {}, routes: [] });
      // a line's requests are a sum over its services' nodes: partial in the seconds one of them is unknown in
      const unknownOf = new Map<string, Span | undefined>();
      for (const s of this.servicesOf(query.service)) unknownOf.set(s.name, this.scopeUnknown([s], now));
      let built = [...groups.values()];
      if (built.length > lines.limit) {
        // ranked first on the whole range (a rate on its requests or errors, a percentile on the range's), only the
        // lines kept are built (by=route over 50,000 routes: 900 points each)
        const score = new Map<(typeof built)[number], number>();
        const h = metric in QUANTILE ? new StoreHistogram(this.store.options.fleetScale, 2048, 0) : undefined;
        for (const g of built) {
          const acc = { requests: 0, errors: 0 };
          h?.resetTo(this.store.options.fleetScale);
          for (const r of g.routes) if (r.lastData >= readsFrom) this.accRoute(r, range, range.from, range.to, acc, h);
          score.set(g, metric === 'rps' ? acc.requests : metric === 'errorRate' ? acc.errors : h !== undefined && h.count > 0 ? (q(h, QUANTILE[metric]) ?? -1) : -1);
        }
        built.sort((x, y) => score.get(y)! - score.get(x)!);
        lines.skipped = built.length - lines.limit;
        built = built.slice(0, lines.limit);
      }
      for (const g of built) {
        let unknown: Span | undefined;
        if (wholeFleet) {
          // over the services that have routes, as if every route were in the line
          for (const svc of this.servicesOf(query.service)) if (svc.routes.size > 0) unknown = hull(unknown, unknownOf.get(svc.name));
        } else for (const r of g.routes) unknown = hull(unknown, unknownOf.get(r.service));
        // the line's routes with data in the range: the others add nothing to any step (a live chart's few steps would
        // otherwise walk every route the coarse tiers keep)
        const reading = g.routes.filter((r) => r.lastData >= readsFrom);
        lines.add({
          key: g.key,
          points: steps.map((t) => {
            // a step the store's data starts within is a rate over the part with data (a 30 min step of a 7 d view
            // on a dashboard started 5 min ago read 109 req/s beside the tile's 685), and one before it is null, not
            // a rate of 0 (a chart must tell "not running yet" from "no traffic"); nodeStep does the same
            const a = Math.max(t, range.from, this.store.dataSince);
            const b = Math.min(t + range.step - 1, range.to);
            if (b < a) return [t * 1000, null];
            // a second some node is unknown in has no rate, not the rate of the others (see unknown.ts); percentiles
            // are of the requests counted, as with any node that does not report
            const parts = metric === 'rps' || metric === 'errorRate' ? this.readable(unknown, a, b, range.tier) : [[a, b] as const];
            if (parts.length === 0) return [t * 1000, null];
            const acc = { requests: 0, errors: 0 };
            const h = metric in QUANTILE ? new StoreHistogram(this.store.options.fleetScale, 2048, 0) : undefined;
            let seconds = 0;
            for (const [x, y] of parts) {
              for (const r of reading) this.accRoute(r, range, x, y, acc, h);
              seconds += y - x + 1;
            }
            // a step the dashboard was down for and nothing was spread back into: no rate, not a rate of 0
            if (acc.requests === 0 && this.down(a, b)) return [t * 1000, null];
            if (metric === 'rps') return [t * 1000, acc.requests / seconds];
            if (metric === 'errorRate') return [t * 1000, acc.requests > 0 ? acc.errors / acc.requests : null];
            return [t * 1000, h !== undefined && h.count > 0 ? q(h, QUANTILE[metric]) : null];
          }),
        });
      }
    }
    const { series, truncated } = lines.result();
    return { metric, by, step: range.step, series, window: range.to - range.from + 1, truncated, settledUntil: (this.store.settledUntil + 1) * 1000 };
  }

  /**
   * One step of a node-derived metric over a group of nodes (mean across nodes; rps adds up). Request rates are over
   * the seconds each node's requests are known in (`unknown`: see unknown.ts); a group's sum with one node unknown in
   * the step has none.
   */
  private nodeStep(nodes: NodeState[], metric: SeriesMetric, range: Range, t: number, unknown: ReadonlyMap<NodeState, Span>): number | null {
    const a = Math.max(t, range.from, this.store.dataSince);
    const b = Math.min(t + range.step - 1, range.to);
    if (b < a) return null;
    const sub: Range = { from: a, to: b, step: range.step, tier: range.tier };
    const seconds = b - a + 1;
    let sum = 0;
    let n = 0;
    for (const node of nodes) {
      let v: number | null;
      switch (metric) {
        case 'rps':
        case 'errorRate': {
          // before the node's first export, or after its last while it is down, it served nothing it could report: no
          // point, not 0 (its line drew 0 before it existed and while it was down: live verification)
          if (b * 1000 < node.firstSeen - 1000 || (a * 1000 > node.lastSeen && this.isDown(node, range.to * 1000 + 1000))) {
            v = null;
            break;
          }
          const parts = this.readable(unknown.get(node), a, b, range.tier);
          if (parts.length !== 1 || parts[0][0] !== a || parts[0][1] !== b) {
            if (nodes.length > 1 && metric === 'rps') return null;
            if (parts.length === 0) {
              v = null;
              break;
            }
          }
          let r = 0;
          let e = 0;
          let known = 0;
          for (const [x, y] of parts) {
            const part: Range = { from: x, to: y, step: range.step, tier: range.tier };
            r += this.nodeSum(node, NodeField.requests, part, range.to);
            if (metric === 'errorRate') e += this.nodeSum(node, NodeField.errors, part, range.to);
            known += y - x + 1;
          }
          if (metric === 'rps') v = r === 0 && this.down(a, b) ? null : r / known;
          else v = r > 0 ? e / r : null;
          break;
        }
        case 'gcShare':
          v = Math.min(1, this.nodeSum(node, NodeField.gcTime, sub) / seconds);
          break;
        case 'runDelay': {
          // seconds the event-loop thread waited for a CPU, per second (no line where it is not reported)
          const total = this.nodeTotal(node, NodeField.runDelay, sub);
          // a share of wall time is at most 1: an export delayed by a blocked loop carries several seconds' wait
          // into one second (the chart showed 140%); the diagnosis clamps each second the same way
          v = total === null ? null : Math.min(1, total / seconds);
          break;
        }
        case 'cpuThrottled': {
          // share of the cgroup's scheduling periods that were throttled (no line without a CPU quota)
          const periods = this.nodeSum(node, NodeField.cpuPeriods, sub);
          v = periods > 0 ? this.nodeSum(node, NodeField.cpuThrottledPeriods, sub) / periods : null;
          break;
        }
        case 'latency.p50':
        case 'latency.p90':
        case 'latency.p99':
        case 'latency.p999': {
          const field = NODE_PERCENTILE[metric];
          if (seconds >= 10 && range.tier === 0) {
            const h = this.nodeHistograms(node, sub).lat;
            v = h.count > 0 ? q(h, QUANTILE[metric]) : null;
          } else v = this.nodeMax(node, field, sub);
          break;
        }
        case 'eventLoopDelay.p99':
          v = this.nodeMax(node, NodeField.elP99, sub);
          break;
        case 'eventLoopDelay.max':
          v = this.nodeMax(node, NodeField.elMax, sub);
          break;
        default:
          v = this.nodeMean(node, GAUGE_FIELD[metric] ?? NodeField.elu, sub);
      }
      if (v !== null && Number.isFinite(v)) {
        sum += v;
        n++;
      }
    }
    // rps adds up across nodes; everything else is the mean per node
    if (n === 0) return null;
    return metric === 'rps' ? sum : sum / n;
  }

  /** Per-second rows of each node in scope over the window (at most the finest tier's retention). */
  nodeSeconds(scope: Scope & { instance?: string } = {}): NodeSeconds[] {
    const now = scope.now ?? Date.now();
    const window = Math.min(scope.window ?? 60, this.store.options.tiers[0].retention);
    const to = Math.floor(now / 1000) - 1;
    const from = to - window + 1;
    const names = Object.keys(NodeField) as NodeFieldName[];
    const out: NodeSeconds[] = [];
    for (const n of this.nodeStates(scope.service)) {
      if (scope.instance !== undefined && n.meta.instance !== scope.instance) continue;
      const times: number[] = [];
      const values = {} as Record<NodeFieldName, (number | null)[]>;
      for (const f of names) values[f] = [];
      for (let t = from; t <= to; t++) {
        times.push(t * 1000);
        for (const f of names) {
          const v = n.tiers[0].get(t, NodeField[f]);
          values[f].push(Number.isNaN(v) ? null : v);
        }
      }
      out.push({ instance: n.meta.instance, service: n.meta.service, host: n.meta.host, up: this.isUp(n, now), times, values });
    }
    return out;
  }

  /** Per-second fleet-level numbers of each route in scope over the window. */
  routeSeconds(scope: Scope = {}): RouteSeconds[] {
    const now = scope.now ?? Date.now();
    const window = Math.min(scope.window ?? 60, this.store.options.tiers[0].retention);
    const to = Math.floor(now / 1000) - 1;
    const from = to - window + 1;
    const out: RouteSeconds[] = [];
    for (const r of this.routeStates(scope.service)) {
      const row: RouteSeconds = { service: r.service, method: r.method, route: r.route, times: [], requests: [], errors: [], p50: [], p99: [] };
      for (let t = from; t <= to; t++) {
        const s = r.tiers[0].get(t);
        row.times.push(t * 1000);
        row.requests.push(s?.requests ?? 0);
        row.errors.push(s?.errors ?? 0);
        row.p50.push(s !== undefined ? q(s.hist, 0.5) : null);
        row.p99.push(s !== undefined ? q(s.hist, 0.99) : null);
      }
      out.push(row);
    }
    return out;
  }

  /** Request counts per latency bucket per step (log-spaced buckets, 4 per doubling), from merged histograms. */
  heatmap(query: HeatmapQuery = {}): Heatmap {
    const now = query.now ?? Date.now();
    const window = query.window ?? 300;
    const tiers = this.store.options.tiers;
    const hstep = tiers.length > 1 ? tiers[1].step : tiers[0].step;
    let step = query.step;
    if (query.instance !== undefined) step = Math.max(step ?? hstep, hstep);
    const range = rangeFor(this.store, now, query.instance !== undefined ? Math.min(window, tiers[0].retention) : window, step);
    const firstStep = Math.floor(range.from / range.step) * range.step;
    const stepHists: StoreHistogram[] = [];
    const times: number[] = [];
    // the routes with data in the range, looked up once (every route for every step: the overview's heatmap took
    // 0.4 s a call with 20,000 idle routes a flood had left, live verification)
    const routes =
      query.instance !== undefined
        ? []
        : this.routeStates(query.service, this.readsFrom(range)).filter((r) => (query.route === undefined || r.route === query.route) && (query.method === undefined || r.method === query.method));
    for (let t = firstStep; t <= range.to; t += range.step) {
      times.push(t * 1000);
      const h = new StoreHistogram(this.store.options.fleetScale, 2048, 0);
      const a = Math.max(t, range.from);
      const b = Math.min(t + range.step - 1, range.to);
      if (query.instance !== undefined) {
        for (const n of this.nodeStates(query.service)) {
          if (n.meta.instance === query.instance) h.merge(this.nodeHistograms(n, { from: a, to: b, step: range.step, tier: 0 }).lat);
        }
      } else {
        const acc = { requests: 0, errors: 0 };
        for (const r of routes) this.accRoute(r, range, a, b, acc, h);
      }
      stepHists.push(h);
    }
    // bucket edges at scale 2 (2^(1/4) apart) over the range that has data
    const SCALE = 2;
    let lo = Infinity;
    let hi = -Infinity;
    for (const h of stepHists) {
      h.forEachBucket((lower, upper) => {
        if (upper === 0) return;
        if (lower < lo) lo = lower;
        if (upper > hi) hi = upper;
      });
    }
    if (!(lo < hi)) return { step: range.step, window: range.to - range.from + 1, times, bounds: [], counts: times.map(() => []), maxCount: 0, p50: times.map(() => null), p99: times.map(() => null) };
    const idx = (v: number) => Math.floor(Math.log2(v) * 2 ** SCALE + 1e-9);
    const first = idx(lo);
    let last = Math.ceil(Math.log2(hi) * 2 ** SCALE - 1e-9);
    if (last - first > 160) last = first + 160;
    const bounds: number[] = [];
    for (let i = first; i <= last; i++) bounds.push(2 ** (i / 2 ** SCALE));
    let maxCount = 0;
    const counts = stepHists.map((h) => {
      const row = new Array<number>(bounds.length - 1).fill(0);
      h.forEachBucket((lower, upper, n) => {
        const mid = upper === 0 ? lo : Math.sqrt(lower * upper);
        const i = Math.min(Math.max(idx(mid) - first, 0), row.length - 1);
        row[i] += n;
      });
      for (const c of row) if (c > maxCount) maxCount = c;
      return row;
    });
    return {
      step: range.step,
      window: range.to - range.from + 1,
      times,
      bounds,
      counts,
      maxCount,
      p50: stepHists.map((h) => (h.count > 0 ? q(h, 0.5) : null)),
      p99: stepHists.map((h) => (h.count > 0 ? q(h, 0.99) : null)),
    };
  }
}
