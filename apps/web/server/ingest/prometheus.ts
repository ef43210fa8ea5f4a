// The dashboard on a Prometheus-compatible store (PERF_PROMETHEUS_URL): when the agents are scraped by
// Prometheus (their `/metrics`, PERF_PROMETHEUS_PORT) rather than exporting OTLP to the dashboard, the
// dashboard reads them back by PromQL. Once a second one instant query (`/api/v1/query`) fetches the latest
// sample of every series of the agent's metrics; each scrape target becomes a node (`job` its service,
// `instance` its id), the classic histograms become explicit-bucket histogram points, and the lot goes through
// the same ingest as OTLP (cumulative → delta per series, duplicates dropped), so the UI, the diagnosis and
// the alerts work unchanged. A sample Prometheus already returned (same timestamp) counts once; a target whose
// counters restart is a reset, as over OTLP.

import { Attrs, Metrics, prometheusLabel, prometheusName, type Attributes, type ExportMetricsRequest, type HistogramDataPoint, type Metric, type NumberDataPoint } from '@perf/metrics';
import type { Applier } from './apply.js';

/**
 * The agent's metrics the store reads, with the units the agent gives them: their Prometheus names follow from
 * both by the same rule the agent's `/metrics` uses (`prometheusName` in @perf/metrics).
 */
const HISTOGRAMS = names(false, [
  [Metrics.httpServerRequestDuration, 's'],
  [Metrics.eventLoopDelay, 's'],
  [Metrics.gcDuration, 's'],
]);
const GAUGES = names(false, [
  [Metrics.eventLoopUtilization, '1'],
  [Metrics.eventLoopDelayMax, 's'],
  [Metrics.cpuUtilization, '1'],
  [Metrics.heapUsed, 'By'],
  [Metrics.heapLimit, 'By'],
  [Metrics.memoryUsage, 'By'],
  [Metrics.activeHandles, '{handle}'],
  [Metrics.openFds, '{fd}'],
  [Metrics.fdLimit, '{fd}'],
  [Metrics.listenQueue, '{connection}'],
  [Metrics.cpuLimit, '{cpu}'],
  // an up-down counter, a gauge on /metrics (per method, summed by ingest as over OTLP)
  [Metrics.httpServerActiveRequests, '{request}'],
  // …and per route where the agent names them (from 10 in flight; gone from /metrics, and so stale, below)
  [Metrics.httpServerActiveRequestsByRoute, '{request}'],
]);
const COUNTERS = names(true, [
  [Metrics.listenOverflows, '{connection}'],
  [Metrics.listenDrops, '{connection}'],
  [Metrics.cpuPeriods, '{period}'],
  [Metrics.cpuThrottledPeriods, '{period}'],
  [Metrics.cpuThrottledTime, 's'],
  [Metrics.eventLoopRunDelay, 's'],
  // requests the clients gave up on, per method and route (read by ingest as over OTLP)
  [Metrics.httpServerAbortedRequests, '{request}'],
]);

function names(counter: boolean, metrics: readonly [name: string, unit: string][]): readonly [prom: string, name: string][] {
  return metrics.map(([name, unit]) => [prometheusName(name, unit, counter), name]);
}

/** Prometheus label → the attribute the store reads (the agent's attributes with `.` turned into `_`). */
const LABEL_ATTRIBUTES: Record<string, string> = Object.fromEntries(
  [Attrs.httpMethod, Attrs.httpRoute, Attrs.httpStatusCode, Attrs.gcType, Attrs.serverPort, Attrs.responseStarted].map((a) => [prometheusLabel(a), a]),
);

/** who a target is (OpenTelemetry's convention: resource attributes as labels) and when its counters started */
const TARGET_INFO = 'target_info';
const START_TIME = 'process_start_time_seconds';

/** The PromQL of the one query a pull makes: every series of the names above. */
export const PULL_QUERY = `{__name__=~"${[
  TARGET_INFO,
  START_TIME,
  ...HISTOGRAMS.flatMap(([p]) => [`${p}_bucket`, `${p}_sum`, `${p}_count`]),
  ...GAUGES.map(([p]) => p),
  ...COUNTERS.map(([p]) => p),
].join('|')}"}`;

