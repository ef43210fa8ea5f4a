// Builds the rules' input from the fleet store: the last `windowSeconds` of every live node's per-second
// row and of every route's per-second slots, aligned on one time axis. Seconds still open (not yet
// settled by the store) get their percentiles from the open histograms, so a problem shows within a
// second or two of its data arriving rather than after the store's settle delay.

import type { FleetStore, RouteState, ServiceState } from '../store/FleetStore.js';
import type { StoreHistogram } from '../store/histogram.js';
import type { RequestSlot } from '../store/slots.js';
import { NODE_FIELDS, NodeField, type NodeState } from '../store/node.js';
import type { CpuProfile, HeapProfile } from '../api/types.js';
import { cpuProfile, heapProfile } from '../query/profiles.js';
import type { DiagnosisInput, NodeWindow, RouteWindow, UsualLevel } from './types.js';
import { median } from './window.js';

export interface AdapterOptions {
  /** seconds of history the rules see (default 120: enough for trends, cheap at 500 nodes) */
  windowSeconds: number;
  /** nodes silent for longer than this are left out (ms, default 15 000) */
  staleAfterMs: number;
  /**
   * routes judged per service: the busiest by requests in the window (default 500). Every judged route costs its
   * window's percentiles every second; a service with more routes active at once is judged on its busiest, and the
   * others' time still counts in the judged ones' time shares.
   */
  maxRoutesPerService: number;
}

/** default AdapterOptions.maxRoutesPerService */
export const MAX_ROUTES_PER_SERVICE = 500;

/**
 * Node fields the rules can use when the store records them (looked up by name, so the adapter keeps
 * working as the store gains fields): GC pause max, fd limit, listen-queue counters per second.
 */
type OptionalField = 'gcPauseMax' | 'fdLimit' | 'listenOverflows' | 'listenDrops' | 'listenQueue' | 'cpuPeriods' | 'cpuThrottledPeriods' | 'cpuLimit' | 'runDelay';

function optionalField(name: OptionalField): number {
  const v = (NodeField as Record<string, number>)[name];
  return typeof v === 'number' ? v : -1;
}

interface Quantiles {
  p50: number;
  p99: number;
  sum: number;
  count: number;
}

/** A row never written (all NaN): the node sent nothing that second. */
function isEmptyRow(chunk: Float32Array, at: number): boolean {
  for (let f = 0; f < NODE_FIELDS; f++) if (!Number.isNaN(chunk[at + f])) return false;
  return true;
}

/**
 * A route's usual level (RouteWindow.usual) comes from its 10 s slots of the quarter hour before the seconds the rules
 * judge (hot-route's regression judges the last 40), once at least a minute of slots holds requests.
 */
const USUAL_SECONDS = 15 * 60;
const USUAL_SKIP_SECONDS = 40;
const USUAL_MIN_SECONDS = 60;

function quantiles(h: StoreHistogram): Quantiles {
  return h.count > 0 ? { p50: h.quantile(0.5), p99: h.quantile(0.99), sum: h.sum, count: h.count } : { p50: NaN, p99: NaN, sum: 0, count: 0 };
}

