// The alert rules' metric source over the dashboard's query layer (FleetView) and the live findings.
// Units are those of the public API: seconds, ratios, req/s, bytes.
//   fleet: one value (latency/event-loop percentiles from merged histograms; elu/cpu the mean of up nodes;
//          heapUsed the sum over up nodes; nodeDown the number of nodes silent longer than the window)
//   node:  one value per node, labels { instance, service } (down nodes only count for nodeDown: 1 when the
//          node has been silent longer than the rule's window, else 0)
//   route: one value per route, labels { route, method, service }
//   finding: 1 per live finding of the kind, or of any kind (fleet: the count; node: per listed node; route: per
//            listed route); without the findings that are another live finding's consequence when asked
// Reads within one evaluation share work: rows are computed once per (scope, service, window) and instant.
import { rangeFor } from '../../query/window.js';
import { RESTART_GRACE_MS, type FleetView } from '../../query/FleetView.js';
import type { Fleet, NodeRow, RouteRow } from '../../api/types.js';
import type { RouteState } from '../../store/FleetStore.js';
import type { MetricQuery, MetricSource, ScopedValue } from '../types.js';

/** The part of a diagnosis finding the alert engine needs. */
export interface FindingLike {
  kind: string;
  service?: string;
  /** the finding's sentence (for the alert's description) */
  summary?: string;
  nodes: readonly string[];
  routes: readonly string[];
  /** ids of the live findings that likely cause this one (none: a root cause) */
  causedBy?: readonly string[];
  /** Unix ms since when the finding holds (a root-causes-only rule waits ROOT_CAUSE_HOLD_MS from there) */
  since?: number;
  /** stable identity while the finding holds */
  id?: string;
  /** the profiles that name its code, once one joined it (only their presence matters here) */
  hotCode?: unknown;
  heapProfile?: unknown;
  allocations?: unknown;
}

const nn = (v: number | null | undefined): number => (v === null || v === undefined ? NaN : v);

export class FleetViewSource implements MetricSource {
  private cacheAt = NaN;
  private readonly cache = new Map<string, unknown>();
  /** per service (or all: "\u0000"), its routes at 0 req/s (quietRoutes) */
  private readonly quiet = new Map<string, { at: number; version: number; entries: { route: RouteState; value: ScopedValue }[] }>();

  /** a node not heard from since the dashboard started is judged (up, or down) this long after it at the latest */
  readonly restartGraceMs = RESTART_GRACE_MS;

  constructor(
    private readonly view: FleetView,
    private readonly findings: () => readonly FindingLike[] = () => [],
  ) {}

  private memo<T>(key: string, now: number, make: () => T): T {
    if (now !== this.cacheAt) {
      this.cache.clear();
      this.cacheAt = now;
    }
    let v = this.cache.get(key) as T | undefined;
    if (v === undefined) this.cache.set(key, (v = make()));
    return v;
  }

  read(q: MetricQuery, now: number): ScopedValue[] {
    const window = Math.max(1, Math.round(q.windowMs / 1000));
    const svc = q.service;
    if (q.metric === 'finding') return this.readFindings(q, now);
    if (q.metric === 'nodeDown') return this.readNodeDown(q, now);
    switch (q.scope) {
      case 'fleet': {
        const f = this.memo(`f|${svc ?? ''}|${window}`, now, () => this.view.fleet({ service: svc, window, now }));
        return [{ labels: {}, value: this.fleetValue(f, q, now, window) }];
      }
      case 'node': {
        const rows = this.memo(`n|${svc ?? ''}|${window}`, now, () => this.view.nodes({ service: svc, window, now }));
        const out: ScopedValue[] = [];
        for (const r of rows) {
          // a node that went silent serves nothing: an rps floor sees 0 there (a stopped one is gone on purpose)
          if (!r.up && !(q.metric === 'rps' && !r.stopped)) continue;
          out.push({ labels: { instance: r.instance, service: r.service }, value: this.nodeValue(r, q, now, window), key: `n\u0000${r.service}\u0000${r.instance}` });
        }
        return out;
      }
      case 'route': {
        const rows = this.memo(`r|${svc ?? ''}|${window}`, now, () => this.view.routes({ service: svc, window, now }));
        const out: ScopedValue[] = rows.map((r) => routeScoped(r, routeValue(r, q, window)));
        if (q.metric === 'rps') {
          // a route with no request in the window has no row, yet its rate is 0: an rps floor must see it (routes
          // that served within the node retention, 15 min: one gone for good stops counting)
          const listed = new Set<string | undefined>(out.map((v) => v.key));
          const since = now / 1000 - this.view.store.options.nodeRetentionMs / 1000;
          for (const z of this.quietRoutes(svc, now)) {
            if (z.route.lastSeen >= since && !z.route.dropped && !listed.has(z.value.key)) out.push(z.value);
          }
        }
        return out;
      }
    }
  }

