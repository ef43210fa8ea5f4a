import { createHash } from 'node:crypto';
import { Attrs, Metrics, type Attributes, type AttributeValue, type ExportMetricsRequest, type HistogramDataPoint, type Metric, type NumberDataPoint } from '@perf/metrics';
import { StoreHistogram } from '../store/histogram.js';
import { SparseDelta } from '../store/delta.js';
import { countedFrom, isCatchUp } from '../store/catch-up.js';
import { NodeField, type NodeState } from '../store/node.js';
import type { FleetStore, RouteState, ServiceState } from '../store/FleetStore.js';
import { FOLDED_ROUTE } from '../store/FleetStore.js';
import { applyProfile, isProfileMetric } from './profile.js';
import { sumDelta } from './sum-delta.js';
import { expDelta, explicitDelta, newState, sameCount, type DeltaOutcome, type SeriesState } from './series.js';
import type { IngestStats } from './stats.js';
import { COUNTER_OUT_OF_DOMAIN, CPU_OUT_OF_DOMAIN, DELTA_TOO_LARGE, SUM_WENT_DOWN, gaugeInDomain, gaugeReason, histogramProblem } from './domain.js';
import { MAX_CORES, MAX_CUMULATIVE_COUNT, MAX_DELTA_COUNT } from '../store/domain.js';

/** The result of applying one export request: points rejected (OTLP partial success) and why. */
export interface ApplyResult {
  points: number;
  rejected: number;
  /** first few distinct reasons, for the partial-success error message */
  reasons: string[];
}

const INVALID = 'histogram point whose bucket counts are negative or do not add up to its count';
/** seconds a route keeps its widest explicit-bucket error once narrower input is all that arrives */
const SPREAD_ERROR_HOLD = 3600;

/** The old HTTP semantic-convention name (milliseconds), still sent by older Python/Java instrumentations. */
const LEGACY_HTTP_DURATION = 'http.server.duration';

/** gauge metric name → node field */
const GAUGE_FIELDS = new Map<string, number>([
  [Metrics.eventLoopUtilization, NodeField.elu],
  [Metrics.cpuUtilization, NodeField.cpu],
  [Metrics.heapUsed, NodeField.heapUsed],
  [Metrics.heapLimit, NodeField.heapLimit],
  [Metrics.memoryUsage, NodeField.rss],
  [Metrics.activeHandles, NodeField.handles],
  [Metrics.openFds, NodeField.fds],
  [Metrics.fdLimit, NodeField.fdLimit],
  [Metrics.eventLoopDelayMax, NodeField.elMax],
  // @opentelemetry/instrumentation-runtime-node sends percentiles as gauges, no histogram (a node's own, then: they
  // do not merge into the fleet's); settle() lets a histogram's, where there is one, win
  ['nodejs.eventloop.delay.p50', NodeField.elP50],
  ['nodejs.eventloop.delay.p99', NodeField.elP99],
  [Metrics.listenQueue, NodeField.listenQueue],
  [Metrics.cpuLimit, NodeField.cpuLimit],
]);
/** gauges reported per heap space (or per listening port): the node value is their sum */
const SUMMED_GAUGES = new Set<string>([Metrics.heapUsed, Metrics.heapLimit, Metrics.listenQueue]);
/** monotonic counters kept per second (de-cumulated here) → node field */
const COUNTER_FIELDS = new Map<string, number>([
  [Metrics.listenOverflows, NodeField.listenOverflows],
  [Metrics.listenDrops, NodeField.listenDrops],
  [Metrics.cpuPeriods, NodeField.cpuPeriods],
  [Metrics.cpuThrottledPeriods, NodeField.cpuThrottledPeriods],
  [Metrics.cpuThrottledTime, NodeField.cpuThrottledTime],
  [Metrics.eventLoopRunDelay, NodeField.runDelay],
]);

function unitFactor(unit: string, name: string): number {
  if (name === LEGACY_HTTP_DURATION) return unit === 's' ? 1 : 1e-3;
  switch (unit) {
    case 'ms':
      return 1e-3;
    case 'us':
    case 'µs':
      return 1e-6;
    case 'ns':
      return 1e-9;
    default:
      return 1;
  }
}