/** A vector sample of `/api/v1/query` (`resultType: "vector"`). */
export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface PrometheusPullOptions {
  /** the Prometheus (or compatible: Thanos, Mimir, VictoriaMetrics) base URL, e.g. http://prometheus:9090 */
  url: string;
  /** ms between pulls (default 1000) */
  intervalMs?: number;
  /** ms one query may take (default 5000) */
  timeoutMs?: number;
  /** extra request headers (e.g. authorization for a hosted store) */
  headers?: Record<string, string>;
  log?: (msg: string) => void;
  /** counts each pull as one ingest request with its points (/api/v1/status `ingest`) */
  stats?: { countRequest(points: number, now?: number): void };
  /** told when pulls start failing (with the error and since when) and when they work again (undefined) */
  onTrouble?: (trouble: { source: string; error: string; since: number } | undefined) => void;
}

/** The state of the Prometheus source, for `/api/v1/status`. */
export interface PrometheusPullStatus {
  url: string;
  pulls: number;
  failures: number;
  lastError: string | null;
  lastSeries: number;
  lastPullAt: number | null;
}

/**
 * Converts one query's samples into an OTLP-model request: one resource per scrape target (its `target_info`'s
 * service and host names, else `job` and the address's host; `instance` → node), cumulative histograms from
 * `_bucket`/`_sum`/`_count`, gauges, counters.
 *
 * Every point of a target has the same start time from pull to pull (ingest reads a changed start as a restart of
 * the counters, and counts them whole): its `process_start_time_seconds`, when the target says when its counters
 * started (the agent does, as do most Prometheus clients). Then a target whose process started after the dashboard
 * counts whole, one that was running before is a baseline, and a restarted dashboard goes on from its saved states.
 * Without it, PREEXISTING: the target's first samples are a baseline.
 *
 * Series whose labels differ only in what the store does not read (another exporter's `network_protocol_version`,
 * `otel_scope_name`, a replica label) are added together: they are parts of one series of the store.
 */
