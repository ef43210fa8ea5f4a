import { Attrs, Metrics, type Attributes, type ExportMetricsRequest, type Metric } from '@perf/metrics';
import { StoreHistogram } from '../store/histogram.js';
import { SparseDelta } from '../store/delta.js';
import type { NodeState } from '../store/node.js';
import type { FleetStore, RouteState, ServiceState } from '../store/FleetStore.js';
import { applyProfile, isProfileMetric } from './profile.js';
import type { DeltaOutcome } from './series.js';
import type { IngestStats } from './stats.js';
import { nameOf } from './names.js';
import { LEGACY_HTTP_DURATION } from './units.js';
import { histograms } from './histograms.js';
import { CPU_STATE, PROCESS_CPU_TIME, cpuByState, cpuTime } from './cpu.js';
import { abortedRequests } from './aborted.js';
import { COUNTER_FIELDS, counter } from './counters.js';
import { gauge, inFlightRoutes } from './gauges.js';
import { foldedNode } from './folded.js';

// The metrics are applied by kind, one module each: histograms.ts (request, event-loop and GC durations), cpu.ts,
// aborted.ts, counters.ts, gauges.ts, profile.ts; folded.ts for what the caps fold. They share the applier's scratch
// and its per-point helpers below.

/** The result of applying one export request: points rejected (OTLP partial success) and why. */
export interface ApplyResult {
  points: number;
  rejected: number;
  /** first few distinct reasons, for the partial-success error message */
  reasons: string[];
}

/**
 * Applies decoded OTLP metrics to the store: resolves the node, turns cumulative points into deltas
 * per series, folds series over the per-service cap, and writes per-second deltas.
 */
export class Applier {
  /** set by the series-state lookup (series-cache.ts): whether the state returned was just created */
  firstSeen = false;
  /** nodes that export http.server.request.duration: their legacy http.server.duration is the same requests again */
  private readonly stableHttp = new WeakSet<NodeState>();
  /** nodes that export process.cpu.time: their CPU comes from it (see cpuTime) */
  readonly cpuTimeNodes = new WeakSet<NodeState>();
  /** scratch reused for every point (no allocation per point) */
  readonly delta = new SparseDelta();
  readonly converted = new SparseDelta();
  readonly spread = new StoreHistogram(6, 4096, 256);
  /** a counter point's increment (sumDelta's out) */
  readonly sum = { value: 0 };
  /** cumulative series first seen with a start time after this (ns) are new: their first point counts */
  readonly startNs: number;
  /** Unix s the store opened at: a delta whose previous point is older spans the dashboard's downtime */
  readonly openedSec: number;

  constructor(
    readonly store: FleetStore,
    readonly stats: IngestStats,
  ) {
    this.startNs = store.startedAt * 1e6;
    this.openedSec = Math.floor(store.openedAt / 1000);
  }

  /**
   * Applies one export at `now` (Unix ms). `arrivedAt`: when it arrived (before waiting in the receiver's queue), which
   * against its points' times tells each node's clock (NodeState.noteClock); null where the times are not the node's
   * own (read from Prometheus: its scrape times, up to an interval old).
   */
  apply(req: ExportMetricsRequest, now = Date.now(), arrivedAt: number | null = now): ApplyResult {
    const result: ApplyResult = { points: 0, rejected: 0, reasons: [] };
    for (const rm of req.resourceMetrics) {
      const ra = rm.resource.attributes;
      const serviceName = nameOf(ra[Attrs.serviceName]) || 'unknown_service';
      const host = nameOf(ra[Attrs.hostName]) ?? '';
      const pidRaw = ra[Attrs.processPid];
      const pid = typeof pidRaw === 'number' ? pidRaw : typeof pidRaw === 'string' && /^\d+$/.test(pidRaw) ? Number(pidRaw) : null;
      const instance = nameOf(ra[Attrs.serviceInstanceId]) || (host ? `${host}:${pid ?? ''}` : serviceName);
      const sdk = nameOf(ra['telemetry.sdk.name']);
      const sdkVersion = nameOf(ra['telemetry.sdk.version']);
      const version = nameOf(ra['perf.agent.version']) ?? (sdk ? `${sdk}${sdkVersion ? ' ' + sdkVersion : ''}` : null);
      let points = 0;
      let timeNs = 0;
      for (const sm of rm.scopeMetrics) {
        for (const m of sm.metrics) {
          if (!('points' in m) || m.points.length === 0) continue;
          points += m.points.length;
          if (timeNs === 0) timeNs = m.points[0].timeUnixNano;
        }
      }
      result.points += points;
      if (!this.store.serviceAllowed(serviceName, now)) {
        // a sender naming a new service per resource escaped every per-service cap (40,000 services: 3 GB)
        if (points > 0) this.reject(result, `too many services (PERF_MAX_SERVICES=${this.store.options.maxServices}): the points of a new service are refused`, points);
        continue;
      }
      const service = this.store.service(serviceName);
      this.store.serviceSeen(service, now);
      const node = this.store.node(service, { service: serviceName, instance, host, pid, version }, now);
      if (node === undefined) {
        // the service is at its instance cap and this is a new node: counted as folded, not stored; its delta
        // request points still count in the service's `other` route, as a folded series' do
        this.store.fold(service, '\0instance\0' + instance);
        service.foldedPoints += points - 1;
        for (const sm of rm.scopeMetrics) for (const m of sm.metrics) foldedNode(this, service, m, now, result);
        continue;
      }
      // a sender in semantic-convention "dup" mode exports each request under both names (outside audit: 200
      // counted for 100): where the stable one comes, the legacy one is left out
      if (!this.stableHttp.has(node) || !this.cpuTimeNodes.has(node)) {
        for (const sm of rm.scopeMetrics) {
          for (const m of sm.metrics) {
            if (m.name === Metrics.httpServerRequestDuration) this.stableHttp.add(node);
            else if (m.name === PROCESS_CPU_TIME) this.cpuTimeNodes.add(node);
          }
        }
      }
      // an export's points are taken together: the first one's time against the arrival tells the node's clock
      if (timeNs > 0 && arrivedAt !== null) node.noteClock(Math.floor(timeNs / 1e9), Math.floor(arrivedAt / 1000));
      const skipLegacy = this.stableHttp.has(node);
      const hadBaselines = node.baselined;
      for (const sm of rm.scopeMetrics) {
        for (const m of sm.metrics) if (!(skipLegacy && m.name === LEGACY_HTTP_DURATION)) this.metric(service, node, m, now, result);
      }
      // a node that sends no request histogram is known again from its first export after its baselines (it serves
      // none): it does not hold the fleet's seconds unknown until it is taken for down
      if (node.countedFrom === undefined && hadBaselines && !node.seriesCache.has(Metrics.httpServerRequestDuration) && !node.seriesCache.has(LEGACY_HTTP_DURATION)) {
        node.countedFrom = Math.floor(now / 1000);
      }
      node.baselined = true;
    }
    return result;
  }