function str(v: AttributeValue | undefined): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined;
}

/** Longest service, instance, host, method or route name kept (longer ones are cut, marked with …). */
export const MAX_NAME_LENGTH = 256;
/** Control characters and the bidirectional overrides that make "inst\u202egnp.exe" read "instexe.png". */
const UNSAFE_CHARS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * A name as the dashboard shows, stores and sends it in alerts: without control characters or direction overrides,
 * and at most MAX_NAME_LENGTH characters (a sender's 2 MB route made every live-stream client receive 1.8 MB/s).
 */
export function cleanName(name: string): string {
  let out = name.replace(UNSAFE_CHARS, '');
  if (out.length > MAX_NAME_LENGTH) {
    // cut between characters, not inside a surrogate pair (a lone half is not UTF-8, and encodeURIComponent throws on it)
    let cut = MAX_NAME_LENGTH - 1;
    const last = out.charCodeAt(cut - 1);
    if (last >= 0xd800 && last <= 0xdbff) cut--;
    out = out.slice(0, cut) + '…';
  }
  return out;
}

function nameOf(v: AttributeValue | undefined): string | undefined {
  const s = str(v);
  return s === undefined ? undefined : cleanName(s);
}

/** Longest series key kept as it is; longer ones (huge attribute values, thousands of attributes) are kept as a hash. */
const MAX_KEY_LENGTH = 1024;
function boundedKey(key: string): string {
  return key.length <= MAX_KEY_LENGTH ? key : `#sha256:${createHash('sha256').update(key).digest('base64')}`;
}

/** Seconds on the CPU by process.cpu.state (host-metrics), and the node counter key its last total is kept under. */
const PROCESS_CPU_TIME = 'process.cpu.time';
const CPU_STATE = 'process.cpu.state';
const CPU_TIME_KEY = 'process.cpu.time#total';

/** Why a cumulative point with an earlier start than its series' is refused. */
const SHARED_SERIES =
  'cumulative point starting before its series did: two processes export the same series (give each its own service.instance.id, e.g. with the SDK\'s host and process resource detectors)';

/**
 * Whether a cumulative point starts before its series' state did. A restart starts later, never earlier: two processes
 * are sending the series under one identity, and taking each one's point as a reset of the other's counted both whole
 * totals again every second (outside audit: 247,719 requests shown for 450, 400 req/s with no traffic). The series
 * keeps the later one (SHARED_SERIES).
 */
function startsEarlier(startNs: number, st: SeriesState): boolean {
  return startNs > 0 && startNs < st.start;
}

/** The node's cache of its series states of metric `name` by position in its export (cachedState), made on first use. */
function seriesCacheOf(node: NodeState, name: string): (SeriesState | undefined)[] {
  let cache = node.seriesCache.get(name) as (SeriesState | undefined)[] | undefined;
  if (cache === undefined) {
    cache = [];
    node.seriesCache.set(name, cache);
  }
  return cache;
}

/** Stable key of a point's attributes (sorted), e.g. `http.request.method=GET|http.route=/a|…`. */
export function attributesKey(attrs: Attributes): string {
  const keys = Object.keys(attrs);
  if (keys.length === 0) return '';
  if (keys.length > 1) keys.sort();
  let k = '';
  for (const name of keys) {
    const v = attrs[name];
    k += name + '=' + (typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)) + '|';
  }
  return k;
}

/**
 * Applies decoded OTLP metrics to the store: resolves the node, turns cumulative points into deltas
 * per series, folds series over the per-service cap, and writes per-second deltas.
 */
export class Applier {
  /** set by state(): whether the state returned was just created */
  private firstSeen = false;
  /** nodes that export http.server.request.duration: their legacy http.server.duration is the same requests again */
  private readonly stableHttp = new WeakSet<NodeState>();
  /** nodes that export process.cpu.time: their CPU comes from it (see cpuTime) */
  private readonly cpuTimeNodes = new WeakSet<NodeState>();
  /** scratch reused for every point (no allocation per point) */
  private readonly delta = new SparseDelta();
  private readonly converted = new SparseDelta();
  private readonly spread = new StoreHistogram(6, 4096, 256);
  /** a counter point's increment (sumDelta's out) */
  private readonly sum = { value: 0 };
  /** cumulative series first seen with a start time after this (ns) are new: their first point counts */
  readonly startNs: number;
  /** Unix s the store opened at: a delta whose previous point is older spans the dashboard's downtime */
  private readonly openedSec: number;