export function samplesToRequest(samples: readonly PromSample[]): ExportMetricsRequest {
  type Series = { name: string; attributes: Attributes; samples: PromSample[] };
  const targets = new Map<string, { job: string; instance: string; info: Record<string, string> | undefined; start: number; series: Map<string, Series> }>();
  const histogramOf = new Map<string, string>();
  for (const [p] of HISTOGRAMS) for (const suffix of ['_bucket', '_sum', '_count']) histogramOf.set(p + suffix, p);
  for (const s of samples) {
    const name = s.metric.__name__;
    const job = s.metric.job ?? '';
    const instance = s.metric.instance ?? '';
    const targetKey = `${job}\0${instance}`;
    let target = targets.get(targetKey);
    if (target === undefined) targets.set(targetKey, (target = { job, instance, info: undefined, start: PREEXISTING, series: new Map() }));
    if (name === TARGET_INFO) {
      target.info = s.metric;
      continue;
    }
    if (name === START_TIME) {
      const started = Number(s.value[1]);
      if (Number.isFinite(started) && started > 0) target.start = Math.round(started * 1e3) * 1e6;
      continue;
    }
    // one series per metric (histograms: the base name) and attributes the store reads
    const base = histogramOf.get(name) ?? name;
    const attributes = attributesOf(s.metric);
    const key = `${base}\0${Object.keys(attributes)
      .sort()
      .map((k) => `${k}=${attributes[k]}`)
      .join('\0')}`;
    let series = target.series.get(key);
    if (series === undefined) target.series.set(key, (series = { name: base, attributes, samples: [] }));
    series.samples.push(s);
  }
  const histogramNames = new Map(HISTOGRAMS);
  const gaugeNames = new Map(GAUGES);
  const counterNames = new Map(COUNTERS);
  const resourceMetrics: ExportMetricsRequest['resourceMetrics'] = [];
  for (const target of targets.values()) {
    if (target.series.size === 0) continue;
    const { job, instance, info, start } = target;
    const host = instance.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
    const attrs: Attributes = {
      [Attrs.serviceName]: info?.service_name || job || 'unknown_service',
      // the scrape address, not the agent's instance id: an agent also exporting OTLP to this dashboard is then two
      // nodes, not one fed twice (each path's cumulative points would read as the other's resets)
      [Attrs.serviceInstanceId]: instance || info?.service_instance_id || job,
      [Attrs.hostName]: info?.host_name || host,
    };
    const metrics = new Map<string, Metric>();
    /** the metric `name` of this target, created on its first point */
    const metric = <M extends Metric>(name: string, create: () => M): M => {
      let m = metrics.get(name);
      if (m === undefined) metrics.set(name, (m = create()));
      return m as M;
    };
    for (const series of target.series.values()) {
      const { attributes } = series;
      const histogram = histogramNames.get(series.name);
      if (histogram !== undefined) {
        const point = histogramPoint(series.name, series.samples, attributes, start);
        if (point !== undefined) metric(histogram, () => ({ type: 'histogram', name: histogram, unit: 's', description: '', temporality: 'cumulative', points: [] as HistogramDataPoint[] })).points.push(point);
        continue;
      }
      const counter = counterNames.get(series.name);
      // a counter's parts add up; a gauge's are the same reading, once
      let value = 0;
      let time = 0;
      for (const s of counter !== undefined ? series.samples : series.samples.slice(0, 1)) {
        value += Number(s.value[1]);
        time = Math.max(time, s.value[0]);
      }
      if (!Number.isFinite(value)) continue;
      const point: NumberDataPoint = { attributes, startTimeUnixNano: start, timeUnixNano: Math.round(time * 1e9), flags: 0, value, isInt: Number.isInteger(value) };
      const gauge = gaugeNames.get(series.name);
      if (gauge !== undefined) {
        metric(gauge, () => ({ type: 'gauge', name: gauge, unit: '', description: '', points: [] as NumberDataPoint[] })).points.push(point);
        continue;
      }
      if (counter !== undefined) metric(counter, () => ({ type: 'sum', name: counter, unit: '', description: '', temporality: 'cumulative', monotonic: true, points: [] as NumberDataPoint[] })).points.push(point);
    }
    resourceMetrics.push({ resource: { attributes: attrs }, schemaUrl: '', scopeMetrics: [{ scope: { name: 'prometheus', version: '', attributes: {} }, schemaUrl: '', metrics: [...metrics.values()] }] } as ExportMetricsRequest['resourceMetrics'][number]);
  }
  return { resourceMetrics };
}

/**
 * Start time of the points of a target read for the first time: not known, and older than the dashboard, so
 * its series are baselines (what they counted before is not this second's traffic), as for an agent that was
 * running before the dashboard started.
 */
const PREEXISTING = 1;

function attributesOf(labels: Record<string, string>): Attributes {
  const out: Attributes = {};
  for (const k in labels) {
    const attr = LABEL_ATTRIBUTES[k];
    if (attr === undefined) continue;
    const v = labels[k];
    out[attr] = attr === Attrs.httpStatusCode || attr === Attrs.serverPort ? Number(v) : v;
  }
  return out;
}

/**
 * `_bucket` (cumulative per `le`), `_sum`, `_count` samples of one series → an explicit-bucket point. The samples
 * of several series with the same attributes (see samplesToRequest) add up, bound by bound.
 */