  reject(result: ApplyResult, reason: string, n = 1): void {
    result.rejected += n;
    this.stats.reject(reason, n);
    if (result.reasons.length < 3 && !result.reasons.includes(reason)) result.reasons.push(reason);
  }

  /** Second slot of a point, or undefined (rejected) when too old or far in the future. */
  slotOf(timeNs: number, now: number, result: ApplyResult): number | undefined {
    const t = Math.floor(timeNs / 1e9);
    const nowSec = Math.floor(now / 1000);
    const oldest = this.store.settledUntil + 1;
    if (!(timeNs > 0)) {
      this.reject(result, 'point without a timestamp');
      return undefined;
    }
    if (t > nowSec + 300) {
      this.reject(result, 'timestamp more than 5 minutes in the future (check the node clock)');
      return undefined;
    }
    if (t < nowSec - this.store.options.tiers[0].retention) {
      this.reject(result, 'timestamp older than the finest tier retention');
      return undefined;
    }
    // late points land in the oldest open second and early ones (clock skew) in the next: totals stay right
    return t < oldest ? oldest : t > nowSec + 1 ? nowSec + 1 : t;
  }

  count(outcome: DeltaOutcome): void {
    if (outcome === 'duplicate') this.stats.duplicatePoints++;
    else if (outcome === 'outOfOrder') this.stats.outOfOrderPoints++;
    else if (outcome === 'reset') this.stats.resets++;
  }

  /** The store's route of a request series' attributes (the stable semantic-convention names, else the older ones). */
  routeOf(service: ServiceState, a: Attributes): RouteState {
    const method = nameOf(a[Attrs.httpMethod]) ?? nameOf(a['http.method']) ?? '*';
    return this.store.route(service, method, nameOf(a[Attrs.httpRoute]) ?? '(no route)');
  }

  private metric(service: ServiceState, node: NodeState, m: Metric, now: number, result: ApplyResult): void {
    const name = m.name;
    if (m.type === 'exponentialHistogram' || m.type === 'histogram') {
      histograms(this, service, node, m, now, result);
      return;
    }
    if (m.type === 'sum' && m.monotonic && name === PROCESS_CPU_TIME) {
      cpuTime(this, node, m, now, result);
      return;
    }
    if (name === Metrics.cpuUtilization && m.type === 'gauge' && m.points.some((p) => p.attributes[CPU_STATE] !== undefined)) {
      cpuByState(this, node, m, now, result);
      return;
    }
    if (m.type === 'sum' && m.monotonic && name === Metrics.httpServerAbortedRequests) {
      abortedRequests(this, service, node, m, now, result);
      return;
    }
    if (m.type === 'sum' && m.monotonic) {
      const field = COUNTER_FIELDS.get(name);
      if (field !== undefined) counter(this, node, m, field, now, result);
      return;
    }
    if (m.type === 'gauge' && isProfileMetric(name)) {
      const bad = applyProfile(node, m);
      if (bad !== undefined) this.reject(result, bad.reason, bad.count);
      return;
    }
    if (m.type === 'gauge' && name === Metrics.httpServerActiveRequestsByRoute) {
      inFlightRoutes(this, node, m, now, result);
      return;
    }
    if (m.type === 'gauge' && name === Metrics.agentStopping) {
      if (m.points.some((p) => p.value >= 1)) this.store.stopped(service, node, now);
      return;
    }
    if (m.type === 'gauge' || (m.type === 'sum' && !m.monotonic)) gauge(this, node, m, now, result);
  }
}