  constructor(
    readonly store: FleetStore,
    readonly stats: IngestStats,
  ) {
    this.startNs = store.startedAt * 1e6;
    this.openedSec = Math.floor(store.openedAt / 1000);
  }

  apply(req: ExportMetricsRequest, now = Date.now()): ApplyResult {
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
      for (const sm of rm.scopeMetrics) for (const m of sm.metrics) points += 'points' in m ? m.points.length : 0;
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
        for (const sm of rm.scopeMetrics) for (const m of sm.metrics) this.foldedNode(service, m, now, result);
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

  private reject(result: ApplyResult, reason: string, n = 1): void {
    result.rejected += n;
    this.stats.reject(reason, n);
    if (result.reasons.length < 3 && !result.reasons.includes(reason)) result.reasons.push(reason);
  }

  /** Second slot of a point, or undefined (rejected) when too old or far in the future. */
  private slotOf(timeNs: number, now: number, result: ApplyResult): number | undefined {
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

  /**
   * The series state, created when the service is under its cap; undefined when folded. Sets
   * `firstSeen` (whether the state was created by this call).
   */
  private state(service: ServiceState, node: NodeState, key: string): SeriesState | undefined {
    const st = node.states.get(key) as SeriesState | undefined;
    this.firstSeen = st === undefined;
    if (st !== undefined) return st;
    const refs = service.seriesKeys.get(key);
    // a new distinct series: under its service's cap, and the fleet's (200 services × 10,000 series each reached 1.6 GB
    // and a 7.8 s loop delay: verification of the security audit)
    if (refs === undefined && (service.seriesKeys.size >= this.store.options.maxSeriesPerService || this.store.distinctSeries() >= this.store.options.maxSeries)) {
      this.store.fold(service, key);
      return undefined;
    }
    service.seriesKeys.set(key, (refs ?? 0) + 1);
    const created = newState();
    node.states.set(key, created);
    service.series++;
    return created;
  }

  /**
   * The state of point `i` of a metric: senders export the same series in the same order every time, so
   * the state found for position i last time is tried first (its attributes compared value by value);
   * the keyed lookup (attribute key string, maps) runs only for new or moved series.
   */
  private cachedState(service: ServiceState, node: NodeState, metricName: string, cache: (SeriesState | undefined)[], i: number, attrs: Attributes): SeriesState | undefined {
    const cached = cache[i];
    if (cached !== undefined && sameAttributes(cached, attrs)) {
      this.firstSeen = false;
      return cached;
    }
    const st = this.state(service, node, boundedKey(metricName + '#' + attributesKey(attrs)));
    if (st !== undefined && i < MAX_CACHED_POSITIONS) {
      st.attrs = attrs;
      st.attrCount = Object.keys(attrs).length;
      while (cache.length < i) cache.push(undefined);
      cache[i] = st;
    }
    return st;
  }

  /**
   * Whether a cumulative series first seen now, started at `startNs`, is new traffic (its first point counts whole):
   * started after this receiver, or on a node whose baselines this receiver holds (see NodeState.baselined).
   */
  private isFresh(startNs: number, node: NodeState): boolean {
    return startNs >= this.startNs || startNs === 0 || node.baselined;
  }

  private count(outcome: DeltaOutcome): void {
    if (outcome === 'duplicate') this.stats.duplicatePoints++;
    else if (outcome === 'outOfOrder') this.stats.outOfOrderPoints++;
    else if (outcome === 'reset') this.stats.resets++;
  }

  private metric(service: ServiceState, node: NodeState, m: Metric, now: number, result: ApplyResult): void {
    const name = m.name;
    const isHttp = name === Metrics.httpServerRequestDuration || name === LEGACY_HTTP_DURATION;
    const isEl = name === Metrics.eventLoopDelay;
    const isGc = name === Metrics.gcDuration;
    if (m.type === 'exponentialHistogram' || m.type === 'histogram') {
      if (!isHttp && !isEl && !isGc) return;
      const factor = unitFactor(m.unit, name);
      const cache = seriesCacheOf(node, name);
      const points = m.points;
      const exponential = m.type === 'exponentialHistogram';
      const isDeltaTemporality = m.temporality === 'delta';
      for (let i = 0; i < points.length; i++) {
        const p = points[i];
        // exponential points' buckets are checked in the same pass that de-cumulates them; the values' domain before
        // (a refused cumulative point leaves its series' state as it was)
        const bad = (exponential ? undefined : explicitProblem(p as HistogramDataPoint)) ?? histogramProblem(p, exponential, isDeltaTemporality, factor);
        if (bad !== undefined) {
          this.reject(result, bad);
          continue;
        }
        if ((p.flags & 1) === 1) continue; // no recorded value
        const t = this.slotOf(p.timeUnixNano, now, result);
        if (t === undefined) continue;
        const st = this.cachedState(service, node, name, cache, i, p.attributes);
        const firstSeen = this.firstSeen;
        const fresh = this.isFresh(p.startTimeUnixNano, node);
        if (st === undefined) {
          // folded: delta points still count towards the service's `other` route; cumulative ones cannot
          if (isHttp && m.temporality === 'delta') this.foldedHttp(service, m, p, t, factor);
          continue;
        }
        if (!firstSeen && m.temporality !== 'delta' && startsEarlier(p.startTimeUnixNano, st)) {
          this.reject(result, SHARED_SERIES);
          continue;
        }
        // the series' previous point, before the delta moves it on: a delta spanning an interruption is spread by reads
        const prevSec = !isHttp || firstSeen || m.temporality === 'delta' ? 0 : Math.floor(st.time / 1e9);
        let outcome: DeltaOutcome;
        let delta: SparseDelta;
        if (m.type === 'exponentialHistogram') {
          const ep = p as (typeof m.points)[number];
          outcome = expDelta(ep, m.temporality, st, firstSeen, fresh, this.delta, this.store.options.fleetScale);
          delta = this.delta;
          if (factor !== 1 && (outcome === 'delta' || outcome === 'reset')) delta = this.rescale(delta, factor);
        } else {
          const hp = p as (typeof m.points)[number] & { explicitBounds: number[] };
          outcome = explicitDelta(hp, m.temporality, st, firstSeen, fresh, factor, this.spread, this.store.options.fleetScale);
          delta = this.converted.fromHistogram(this.spread);
        }
        if (outcome === 'invalid') {
          this.reject(result, INVALID);
          continue;
        }
        if ((outcome === 'delta' || outcome === 'reset') && (delta.count > MAX_DELTA_COUNT || delta.sum < 0)) {
          // each point was in its domain, the difference between two is not (checked on the delta: no second pass over
          // the buckets); the state now holds this point, so the next one re-establishes it without counting anything
          this.reject(result, delta.count > MAX_DELTA_COUNT ? DELTA_TOO_LARGE : SUM_WENT_DOWN);
          st.rebase = true;
          continue;
        }
        this.count(outcome);
        if (outcome !== 'delta' && outcome !== 'reset') continue;
        // the node's first request delta after an interruption (0 requests included): counted again from there
        // (after the dashboard's own crash, its seconds before are unknown: see query/unknown.ts)
        // (every series of the node's first export with deltas: their previous points are before it is counted again);
        // a delta across the dashboard's downtime (that first one, or one whose previous point is from before this
        // process started: an export retried from before a graceful restart, and the next one) is spread from 1 s on
        const acrossDowntime = isHttp && ((node.unknownFrom !== undefined && (node.countedFrom === undefined || prevSec < node.countedFrom)) || (prevSec > 0 && prevSec < this.openedSec));
        if (isHttp && node.countedFrom === undefined) node.countedFrom = countedFrom(prevSec, p.timeUnixNano, t, node.exportIntervalMs, acrossDowntime);
        if (!(delta.count > 0)) continue;
        if (isHttp) {
          // the route is resolved once per series; a route dropped by the store (no data left) is re-resolved
          let route = st.target as RouteState | undefined;
          if (route === undefined || route.dropped) {
            const a = p.attributes;
            st.isError = Number(a[Attrs.httpStatusCode] ?? a['http.status_code'] ?? 0) >= 500;
            route = this.routeOf(service, a);
            st.target = route;
          }
          if (m.type === 'histogram') noteSpreadError(route, t, this.spread.spreadError);
          this.store.addRequests(route, node, t, delta, st.isError);
          // spread over the seconds from the previous point to its own (not to where it arrived: an export retried across
          // a restart arrives late, and the next one's span begins at its time)
          const pointSec = Math.floor(p.timeUnixNano / 1e9);
          if (outcome === 'delta' && isCatchUp(prevSec, pointSec, node.exportIntervalMs, acrossDowntime)) this.store.noteCatchUp(route, node, prevSec + 1, pointSec, t, delta.count, st.isError);
        } else if (isEl) {
          this.store.addEventLoop(service, node, t, delta);
        } else {
          node.addField(t, NodeField.gcTime, delta.sum);
          if (delta.max > 0 && !(node.tiers[0].get(t, NodeField.gcPauseMax) >= delta.max)) node.setField(t, NodeField.gcPauseMax, delta.max);
        }
      }
      return;
    }
    if (m.type === 'sum' && m.monotonic && name === PROCESS_CPU_TIME) {
      this.cpuTime(node, m, now, result);
      return;
    }
    if (name === Metrics.cpuUtilization && m.type === 'gauge' && m.points.some((p) => p.attributes[CPU_STATE] !== undefined)) {
      // per state (user, system) and divided by the host's cores (@opentelemetry/host-metrics): read 100× too low as
      // the last point "of one core" (outside audit). Its process.cpu.time says the same without either ambiguity;
      // without one, the states are added up (a share of the whole host, then)
      if (this.cpuTimeNodes.has(node)) return;
      let total = 0;
      let time = 0;
      for (const p of m.points) {
        if (!(p.value >= 0 && p.value <= MAX_CORES)) {
          this.reject(result, Number.isFinite(p.value) ? CPU_OUT_OF_DOMAIN : 'gauge value is not a finite number');
          continue;
        }
        total += p.value;
        if (p.timeUnixNano > time) time = p.timeUnixNano;
      }
      if (time === 0) return;
      if (total > MAX_CORES) {
        this.reject(result, CPU_OUT_OF_DOMAIN, m.points.length);
        return;
      }
      const t = this.slotOf(time, now, result);
      if (t !== undefined) node.setField(t, NodeField.cpu, total);
      return;
    }
    if (m.type === 'sum' && m.monotonic && name === Metrics.httpServerAbortedRequests) {
      this.abortedRequests(service, node, m, now, result);
      return;
    }
    if (m.type === 'sum' && m.monotonic) {
      const field = COUNTER_FIELDS.get(name);
      if (field !== undefined) this.counter(node, m, field, now, result);
      return;
    }
    if (m.type === 'gauge' && isProfileMetric(name)) {
      const bad = applyProfile(node, m);
      if (bad !== undefined) this.reject(result, bad.reason, bad.count);
      return;
    }
    if (m.type === 'gauge' && name === Metrics.agentStopping) {
      if (m.points.some((p) => p.value >= 1)) node.stoppedAt = now;
      return;
    }
    if (m.type === 'gauge' || (m.type === 'sum' && !m.monotonic)) {
      const field = GAUGE_FIELDS.get(name);
      if (field === undefined) return;
      const summed = SUMMED_GAUGES.has(name);
      let total = 0;
      let last: NumberDataPoint | undefined;
      let accepted = 0;
      for (const p of m.points) {
        if (!Number.isFinite(p.value)) {
          this.reject(result, 'gauge value is not a finite number');
          continue;
        }
        if (!gaugeInDomain(field, p.value)) {
          this.reject(result, gaugeReason(field));
          continue;
        }
        total += p.value;
        accepted++;
        if (last === undefined || p.timeUnixNano >= last.timeUnixNano) last = p;
      }
      if (last === undefined) return;
      if (summed && !gaugeInDomain(field, total)) {
        // each heap space (or port) in its domain, their sum not
        this.reject(result, gaugeReason(field), accepted);
        return;
      }
      const t = this.slotOf(last.timeUnixNano, now, result);
      if (t === undefined) return;
      node.setField(t, field, summed ? total : last.value);
    }
  }

  /** The store's route of a request series' attributes (the stable semantic-convention names, else the older ones). */
  private routeOf(service: ServiceState, a: Attributes): RouteState {
    const method = nameOf(a[Attrs.httpMethod]) ?? nameOf(a['http.method']) ?? '*';
    return this.store.route(service, method, nameOf(a[Attrs.httpRoute]) ?? '(no route)');
  }

  /**
   * `http.server.aborted_requests` (requests the client gave up on before the response finished, per method and
   * route) into per-second counts of the route and the node. Each point is its own series, with the request
   * histograms' rules (sumDelta): counted against the service's series cap, a duplicate adds nothing, a restart's
   * total counts whole, and a series seen first on a node not yet baselined is a baseline. Over the cap, delta points
   * still count in the service's `other` route, as folded request points do.
   */
  private abortedRequests(service: ServiceState, node: NodeState, m: Extract<Metric, { type: 'sum' }>, now: number, result: ApplyResult): void {
    const name = m.name;
    const isDelta = m.temporality === 'delta';
    const cache = seriesCacheOf(node, name);
    const points = m.points;
    for (let i = 0; i < points.length; i++) {
      const p = points[i];
      if ((p.flags & 1) === 1) continue; // no recorded value
      const t = this.counterSlot(p, isDelta, now, result);
      if (t === undefined) continue;
      const st = this.cachedState(service, node, name, cache, i, p.attributes);
      const firstSeen = this.firstSeen;
      if (st === undefined) {
        if (isDelta && p.value > 0) this.foldedAborted(service, t, p.value);
        continue;
      }
      if (!firstSeen && !isDelta && startsEarlier(p.startTimeUnixNano, st)) {
        this.reject(result, SHARED_SERIES);
        continue;
      }
      const fresh = this.isFresh(p.startTimeUnixNano, node);
      const outcome = sumDelta(p, m.temporality, st, firstSeen, fresh, this.sum);
      this.count(outcome);
      if (outcome !== 'delta' && outcome !== 'reset') continue;
      const n = this.sum.value;
      if (n > MAX_DELTA_COUNT) {
        // the state has moved on: the next increment is from this total
        this.reject(result, COUNTER_OUT_OF_DOMAIN);
        continue;
      }
      if (!(n > 0)) continue;
      let route = st.target as RouteState | undefined;
      if (route === undefined || route.dropped) {
        route = this.routeOf(service, p.attributes);
        st.target = route;
      }
      this.store.addAborted(route, node, t, n);
    }
  }

  /**
   * The second slot of a monotonic counter point, or undefined when it is refused: a value that is not a finite,
   * non-negative number within the counters' domain (store/domain.ts), or a time slotOf() refuses.
   */
  private counterSlot(p: NumberDataPoint, isDelta: boolean, now: number, result: ApplyResult): number | undefined {
    if (!Number.isFinite(p.value) || p.value < 0) {
      this.reject(result, 'counter value is not a finite, non-negative number');
      return undefined;
    }
    if (p.value > (isDelta ? MAX_DELTA_COUNT : MAX_CUMULATIVE_COUNT)) {
      this.reject(result, COUNTER_OUT_OF_DOMAIN);
      return undefined;
    }
    return this.slotOf(p.timeUnixNano, now, result);
  }

  /**
   * `process.cpu.time` (seconds on the CPU, per `process.cpu.state`: the OpenTelemetry SDK's host-metrics) into the
   * node's CPU utilisation of one core: the states' total, over the time between two points (cumulative) or over
   * the point's own span (delta).
   */
  private cpuTime(node: NodeState, m: Extract<Metric, { type: 'sum' }>, now: number, result: ApplyResult): void {
    let total = 0;
    let time = 0;
    let start = 0;
    for (const p of m.points) {
      if (!Number.isFinite(p.value) || p.value < 0) {
        this.reject(result, 'counter value is not a finite, non-negative number');
        return;
      }
      if (p.value > MAX_CUMULATIVE_COUNT) {
        this.reject(result, COUNTER_OUT_OF_DOMAIN);
        return;
      }
      total += p.value;
      if (p.timeUnixNano > time) time = p.timeUnixNano;
      start = p.startTimeUnixNano;
    }
    if (time === 0) return;
    this.cpuTimeNodes.add(node);
    let seconds = 0;
    let busy = 0;
    if (m.temporality === 'delta') {
      seconds = (time - start) / 1e9;
      busy = total;
    } else {
      const st = node.counters.get(CPU_TIME_KEY);
      node.counters.set(CPU_TIME_KEY, { value: total, timeUnixNano: time });
      if (st === undefined || time <= st.timeUnixNano || total < st.value) return;
      seconds = (time - st.timeUnixNano) / 1e9;
      busy = total - st.value;
    }
    if (!(seconds > 0)) return;
    if (!(busy / seconds <= MAX_CORES)) {
      this.reject(result, CPU_OUT_OF_DOMAIN, m.points.length);
      return;
    }
    const t = this.slotOf(time, now, result);
    if (t !== undefined) node.setField(t, NodeField.cpu, busy / seconds);
  }

  /**
   * A monotonic counter into per-second increments. Cumulative: the first point of a series is a baseline
   * (these counters are host-wide and count since boot, not since the node started), then the difference to
   * the previous point; a repeated or older point adds nothing; a smaller value is a reset (a reboot) and
   * counts as it stands. Delta: each point as sent. Each point's second gets its increment, zero included,
   * so "no overflows" is a value, not a gap.
   */
  private counter(node: NodeState, m: Extract<Metric, { type: 'sum' }>, field: number, now: number, result: ApplyResult): void {
    for (const p of m.points) {
      const t = this.counterSlot(p, m.temporality === 'delta', now, result);
      if (t === undefined) continue;
      let increment = p.value;
      if (m.temporality !== 'delta') {
        const key = boundedKey(`${m.name}#${attributesKey(p.attributes)}`);
        const st = node.counters.get(key);
        if (st === undefined) {
          node.counters.set(key, { value: p.value, timeUnixNano: p.timeUnixNano });
          continue;
        }
        if (p.timeUnixNano <= st.timeUnixNano) continue;
        increment = p.value >= st.value ? p.value - st.value : p.value;
        st.value = p.value;
        st.timeUnixNano = p.timeUnixNano;
        if (increment > MAX_DELTA_COUNT) {
          // the state has moved on: the next increment is from this value
          this.reject(result, COUNTER_OUT_OF_DOMAIN);
          continue;
        }
      }
      node.addField(t, field, increment);
    }
  }

  /** The delta request points (and aborted-request counts) of a node folded by the instance cap, into the service's `other` route. */
  private foldedNode(service: ServiceState, m: Metric, now: number, result: ApplyResult): void {
    if (m.type === 'sum' && m.monotonic && m.temporality === 'delta' && m.name === Metrics.httpServerAbortedRequests) {
      for (const p of m.points) {
        const t = this.counterSlot(p, true, now, result);
        if (t !== undefined && p.value > 0) this.foldedAborted(service, t, p.value);
      }
      return;
    }
    if (m.type !== 'exponentialHistogram' && m.type !== 'histogram') return;
    if (m.temporality !== 'delta' || (m.name !== Metrics.httpServerRequestDuration && m.name !== LEGACY_HTTP_DURATION)) return;
    const factor = unitFactor(m.unit, m.name);
    const exponential = m.type === 'exponentialHistogram';
    for (const p of m.points) {
      const bad = (exponential ? undefined : explicitProblem(p as HistogramDataPoint)) ?? histogramProblem(p, exponential, true, factor);
      if (bad !== undefined) {
        this.reject(result, bad);
        continue;
      }
      if ((p.flags & 1) === 1) continue;
      const t = this.slotOf(p.timeUnixNano, now, result);
      if (t !== undefined) this.foldedHttp(service, m, p, t, factor);
    }
  }

  private foldedHttp(service: ServiceState, m: Metric, p: FoldablePoint, t: number, factor: number): void {
    const st = newState();
    let outcome: DeltaOutcome;
    let delta: SparseDelta;
    if (m.type === 'exponentialHistogram') {
      outcome = expDelta(p as Extract<Metric, { type: 'exponentialHistogram' }>['points'][number], 'delta', st, true, true, this.delta, this.store.options.fleetScale);
      delta = factor !== 1 ? this.rescale(this.delta, factor) : this.delta;
    } else {
      outcome = explicitDelta(p as Extract<Metric, { type: 'histogram' }>['points'][number], 'delta', st, true, true, factor, this.spread, this.store.options.fleetScale);
      delta = this.converted.fromHistogram(this.spread);
    }
    if (outcome !== 'delta' || !(delta.count > 0)) return;
    const status = Number(p.attributes[Attrs.httpStatusCode] ?? 0);
    const route = this.store.route(service, '*', FOLDED_ROUTE);
    if (m.type === 'histogram') noteSpreadError(route, t, this.spread.spreadError);
    this.store.addRequests(route, undefined, t, delta, status >= 500);
  }

  /** Aborted requests of a series or node folded by a cap: in the service's `other` route, as folded requests are. */
  private foldedAborted(service: ServiceState, t: number, count: number): void {
    this.store.addAborted(this.store.route(service, '*', FOLDED_ROUTE), undefined, t, count);
  }

  /** Exponential input in another unit: spread each bucket over seconds-scaled buckets. */
  private rescale(d: SparseDelta, factor: number): SparseDelta {
    const out = this.spread;
    out.resetTo(this.store.options.fleetScale);
    const w = Math.pow(2, -d.scale);
    for (let i = 0; i < d.k; i++) out.addSpread(Math.pow(2, d.idx[i] * w) * factor, Math.pow(2, (d.idx[i] + 1) * w) * factor, d.cnt[i]);
    out.zeroCount = d.zeroCount;
    out.count = d.count;
    out.sum = d.sum * factor;
    out.min = d.min * factor;
    out.max = d.max * factor;
    return this.converted.fromHistogram(out);
  }
}

type FoldablePoint = { attributes: Attributes };

/** positions per metric whose series state is cached (a node's export rarely holds more points of one metric) */
const MAX_CACHED_POSITIONS = 65_536;

/** Whether `attrs` are the series' attributes (primitive values compared; any other value takes the keyed path). */
function sameAttributes(st: SeriesState, attrs: Attributes): boolean {
  const own = st.attrs!;
  let n = 0;
  for (const k in attrs) {
    const v = attrs[k];
    if (v !== own[k] || (typeof v === 'object' && v !== null)) return false;
    n++;
  }
  return n === st.attrCount;
}

/**
 * Why an explicit-bucket point breaks the OTLP data model, or undefined when it does not: bucket_counts either
 * empty (count and sum only) or one more than explicit_bounds, the bounds finite and increasing, the counts
 * non-negative and adding up to the point's count.
 */
function explicitProblem(p: HistogramDataPoint): string | undefined {
  if (!(p.count >= 0) || !Number.isFinite(p.count)) return 'histogram count is not a finite, non-negative number';
  const buckets = p.bucketCounts;
  if (buckets.length === 0) return undefined;
  const bounds = p.explicitBounds;
  if (buckets.length !== bounds.length + 1) return `histogram has ${buckets.length} bucket counts for ${bounds.length} explicit bounds (must be one more)`;
  for (let i = 0; i < bounds.length; i++) {
    if (!Number.isFinite(bounds[i]) || (i > 0 && !(bounds[i] > bounds[i - 1]))) return 'histogram explicit bounds are not finite and increasing';
  }
  let total = 0;
  for (const c of buckets) {
    if (!(c >= 0)) return INVALID;
    total += c;
  }
  return sameCount(total, p.count) ? undefined : INVALID;
}

/** How far explicit-bucket input may put this route's percentiles off (FleetView reports it; see StoreHistogram.spreadError). */
function noteSpreadError(route: RouteState, t: number, error: number): void {
  if (error >= route.spreadError || t > route.spreadErrorAt + SPREAD_ERROR_HOLD) route.spreadError = error;
  if (t > route.spreadErrorAt) route.spreadErrorAt = t;
}