function histogramPoint(base: string, samples: readonly PromSample[], attributes: Attributes, start: number): HistogramDataPoint | undefined {
  const byBound = new Map<number, number>();
  let sum = NaN;
  let count = NaN;
  let time = 0;
  const add = (a: number, v: number) => (Number.isNaN(a) ? v : a + v);
  for (const s of samples) {
    const name = s.metric.__name__;
    const v = Number(s.value[1]);
    time = Math.max(time, s.value[0]);
    if (name === `${base}_sum`) sum = add(sum, v);
    else if (name === `${base}_count`) count = add(count, v);
    else if (name === `${base}_bucket`) {
      const le = s.metric.le === '+Inf' ? Infinity : Number(s.metric.le);
      byBound.set(le, (byBound.get(le) ?? 0) + v);
    }
  }
  const buckets = [...byBound].sort((a, b) => a[0] - b[0]);
  if (buckets.length === 0 || buckets.at(-1)![0] !== Infinity || !Number.isFinite(count)) return undefined;
  const explicitBounds: number[] = [];
  const bucketCounts: number[] = [];
  let below = 0;
  for (const [le, cumulative] of buckets) {
    if (!Number.isFinite(cumulative) || cumulative < below) return undefined;
    if (le !== Infinity) explicitBounds.push(le);
    bucketCounts.push(cumulative - below);
    below = cumulative;
  }
  return { attributes, startTimeUnixNano: start, timeUnixNano: Math.round(time * 1e9), flags: 0, count, sum: Number.isFinite(sum) ? sum : undefined, min: undefined, max: undefined, bucketCounts: Float64Array.from(bucketCounts), explicitBounds };
}

/** Pulls the agents' series from Prometheus once a second and applies them like OTLP exports. */
export class PrometheusPuller {
  readonly status: PrometheusPullStatus;
  #timer: NodeJS.Timeout | undefined;
  #busy = false;
  #warned = false;
  #failingSince: number | undefined;
  readonly #query: string;

  constructor(
    private readonly applier: Applier,
    private readonly options: PrometheusPullOptions,
  ) {
    const base = options.url.replace(/\/+$/, '');
    this.#query = `${base}/api/v1/query?query=${encodeURIComponent(PULL_QUERY)}`;
    this.status = { url: base, pulls: 0, failures: 0, lastError: null, lastSeries: 0, lastPullAt: null };
  }

  start(): this {
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => void this.pull(), this.options.intervalMs ?? 1000);
      this.#timer.unref();
    }
    return this;
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** One pull: query, convert, apply. A failure is counted and logged once per outage; never throws. */
  async pull(now = Date.now()): Promise<void> {
    if (this.#busy) return; // the previous query is still out: skip, the next one reads the latest samples anyway
    this.#busy = true;
    try {
      const res = await fetch(this.#query, { headers: this.options.headers, signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000) });
      const body = (await res.json().catch(() => undefined)) as { status?: string; error?: string; data?: { resultType?: string; result?: PromSample[] } } | undefined;
      if (!res.ok || body?.status !== 'success' || body.data?.resultType !== 'vector') {
        throw new Error(`${this.status.url} answered ${res.status}${body?.error ? `: ${body.error}` : ''}`);
      }
      const samples = body.data.result ?? [];
      const result = this.applier.apply(samplesToRequest(samples), now, null);
      this.options.stats?.countRequest(result.points, now);
      this.status.pulls++;
      this.status.lastSeries = samples.length;
      this.status.lastPullAt = now;
      this.status.lastError = null;
      if (this.#warned) {
        (this.options.log ?? console.warn)(`perf: reading the agents from Prometheus at ${this.status.url} works again`);
        this.#failingSince = undefined;
        this.options.onTrouble?.(undefined);
      }
      this.#warned = false;
    } catch (err) {
      this.status.failures++;
      // fetch's "fetch failed" says nothing: its cause does (ECONNREFUSED, ENOTFOUND, a certificate)
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message;
      this.status.lastError = why ? `${(err as Error).message} (${why})` : (err as Error).message;
      this.#failingSince ??= now;
      this.options.onTrouble?.({ source: `Prometheus at ${this.status.url}`, error: this.status.lastError, since: this.#failingSince });
      if (!this.#warned) {
        this.#warned = true;
        (this.options.log ?? console.warn)(`perf: reading the agents from Prometheus at ${this.status.url} failed (${this.status.lastError}); retrying every second`);
      }
    } finally {
      this.#busy = false;
    }
  }
}
