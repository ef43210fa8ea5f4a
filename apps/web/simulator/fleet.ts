import { ExponentialHistogram, Metrics, type ExportMetricsRequest, type Metric } from '@perf/metrics';
import { Random } from './random.js';
import type { Anomaly } from './anomaly.js';
import { ExactRecorder, type ExactAnswer } from './exact.js';
import { allocationProfileMetrics, HEAP_PROFILE_AFTER_S, HEAP_PROFILE_MILLIS, heapProfileMetrics, profileMetrics, type ProfileCause } from './profile.js';

/** ms between two profiles of a node whose loop stays busy (the agent waits PERF_PROFILE_COOLDOWN, 60 s by default) */
const PROFILE_EVERY_MS = 30_000;
/** s between heap profiles of a node whose heap keeps growing (the agent's PERF_HEAP_PROFILE_COOLDOWN), and how long it sends one */
const HEAP_PROFILE_EVERY_S = 300;
const HEAP_PROFILE_SENT_S = 30;
/** s between allocation profiles of a node whose collector stays busy (PERF_ALLOC_PROFILE_COOLDOWN) */
const ALLOCATION_PROFILE_EVERY_S = 60;

export interface SimulatorOptions {
  nodes: number;
  /** requests per second each node serves (the counts exported; see samplesPerNode) */
  rpsPerNode: number;
  routes: number;
  /** service name (nodes are `<service>-<i>`) */
  service?: string;
  /** latency values actually drawn per node per second; each stands for rpsPerNode / samples requests */
  samplesPerNode?: number;
  anomalies?: Anomaly[];
  seed?: number;
  temporality?: 'cumulative' | 'delta';
  /** share of requests answered 500 on every route (default 0.002); each route then has a 200 and a 500 series */
  errorRate?: number;
  /** send runtime series (event-loop histogram, ELU, CPU, heap, RSS, handles, fds, GC); default true */
  runtime?: boolean;
  /** most buckets per histogram (the agent's default is 1024) */
  maxBuckets?: number;
  /** highest (starting) histogram scale (default 10, @perf/metrics' default; the agent records at 6) */
  maxScale?: number;
  /** seconds of exact values kept for answers (default 120; 0 keeps none, e.g. for memory benchmarks) */
  keepSeconds?: number;
}

interface SimRoute {
  name: string;
  method: string;
  /** median latency (s) */
  median: number;
  sigma: number;
  /** share of the node's traffic */
  share: number;
  latencyFactor: number;
  errorRate: number;
}

interface SimNode {
  index: number;
  instance: string;
  startNs: number;
  rpsFactor: number;
  latencyFactor: number;
  /** per-route latency factors on this node (anomaly `latency*k@route:r`), over latencyFactor */
  routeLatency: Map<number, number>;
  errorRate: number | undefined;
  elFactor: number;
  /** share of each second spent in GC pauses (anomaly `gc=`; 0: the usual one 2 ms pause) */
  gcShare: number;
  downAt: number | undefined;
  /** cumulative (or per-interval, for delta) histograms per route and status */
  hists: Map<string, ExponentialHistogram>;
  el: ExponentialHistogram;
  gc: ExponentialHistogram;
  heap: number;
  /** heap growth kept for good, bytes a second (anomaly `leak=`) */
  leak: number;
  /** seconds the heap has been leaking (0: not leaking) */
  leakSeconds: number;
  /** seconds GC has taken ≥ 10% of the time (0: it does not) */
  gcSeconds: number;
  /** the cause and end (ms) of the last profile while the loop has stayed busy; reset when it is not */
  profiled: { cause: ProfileCause; atMs: number } | undefined;
  /** the node's own stream for its profiles (created at its first), so they do not shift the latency draws */
  profileRnd: Random | undefined;
}

/**
 * A fleet of virtual Node.js servers. `generate(nowMs)` advances every node by one second: it draws
 * request latencies from known distributions into real exponential histograms (the agent's layout) and
 * returns one OTLP ExportMetricsRequest per node. The exact values drawn are kept, so the true fleet
 * answer (rps, error rate, percentiles) of any recent window is known.
 */
export class FleetSimulator {
  readonly options: Required<Omit<SimulatorOptions, 'anomalies'>> & { anomalies: Anomaly[] };
  readonly routes: SimRoute[];
  readonly nodes: SimNode[];
  readonly exact: ExactRecorder;
  private readonly rnd: Random;
  private seconds = 0;