export class DiagnosisAdapter {
  readonly options: AdapterOptions;
  /**
   * settled route seconds never change: their percentiles are computed once. Held for the routes judged by the last
   * build (`built`: its number), so a route that leaves the window leaves its seconds here too.
   */
  readonly #routeCache = new Map<RouteState, { seconds: Map<number, Quantiles>; built: number }>();
  #builds = 0;
  /** a route's usual level changes only when a 10 s slot is rolled up: kept with the last slot it counts */
  readonly #usualCache = new WeakMap<RouteState, { until: number; usual: UsualLevel | undefined }>();
  readonly #fields = {
    gcPauseMax: optionalField('gcPauseMax'),
    fdLimit: optionalField('fdLimit'),
    listenOverflows: optionalField('listenOverflows'),
    listenDrops: optionalField('listenDrops'),
    listenQueue: optionalField('listenQueue'),
    cpuPeriods: optionalField('cpuPeriods'),
    cpuThrottledPeriods: optionalField('cpuThrottledPeriods'),
    cpuLimit: optionalField('cpuLimit'),
    runDelay: optionalField('runDelay'),
  };

  constructor(
    readonly store: FleetStore,
    options: Partial<AdapterOptions> = {},
  ) {
    this.options = {
      windowSeconds: options.windowSeconds ?? 120,
      staleAfterMs: options.staleAfterMs ?? 15_000,
      maxRoutesPerService: options.maxRoutesPerService ?? MAX_ROUTES_PER_SERVICE,
    };
    // the routes this reads are the store's recent ones: they must stay listed for the whole window
    store.keepRecent(this.options.windowSeconds + 5);
  }

  /**
   * The input at `now` (Unix ms). The window ends at the last complete second (`now` − 1 s): agents
   * export once a second, so the current second is still filling.
   */
  build(now = Date.now(), service?: string | null): DiagnosisInput {
    const len = this.options.windowSeconds;
    const end = Math.floor(now / 1000) - 1;
    const start = end - len + 1;
    const times = Array.from({ length: len }, (_, i) => (start + i) * 1000);
    const nodes: NodeWindow[] = [];
    const routes: RouteWindow[] = [];
    const profiles = new Map<string, CpuProfile>();
    const heapProfiles = new Map<string, HeapProfile>();
    const allocationProfiles = new Map<string, HeapProfile>();
    this.#builds++;
    for (const svc of this.store.services.values()) {
      if (service && svc.name !== service) continue;
      for (const node of svc.nodes.values()) {
        if (now - node.lastSeen > this.options.staleAfterMs || node.stoppedAt !== undefined) continue;
        nodes.push(this.node(svc, node, start, len));
        const profile = node.profile && cpuProfile(svc.name, node);
        if (profile) profiles.set(node.meta.instance, profile);
        const heap = node.heapProfile && heapProfile(svc.name, node);
        if (heap) heapProfiles.set(node.meta.instance, heap);
        const allocations = node.allocationProfile && heapProfile(svc.name, node, 'allocated');
        if (allocations) allocationProfiles.set(node.meta.instance, allocations);
      }
      routes.push(...this.routes(svc, start, len));
    }
    if (!service) for (const [route, cached] of this.#routeCache) if (cached.built !== this.#builds) this.#routeCache.delete(route);
    return { times, nodes, routes, profiles, heapProfiles, allocationProfiles };
  }

  private node(svc: ServiceState, node: NodeState, start: number, len: number): NodeWindow {
    const ring = node.tiers[0];
    const f = () => new Float64Array(len).fill(NaN);
    const w: NodeWindow = {
      instance: node.meta.instance,
      service: svc.name,
      host: node.meta.host,
      startedAt: node.startedAt,
      rps: f(),
      errorRate: f(),
      latencyP50: f(),
      latencyP99: f(),
      latencyMean: f(),
      eventLoopDelayP99: f(),
      eventLoopDelayMax: f(),
      elu: f(),
      cpu: f(),
      heapUsed: f(),
      heapLimit: f(),
      rss: f(),
      gcShare: f(),
      gcPauseMax: f(),
      fds: f(),
      fdLimit: f(),
      listenOverflows: f(),
      listenDrops: f(),
      listenQueue: f(),
      cpuThrottled: f(),
      cpuLimit: f(),
      runDelay: f(),
    };
    const opt = this.#fields;
    // rows straight from the ring's chunks (one Map lookup per chunk, no subarray per second: this runs
    // for every node every second)
    let chunkKey = NaN;
    let chunk: Float32Array | undefined;
    let lastInFlight = -1;
    let perChunk = 0;
    for (let i = 0; i < len; i++) {
      const t = start + i;
      if (perChunk === 0 || Math.floor(t / perChunk) !== chunkKey) {
        const probe = ring.chunks.values().next().value;
        perChunk = probe === undefined ? 0 : probe.length / NODE_FIELDS;
        if (perChunk === 0) break;
        chunkKey = Math.floor(t / perChunk);
        chunk = ring.chunks.get(chunkKey);
      }
      if (chunk === undefined) continue;
      const at = (t - chunkKey * perChunk) * NODE_FIELDS;
      if (isEmptyRow(chunk, at)) continue;
      const row = chunk;
      const requests = Number.isNaN(row[at + NodeField.requests]) ? 0 : row[at + NodeField.requests];
      const errors = Number.isNaN(row[at + NodeField.errors]) ? 0 : row[at + NodeField.errors];
      w.rps[i] = requests;
      w.errorRate[i] = requests > 0 ? errors / requests : NaN;
      let p50 = row[at + NodeField.p50];
      let p99 = row[at + NodeField.p99];
      let elP99 = row[at + NodeField.elP99];
      let elMax = row[at + NodeField.elMax];
      const open = node.open.get(t);
      if (open !== undefined) {
        // not settled yet: percentiles from the second's open histograms
        if (open.lat.count > 0) {
          p50 = open.lat.quantile(0.5);
          p99 = open.lat.quantile(0.99);
        }
        if (open.el.count > 0) {
          elP99 = open.el.quantile(0.99);
          if (!(elMax >= open.el.max)) elMax = open.el.max;
        }
      }
      w.latencyP50[i] = p50;
      w.latencyP99[i] = p99;
      const sum = row[at + NodeField.latencySum];
      if (requests > 0 && !Number.isNaN(sum)) w.latencyMean![i] = sum / requests;
      w.eventLoopDelayP99[i] = elP99;
      w.eventLoopDelayMax[i] = elMax;
      w.elu[i] = row[at + NodeField.elu];
      w.cpu[i] = row[at + NodeField.cpu];
      w.heapUsed[i] = row[at + NodeField.heapUsed];
      w.heapLimit[i] = row[at + NodeField.heapLimit];
      w.rss[i] = row[at + NodeField.rss];
      w.fds[i] = row[at + NodeField.fds];
      // GC seconds recorded in the second (none recorded while the node reports is zero GC time)
      const gc = row[at + NodeField.gcTime];
      w.gcShare[i] = Number.isNaN(gc) ? (Number.isNaN(row[at + NodeField.elu]) ? NaN : 0) : Math.min(1, gc);
      if (opt.gcPauseMax >= 0) w.gcPauseMax[i] = row[at + opt.gcPauseMax];
      if (opt.fdLimit >= 0) w.fdLimit[i] = row[at + opt.fdLimit];
      if (opt.listenOverflows >= 0) w.listenOverflows[i] = row[at + opt.listenOverflows];
      if (opt.listenDrops >= 0) w.listenDrops[i] = row[at + opt.listenDrops];
      if (opt.listenQueue >= 0) w.listenQueue[i] = row[at + opt.listenQueue];
      if (opt.cpuPeriods >= 0 && opt.cpuThrottledPeriods >= 0) {
        const periods = row[at + opt.cpuPeriods];
        if (periods > 0) w.cpuThrottled![i] = row[at + opt.cpuThrottledPeriods] / periods;
        else if (periods === 0) w.cpuThrottled![i] = 0;
      }
      if (opt.cpuLimit >= 0) w.cpuLimit![i] = row[at + opt.cpuLimit];
      if (opt.runDelay >= 0) w.runDelay![i] = Math.min(1, row[at + opt.runDelay]);
      // (made only for a node with any: most never have one)
      const aborted = row[at + NodeField.aborted];
      if (aborted > 0) (w.aborted ??= new Float64Array(len))[i] = aborted;
      // (likewise only for a node whose agent reports it: the OpenTelemetry SDK's HTTP instrumentation does not)
      const inFlight = row[at + NodeField.inFlight];
      if (!Number.isNaN(inFlight)) {
        (w.inFlight ??= new Float64Array(len).fill(NaN))[i] = inFlight;
        lastInFlight = t;
      }
    }
    // the routes of its requests in flight, when measured in its latest second with any (else they are gone: below 10)
    const held = node.inFlightRoutes;
    if (held !== undefined && held.t >= lastInFlight && lastInFlight >= start) w.inFlightRoutes = held.routes.map((r) => ({ name: `${r.method} ${r.route}`, count: r.count, answering: r.answering }));
    return w;
  }

  /**
   * The service's routes with requests in the window, as RouteWindows in the store's route order. Only its recent
   * routes are looked at (a route quiet for the whole window costs nothing), and at most maxRoutesPerService of them,
   * the busiest, are judged.
   */
  private routes(svc: ServiceState, start: number, len: number): RouteWindow[] {
    const end = start + len - 1;
    let judged: RouteState[] = [];
    for (const route of svc.recentRoutes) if (route.lastData >= start) judged.push(route);
    const totals = new Float64Array(len);
    const max = this.options.maxRoutesPerService;
    if (judged.length > max) {
      const requests = new Map<RouteState, number>();
      for (const route of judged) {
        let n = 0;
        forEachSlotIn(route, start, end, (_, slot) => (n += slot.requests));
        requests.set(route, n);
      }
      judged.sort((a, b) => requests.get(b)! - requests.get(a)! || a.seq - b.seq);
      // the routes left out still take their part of each second's time: the judged ones' shares are of all of it
      for (let k = max; k < judged.length; k++) forEachSlotIn(judged[k], start, end, (t, slot) => (totals[t - start] += slot.hist.sum));
      judged = judged.slice(0, max);
    }
    judged.sort((a, b) => a.seq - b.seq);
    // whether the service reported each second (a route without requests then had 0 req/s, not "no data")
    const reported = new Uint8Array(len);
    for (let i = 0; i < len; i++) reported[i] = svc.el[0].get(start + i) !== undefined ? 1 : 0;
    const out: RouteWindow[] = [];
    const sums: Float64Array[] = [];
    for (const route of judged) {
      let cached = this.#routeCache.get(route);
      if (cached === undefined) {
        cached = { seconds: new Map(), built: 0 };
        this.#routeCache.set(route, cached);
      }
      cached.built = this.#builds;
      const cache = cached.seconds;
      const f = () => new Float64Array(len).fill(NaN);
      const w: RouteWindow = { route: route.route, method: route.method, service: svc.name, rps: f(), errorRate: f(), latencyP50: f(), latencyP99: f(), latencyMean: f(), timeShare: f() };
      const sum = new Float64Array(len);
      let any = false;
      let anyAborted = false;
      for (let i = 0; i < len; i++) {
        const t = start + i;
        const slot = route.tiers[0].get(t);
        if (slot === undefined) {
          // the service reported that second but this route had no requests: 0 req/s, not "no data"
          if (reported[i] === 1) w.rps[i] = 0;
          continue;
        }
        any = true;
        if (slot.aborted > 0) anyAborted = true;
        w.rps[i] = slot.requests;
        w.errorRate[i] = slot.requests > 0 ? slot.errors / slot.requests : NaN;
        let q: Quantiles | undefined;
        if (t <= this.store.settledUntil) {
          q = cache.get(t);
          if (q === undefined) {
            q = quantiles(slot.hist);
            cache.set(t, q);
          }
        } else q = quantiles(slot.hist);
        w.latencyP50[i] = q.p50;
        w.latencyP99[i] = q.p99;
        if (q.count > 0) w.latencyMean![i] = q.sum / q.count;
        sum[i] = q.sum;
        totals[i] += q.sum;
      }
      for (const t of cache.keys()) {
        if (t >= start) break;
        cache.delete(t);
      }
      if (!any) continue;
      if (anyAborted) {
        // per second where the service reported, as rps: made only for a route with any (most never have one)
        const aborted = (w.aborted = new Float64Array(len).fill(NaN));
        for (let i = 0; i < len; i++) {
          const slot = route.tiers[0].get(start + i);
          if (slot !== undefined) aborted[i] = slot.aborted;
          else if (reported[i] === 1) aborted[i] = 0;
        }
      }
      const usual = this.usual(route, start + len - 1 - USUAL_SKIP_SECONDS);
      if (usual !== undefined) w.usual = usual;
      out.push(w);
      sums.push(sum);
    }
    for (let k = 0; k < out.length; k++) {
      const share = out[k].timeShare;
      for (let i = 0; i < len; i++) if (totals[i] > 0) share[i] = sums[k][i] / totals[i];
    }
    return out;
  }

  /** The route's usual level from the coarser tier's rolled-up slots ending by second `cut` (undefined: too few). */
  private usual(route: RouteState, cut: number): UsualLevel | undefined {
    const tier = route.tiers[1];
    if (tier === undefined) return undefined;
    const step = tier.step;
    const until = Math.min(Math.floor((cut + 1) / step), this.store.rolledUntil[1]);
    const cached = this.#usualCache.get(route);
    if (cached !== undefined && cached.until === until) return cached.usual;
    const p50: number[] = [];
    const p99: number[] = [];
    const mean: number[] = [];
    for (let k = until - Math.ceil(USUAL_SECONDS / step); k < until; k++) {
      const slot = tier.get(k);
      if (slot === undefined || slot.hist.count === 0) continue;
      p50.push(slot.hist.quantile(0.5));
      p99.push(slot.hist.quantile(0.99));
      mean.push(slot.hist.sum / slot.hist.count);
    }
    const usual = p50.length * step >= USUAL_MIN_SECONDS ? { p50: median(p50), p99: median(p99), mean: median(mean), seconds: p50.length * step } : undefined;
    this.#usualCache.set(route, { until, usual });
    return usual;
  }
}

/**
 * Calls fn for each of the route's finest-tier slots in seconds [from, to]: through its slots when it holds fewer than
 * the range has seconds (a route seen in one second of the window), else by second.
 */
function forEachSlotIn(route: RouteState, from: number, to: number, fn: (t: number, slot: RequestSlot) => void): void {
  const tier = route.tiers[0];
  if (tier.size <= to - from + 1) {
    for (const [t, slot] of tier.slots) if (t >= from && t <= to) fn(t, slot);
    return;
  }
  for (let t = from; t <= to; t++) {
    const slot = tier.get(t);
    if (slot !== undefined) fn(t, slot);
  }
}