  /**
   * Every route of the service (all services: undefined) with its value at 0 req/s, built again when the store's
   * routes changed, at most every 10 s (a route new since then has had requests in the last 10 s; a dropped one is
   * skipped by its flag): after a flood of 50,000 routes, making their keys and labels again every second cost a
   * route rps floor ≈ 30 ms a tick. The values are shared between reads: nothing changes them.
   */
  private quietRoutes(svc: string | undefined, now: number): readonly { route: RouteState; value: ScopedValue }[] {
    const version = this.view.store.routesVersion;
    const k = svc ?? '\u0000';
    const cached = this.quiet.get(k);
    if (cached !== undefined && (cached.version === version || now - cached.at < 10_000)) return cached.entries;
    const entries = this.view.routeStates(svc).map((r) => ({ route: r, value: routeScoped(r, 0) }));
    this.quiet.set(k, { at: now, version, entries });
    return entries;
  }

  private fleetValue(f: Fleet, q: MetricQuery, now: number, window: number): number {
    switch (q.metric) {
      case 'latency.p50':
      case 'latency.p90':
      case 'latency.p99':
      case 'latency.p999':
        return nn(f.latency[q.metric.slice(8) as 'p50']);
      case 'eventLoopDelay.p99':
        return nn(f.eventLoopDelay.p99);
      case 'eventLoopDelay.max':
        return nn(f.eventLoopDelay.max);
      case 'errorRate':
        return f.requests > 0 ? f.errorRate : NaN;
      case 'rps':
        return f.rps;
      case 'aborted':
        return f.aborted / window;
      case 'inFlight':
        return nn(f.inFlight);
      case 'elu':
        return nn(f.elu);
      case 'cpu':
        return nn(f.cpu);
      case 'heapUsed': {
        const rows = this.memo(`n|${q.service ?? ''}|${window}`, now, () => this.view.nodes({ service: q.service, window, now }));
        let sum = 0;
        let n = 0;
        for (const r of rows) {
          if (r.up && r.heapUsed !== null) {
            sum += r.heapUsed;
            n++;
          }
        }
        return n > 0 ? sum : NaN;
      }
      default:
        return NaN;
    }
  }

  private nodeValue(r: NodeRow, q: MetricQuery, now: number, window: number): number {
    switch (q.metric) {
      case 'latency.p50':
        return nn(r.latency.p50);
      case 'latency.p99':
        return nn(r.latency.p99);
      case 'latency.p90':
      case 'latency.p999': {
        // node rows carry p50/p99 only: the rest from the node's own histogram
        const n = this.view.nodeStates(r.service).find((x) => x.meta.instance === r.instance);
        if (!n) return NaN;
        const { lat } = this.view.nodeHistograms(n, rangeFor(this.view.store, now, window));
        const v = lat.quantile(q.metric === 'latency.p90' ? 0.9 : 0.999);
        return Number.isFinite(v) ? v : NaN;
      }
      case 'eventLoopDelay.p99':
        return nn(r.eventLoopDelay.p99);
      case 'eventLoopDelay.max':
        return nn(r.eventLoopDelayMax);
      case 'errorRate':
        return r.rps > 0 ? r.errorRate : NaN;
      case 'rps':
        return r.rps;
      case 'aborted':
        // per second over the rule's window, as the fleet's and a route's
        return r.aborted / window;
      case 'elu':
        return nn(r.elu);
      case 'cpu':
        return nn(r.cpu);
      case 'heapUsed':
        return nn(r.heapUsed);
      case 'inFlight':
        return nn(r.inFlight);
      default:
        return NaN;
    }
  }

  private readNodeDown(q: MetricQuery, now: number): ScopedValue[] {
    // the nodes look silent because the dashboard cannot read its source: not a fleet that died. A failed read holds
    // the rule's alerts (the engine neither fires nor resolves them) until the source answers again
    const trouble = this.view.sourceTrouble();
    if (trouble !== undefined) throw new Error(`${trouble.source} cannot be read (${trouble.error}): node silence says nothing now`);
    const nodes = this.view.nodeStates(q.service);
    // a node whose agent said it stops (a deploy, a scale-in) is gone on purpose, not down; one that exports less often
    // than the window (an OpenTelemetry SDK at its default 60 s) is silent longer between exports, not down; and the
    // dashboard's own downtime is not the nodes' silence (after an outage longer than the window, every node whose
    // agent was still backing off fired and resolved: durability audit; it may back off for 36 s before its next try)
    // (a node silent for longer than the window already when the dashboard stopped still is: no restart grace)
    const silent = (n: (typeof nodes)[number]) => n.stoppedAt === undefined && this.view.silentPast(n, now, Math.max(q.windowMs, 2.5 * n.exportIntervalMs));
    if (q.scope === 'fleet') {
      let down = 0;
      for (const n of nodes) if (silent(n)) down++;
      return [{ labels: {}, value: down }];
    }
    return nodes.map((n) => ({ labels: { instance: n.meta.instance, service: n.meta.service }, value: silent(n) ? 1 : 0, key: `n\u0000${n.meta.service}\u0000${n.meta.instance}` }));
  }