  constructor(options: SimulatorOptions) {
    this.options = {
      service: 'sim',
      samplesPerNode: Math.min(options.rpsPerNode, 200),
      anomalies: [],
      seed: 42,
      temporality: 'cumulative',
      errorRate: 0.002,
      runtime: true,
      maxBuckets: 1024,
      maxScale: 10,
      keepSeconds: 120,
      // options given as undefined keep their defaults
      ...(Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as SimulatorOptions),
    };
    const o = this.options;
    this.rnd = new Random(o.seed);
    this.exact = new ExactRecorder(o.keepSeconds);
    const methods = ['GET', 'GET', 'POST', 'GET', 'PUT'];
    // traffic share falls off with the route's rank (a few hot routes, a long tail), latency rises
    let total = 0;
    const weights = Array.from({ length: o.routes }, (_, i) => 1 / (1 + i * 0.5));
    for (const w of weights) total += w;
    this.routes = weights.map((w, i) => ({
      name: `/api/r${i}/:id`,
      method: methods[i % methods.length],
      median: 0.004 * Math.pow(1.25, i),
      sigma: 0.5 + (i % 3) * 0.15,
      share: w / total,
      latencyFactor: 1,
      errorRate: o.errorRate,
    }));
    const nowNs = Date.now() * 1e6;
    this.nodes = Array.from({ length: o.nodes }, (_, i) => ({
      index: i,
      instance: `${o.service}-${i}`,
      startNs: nowNs,
      rpsFactor: 1,
      latencyFactor: 1,
      routeLatency: new Map(),
      errorRate: undefined,
      elFactor: 1,
      gcShare: 0,
      downAt: undefined,
      hists: new Map(),
      el: new ExponentialHistogram({ maxSize: o.maxBuckets, maxScale: o.maxScale }),
      gc: new ExponentialHistogram({ maxSize: o.maxBuckets, maxScale: o.maxScale }),
      heap: 40e6 + i * 1e5,
      leak: 0,
      leakSeconds: 0,
      gcSeconds: 0,
      profiled: undefined,
      profileRnd: undefined,
    }));
    for (const a of o.anomalies) this.applyAnomaly(a);
  }

  applyAnomaly(a: Anomaly): void {
    if (a.target === 'route') {
      const r = this.routes[a.index];
      if (r === undefined) throw new Error(`anomaly on route ${a.index}: there are only ${this.routes.length} routes`);
      if (a.kind === 'latency') r.latencyFactor = a.value;
      else if (a.kind === 'errors') r.errorRate = a.value;
      else throw new Error(`anomaly kind ${a.kind} applies to nodes only`);
      return;
    }
    const n = this.nodes[a.index];
    if (n === undefined) throw new Error(`anomaly on node ${a.index}: there are only ${this.nodes.length} nodes`);
    if (a.kind === 'latency' && a.route !== undefined) {
      if (this.routes[a.route] === undefined) throw new Error(`anomaly on route ${a.route}: there are only ${this.routes.length} routes`);
      n.routeLatency.set(a.route, a.value);
    } else if (a.kind === 'latency') n.latencyFactor = a.value;
    else if (a.kind === 'errors') n.errorRate = a.value;
    else if (a.kind === 'eventloop') n.elFactor = a.value;
    else if (a.kind === 'rps') n.rpsFactor = a.value;
    else if (a.kind === 'down') n.downAt = a.value;
    else if (a.kind === 'gc') n.gcShare = a.value;
    else if (a.kind === 'leak') n.leak = a.value * 1e6;
  }

  /** The node indexes that export in the current second (down nodes stop). */
  private alive(n: SimNode): boolean {
    return n.downAt === undefined || this.seconds < n.downAt;
  }

  /**
   * Advances node `i` by one second ending at `nowMs` and returns its export (undefined when the node is
   * down). Exact values are recorded under second floor(nowMs / 1000).
   */
  generateNode(i: number, nowMs: number): ExportMetricsRequest | undefined {
    const o = this.options;
    const n = this.nodes[i];
    if (!this.alive(n)) return undefined;
    const second = Math.floor(nowMs / 1000);
    const nowNs = nowMs * 1e6;
    const rps = o.rpsPerNode * n.rpsFactor;
    const samples = Math.max(1, Math.round(o.samplesPerNode * n.rpsFactor));
    const weight = Math.max(1, Math.round(rps / samples));
    if (o.temporality === 'delta') for (const h of n.hists.values()) h.reset();
    const metrics: Metric[] = [];
    const rnd = this.rnd;
    // split the node's samples over routes by share (deterministic rounding carries the remainder)
    let carry = 0;
    for (let r = 0; r < this.routes.length; r++) {
      const route = this.routes[r];
      const exact = carry + samples * route.share;
      const k = Math.floor(exact);
      carry = exact - k;
      const errRate = n.errorRate ?? route.errorRate;
      const median = route.median * route.latencyFactor * n.latencyFactor * (n.routeLatency.get(r) ?? 1);
      for (let s = 0; s < k; s++) {
        const v = rnd.lognormal(median, route.sigma);
        const isErr = rnd.next() < errRate;
        const key = r + (isErr ? ':500' : ':200');
        let h = n.hists.get(key);
        if (h === undefined) n.hists.set(key, (h = new ExponentialHistogram({ maxSize: o.maxBuckets, maxScale: o.maxScale })));
        h.recordMany(v, weight);
        this.exact.record(second, i, r, v, weight, isErr);
      }
    }
    const points = [];
    for (const [key, h] of n.hists) {
      if (h.count === 0 && o.temporality === 'delta') continue;
      const [r, status] = key.split(':');
      const route = this.routes[Number(r)];
      points.push({
        attributes: { 'http.request.method': route.method, 'http.route': route.name, 'http.response.status_code': Number(status) },
        startTimeUnixNano: o.temporality === 'delta' ? nowNs - 1e9 : n.startNs,
        timeUnixNano: nowNs,
        flags: 0,
        ...h.toData(),
      });
    }
    metrics.push({ name: Metrics.httpServerRequestDuration, description: '', unit: 's', type: 'exponentialHistogram', temporality: o.temporality, points });
    if (o.runtime) {
      if (o.temporality === 'delta') {
        n.el.reset();
        n.gc.reset();
      }
      // event-loop delay: 20 samples a second around 1 ms (× the anomaly factor)
      // and the largest of this second's, as the agent's nodejs.eventloop.delay.max is per interval (the cumulative
      // histogram's max held a stall's delay for good after it ended)
      let secondMax = 0;
      for (let s = 0; s < 20; s++) {
        const v = rnd.lognormal(0.001 * n.elFactor, 0.4);
        n.el.record(v);
        if (v > secondMax) secondMax = v;
      }
      if (n.gcShare > 0) for (let p = 0; p < 10; p++) n.gc.record(n.gcShare / 10);
      else n.gc.record(rnd.lognormal(0.002, 0.5));
      n.heap += rnd.normal() * 1e5 + n.leak;
      const start = o.temporality === 'delta' ? nowNs - 1e9 : n.startNs;
      const gauge = (name: string, value: number, unit: string): Metric => ({
        name,
        description: '',
        unit,
        type: 'gauge',
        points: [{ attributes: {}, startTimeUnixNano: 0, timeUnixNano: nowNs, flags: 0, value, isInt: false }],
      });
      const elu = Math.min(0.98, 0.25 * n.rpsFactor * (n.elFactor > 1 ? 3 : 1) + n.gcShare + rnd.next() * 0.05);
      metrics.push(
        { name: Metrics.eventLoopDelay, description: '', unit: 's', type: 'exponentialHistogram', temporality: o.temporality, points: [{ attributes: {}, startTimeUnixNano: start, timeUnixNano: nowNs, flags: 0, ...n.el.toData() }] },
        { name: Metrics.gcDuration, description: '', unit: 's', type: 'exponentialHistogram', temporality: o.temporality, points: [{ attributes: { 'v8js.gc.type': 'minor' }, startTimeUnixNano: start, timeUnixNano: nowNs, flags: 0, ...n.gc.toData() }] },
        gauge(Metrics.eventLoopUtilization, elu, '1'),
        gauge(Metrics.cpuUtilization, Math.min(1, elu * 1.1), '1'),
        gauge(Metrics.heapUsed, n.heap, 'By'),
        gauge(Metrics.heapLimit, 4e9, 'By'),
        gauge(Metrics.memoryUsage, n.heap * 1.8, 'By'),
        gauge(Metrics.activeHandles, 20 + (i % 7), '{handle}'),
        gauge(Metrics.openFds, 30 + (i % 5), '{fd}'),
        gauge(Metrics.eventLoopDelayMax, secondMax, 's'),
      );
      this.profile(n, elu, nowMs, metrics);
      this.heapProfile(n, nowMs, metrics);
      this.allocationProfile(n, nowMs, metrics);
    }
    return {
      resourceMetrics: [
        {
          resource: {
            attributes: {
              'service.name': o.service,
              'service.instance.id': n.instance,
              'host.name': `sim-host-${Math.floor(i / 8)}`,
              'process.pid': 10_000 + i,
              'telemetry.sdk.name': 'perf-simulator',
              'telemetry.sdk.version': '0.1.0',
            },
            droppedAttributesCount: 0,
          },
          scopeMetrics: [{ scope: { name: '@perf/simulator', version: '0.1.0', attributes: {}, droppedAttributesCount: 0 }, metrics, schemaUrl: '' }],
          schemaUrl: '',
        },
      ],
    };
  }