  private readFindings(q: MetricQuery, now: number): ScopedValue[] {
    const list = this.findings().filter(
      (f) =>
        (q.finding === 'any' || f.kind === q.finding) &&
        (q.service === undefined || f.service === undefined || f.service === q.service) &&
        (q.consequences !== false || isRootCause(f, now)),
    );
    if (q.scope === 'fleet') return [{ labels: {}, value: list.length, ...detailOf(list), ...(list.length > 0 ? { revision: revisionOf(list) } : {}) }];
    const out = new Map<string, ScopedValue>();
    for (const f of list) {
      const keys = q.scope === 'node' ? f.nodes : f.routes;
      for (const k of keys) {
        // routes of findings are "METHOD /path"
        const sp = k.indexOf(' ');
        const labels: Record<string, string> = q.scope === 'node' ? { instance: k } : sp > 0 ? { route: k.slice(sp + 1), method: k.slice(0, sp) } : { route: k };
        if (f.service !== undefined) labels.service = f.service;
        const id = `${labels.service ?? ''}|${k}`;
        const v = out.get(id);
        if (v) {
          v.value++;
          if (f.summary) v.detail = clip(v.detail ? `${v.detail} ${f.summary}` : f.summary);
          v.revision = `${v.revision};${revisionOf([f])}`;
        } else out.set(id, { labels, value: 1, ...detailOf([f]), revision: revisionOf([f]) });
      }
    }
    return [...out.values()];
  }
}

/** the longest description an alert carries (a webhook body stays small; Slack cuts long fields anyway) */
const MAX_DETAIL = 2000;
const clip = (text: string): string => (text.length > MAX_DETAIL ? `${text.slice(0, MAX_DETAIL - 1)}…` : text);

/**
 * What the findings' sentences tell beyond their numbers: which findings, what causes them, whether a profile names
 * their code. A profile joins a finding seconds after it is raised (it is taken once the symptom shows), and a
 * cause's link may form a little later too: a firing alert is announced again when either does (ScopedValue.revision).
 */
function revisionOf(findings: readonly FindingLike[]): string {
  return findings
    .map((f) => `${f.id ?? f.kind}|${(f.causedBy ?? []).join(',')}|${f.hotCode ? 'cpu' : ''}${f.heapProfile ? 'heap' : ''}${f.allocations ? 'alloc' : ''}`)
    .join(';');
}

function detailOf(findings: readonly FindingLike[]): { detail?: string } {
  const text = findings
    .map((f) => f.summary)
    .filter((x): x is string => !!x)
    .join(' ');
  return text ? { detail: clip(text) } : {};
}

/** A route's value with its labels and its key in a read. */
function routeScoped(r: { service: string; method: string; route: string }, value: number): ScopedValue {
  return { labels: { route: r.route, method: r.method, service: r.service }, value, key: `r\u0000${r.service}\u0000${r.method}\u0000${r.route}` };
}

/** A route row's value of the rule's metric; `window` the rule's, s. */
function routeValue(r: RouteRow, q: MetricQuery, window: number): number {
  switch (q.metric) {
    case 'latency.p50':
      return nn(r.latency.p50);
    case 'latency.p90':
      return nn(r.latency.p90);
    case 'latency.p99':
      return nn(r.latency.p99);
    case 'latency.p999':
      return nn(r.p999);
    case 'errorRate':
      return r.requests > 0 ? r.errorRate : NaN;
    case 'rps':
      return r.rps;
    case 'aborted':
      // per second over the rule's window, as the fleet's
      return r.aborted / window;
    default:
      return NaN;
  }
}

/**
 * How long a finding must have held, without a cause, before a root-causes-only rule counts it. A consequence is
 * often raised a few seconds before the diagnoser links it to its cause (a blocked loop before the GC pressure
 * behind it is judged): without the wait, `"consequences": false` fired for it and resolved once the link formed.
 */
export const ROOT_CAUSE_HOLD_MS = 10_000;

function isRootCause(f: FindingLike, now: number): boolean {
  return (f.causedBy === undefined || f.causedBy.length === 0) && (f.since === undefined || now - f.since >= ROOT_CAUSE_HOLD_MS);
}