  /**
   * Appends a CPU profile when the agent would take one: the loop ≥ 70% busy or stalling ≥ 50 ms (judged on
   * the anomaly's effect without the noise, so a node near the line does not flicker), on the first export
   * of a busy spell (or of a new cause) and then every 30 s. A healthy node exports none.
   */
  private profile(n: SimNode, elu: number, nowMs: number, metrics: Metric[]): void {
    const steadyElu = 0.25 * n.rpsFactor * (n.elFactor > 1 ? 3 : 1) + n.gcShare;
    // the largest of a second's 20 delay samples is about twice their median (1 ms × the anomaly factor)
    const stall = 0.002 * n.elFactor;
    if (steadyElu < 0.7 && stall < 0.05) {
      n.profiled = undefined;
      return;
    }
    const cause: ProfileCause = n.elFactor > 1 ? 'blocking' : n.gcShare >= 0.4 * steadyElu ? 'gc' : 'saturated';
    const last = n.profiled;
    if (last !== undefined && last.cause === cause && nowMs - last.atMs < PROFILE_EVERY_MS) return;
    n.profiled = { cause, atMs: nowMs };
    n.profileRnd ??= new Random((Math.imul(this.options.seed, 0x9e3779b1) ^ (n.index + 0x5eed)) >>> 0);
    for (const m of profileMetrics(cause, elu, n.gcShare, nowMs, n.profileRnd)) metrics.push(m);
  }

  /**
   * Appends a heap profile when the agent would have one to send: after 10 s of steady growth it profiles for
   * 10 s, then sends that profile for 30 s; again 5 minutes later while the heap still grows.
   */
  private heapProfile(n: SimNode, nowMs: number, metrics: Metric[]): void {
    if (!(n.leak > 0)) return;
    n.leakSeconds++;
    const sinceFirst = n.leakSeconds - HEAP_PROFILE_AFTER_S - HEAP_PROFILE_MILLIS / 1000;
    if (sinceFirst < 0) return;
    const age = sinceFirst % HEAP_PROFILE_EVERY_S;
    if (age >= HEAP_PROFILE_SENT_S) return;
    // the same profile for its 30 s: it ended `age` seconds ago; what it held, ≈ all its window's growth
    const endMs = nowMs - age * 1000;
    const rnd = new Random((Math.imul(this.options.seed, 0x9e3779b1) ^ (n.index + 0x1ea4) ^ (n.leakSeconds - age)) >>> 0);
    for (const m of heapProfileMetrics(n.leak * (HEAP_PROFILE_MILLIS / 1000) * (0.9 + 0.08 * rnd.next()), endMs, rnd)) metrics.push(m);
  }

  /**
   * Appends an allocation profile when the agent would have one to send: GC ≥ 10% of the time starts one at
   * once (3 s), sent for 30 s, then one a minute while it stays so. Bytes: ≈ 100 MB a second per 10% of GC.
   */
  private allocationProfile(n: SimNode, nowMs: number, metrics: Metric[]): void {
    if (!(n.gcShare >= 0.1)) {
      n.gcSeconds = 0;
      return;
    }
    const age = n.gcSeconds++ % ALLOCATION_PROFILE_EVERY_S;
    if (age >= HEAP_PROFILE_SENT_S) return;
    const endMs = nowMs - age * 1000;
    const rnd = new Random((Math.imul(this.options.seed, 0x9e3779b1) ^ (n.index + 0xa110c) ^ (n.gcSeconds - 1 - age)) >>> 0);
    const allocated = (n.gcShare / 0.1) * 100e6 * 3 * (0.9 + 0.2 * rnd.next());
    for (const m of allocationProfileMetrics(allocated, endMs, rnd)) metrics.push(m);
  }

  /** Sets which second of the run is being generated (down anomalies count seconds from the start). */
  beginSecond(index: number): void {
    this.seconds = index;
  }

  /** The exact answer over the last `window` recorded seconds ending at `toSecond` (inclusive). */
  expected(window: number, toSecond: number, filter: { node?: number; route?: number } = {}): ExactAnswer {
    return this.exact.answer(toSecond - window + 1, toSecond, filter);
  }

  /** Histogram series each node exports (routes × statuses seen + runtime). */
  seriesPerNode(): number {
    const n = this.nodes[0];
    return n.hists.size + (this.options.runtime ? 12 : 0);
  }
}
