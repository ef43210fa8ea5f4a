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
]);
const COUNTERS = names(true, [
  [Metrics.listenOverflows, '{connection}'],
  [Metrics.listenDrops, '{connection}'],
  [Metrics.cpuPeriods, '{period}'],
  [Metrics.cpuThrottledPeriods, '{period}'],
  [Metrics.cpuThrottledTime, 's'],
  [Metrics.eventLoopRunDelay, 's'],
]);

function names(counter: boolean, metrics: readonly [name: string, unit: string][]): readonly [prom: string, name: string][] {
  return metrics.map(([name, unit]) => [prometheusName(name, unit, counter), name]);
}

/** Prometheus label → the attribute the store reads (the agent's attributes with `.` turned into `_`). */
const LABEL_ATTRIBUTES: Record<string, string> = Object.fromEntries(
  [Attrs.httpMethod, Attrs.httpRoute, Attrs.httpStatusCode, Attrs.gcType, Attrs.serverPort].map((a) => [prometheusLabel(a), a]),
);

/** The PromQL of the one query a pull makes: every series of the names above. */
export const PULL_QUERY = `{__name__=~"${[
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
 * Converts one query's samples into an OTLP-model request: one resource per scrape target (`job` → service,
 * `instance` → node), cumulative histograms from `_bucket`/`_sum`/`_count`, gauges, counters.
 */
export function samplesToRequest(samples: readonly PromSample[], knownTargets: Set<string> = new Set()): ExportMetricsRequest {
  const targets = new Map<string, { attrs: Attributes; series: Map<string, { name: string; labels: Record<string, string>; samples: PromSample[] }> }>();
  const histogramOf = new Map<string, string>();
  for (const [p] of HISTOGRAMS) for (const suffix of ['_bucket', '_sum', '_count']) histogramOf.set(p + suffix, p);
  for (const s of samples) {
    const name = s.metric.__name__;
    const job = s.metric.job ?? '';
    const instance = s.metric.instance ?? '';
    const targetKey = `${job}\0${instance}`;
    let target = targets.get(targetKey);
    if (target === undefined) {
      const host = instance.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
      target = {
        attrs: { [Attrs.serviceName]: s.metric.service_name || job || 'unknown_service', [Attrs.serviceInstanceId]: s.metric.service_instance_id || instance || job, [Attrs.hostName]: s.metric.host_name || host },
        series: new Map(),
      };
      targets.set(targetKey, target);
    }
    // one series per metric (histograms: the base name) and label set without le/__name__
    const base = histogramOf.get(name) ?? name;
    const labels: Record<string, string> = {};
    for (const k in s.metric) if (k !== '__name__' && k !== 'le' && k !== 'job' && k !== 'instance') labels[k] = s.metric[k];
    const key = `${base}\0${Object.keys(labels)
      .sort()
      .map((k) => `${k}=${labels[k]}`)
      .join('\0')}`;
    let series = target.series.get(key);
    if (series === undefined) target.series.set(key, (series = { name: base, labels, samples: [] }));
    series.samples.push(s);
  }
  const histogramNames = new Map(HISTOGRAMS);
  const gaugeNames = new Map(GAUGES);
  const counterNames = new Map(COUNTERS);
  const resourceMetrics: ExportMetricsRequest['resourceMetrics'] = [];
  for (const [targetKey, target] of targets) {
    // a series that appears on a target already read began since the last pull: all of it counts (start 0 is
    // "fresh" to ingest); on a target seen for the first time it is a baseline (PREEXISTING)
    const start = knownTargets.has(targetKey) ? 0 : PREEXISTING;
    knownTargets.add(targetKey);
    const metrics = new Map<string, Metric>();
    /** the metric `name` of this target, created on its first point */
    const metric = <M extends Metric>(name: string, create: () => M): M => {
      let m = metrics.get(name);
      if (m === undefined) metrics.set(name, (m = create()));
      return m as M;
    };
    for (const series of target.series.values()) {
      const attributes = attributesOf(series.labels);
      const histogram = histogramNames.get(series.name);
      if (histogram !== undefined) {
        const point = histogramPoint(series.name, series.samples, attributes, start);
        if (point !== undefined) metric(histogram, () => ({ type: 'histogram', name: histogram, unit: 's', description: '', temporality: 'cumulative', points: [] as HistogramDataPoint[] })).points.push(point);
        continue;
      }
      const s = series.samples[0];
      const value = Number(s.value[1]);
      if (!Number.isFinite(value)) continue;
      const point: NumberDataPoint = { attributes, startTimeUnixNano: start, timeUnixNano: Math.round(s.value[0] * 1e9), flags: 0, value, isInt: Number.isInteger(value) };
      const gauge = gaugeNames.get(series.name);
      if (gauge !== undefined) {
        metric(gauge, () => ({ type: 'gauge', name: gauge, unit: '', description: '', points: [] as NumberDataPoint[] })).points.push(point);
        continue;
      }
      const counter = counterNames.get(series.name);
      if (counter !== undefined) metric(counter, () => ({ type: 'sum', name: counter, unit: '', description: '', temporality: 'cumulative', monotonic: true, points: [] as NumberDataPoint[] })).points.push(point);
    }
    resourceMetrics.push({ resource: { attributes: target.attrs }, schemaUrl: '', scopeMetrics: [{ scope: { name: 'prometheus', version: '', attributes: {} }, schemaUrl: '', metrics: [...metrics.values()] }] } as ExportMetricsRequest['resourceMetrics'][number]);
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

/** `_bucket` (cumulative per `le`), `_sum`, `_count` samples of one series → an explicit-bucket point. */
function histogramPoint(base: string, samples: readonly PromSample[], attributes: Attributes, start: number): HistogramDataPoint | undefined {
  const buckets: [number, number][] = [];
  let sum = NaN;
  let count = NaN;
  let time = 0;
  for (const s of samples) {
    const name = s.metric.__name__;
    const v = Number(s.value[1]);
    time = Math.max(time, s.value[0]);
    if (name === `${base}_sum`) sum = v;
    else if (name === `${base}_count`) count = v;
    else if (name === `${base}_bucket`) buckets.push([s.metric.le === '+Inf' ? Infinity : Number(s.metric.le), v]);
  }
  buckets.sort((a, b) => a[0] - b[0]);
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
  return { attributes, startTimeUnixNano: start, timeUnixNano: Math.round(time * 1e9), flags: 0, count, sum: Number.isFinite(sum) ? sum : undefined, min: undefined, max: undefined, bucketCounts, explicitBounds };
}

/** Pulls the agents' series from Prometheus once a second and applies them like OTLP exports. */
export class PrometheusPuller {
  readonly status: PrometheusPullStatus;
  #timer: NodeJS.Timeout | undefined;
  #busy = false;
  #warned = false;
  readonly #query: string;
  /** scrape targets (`job\0instance`) read before: their new series count from their first sample */
  readonly #targets = new Set<string>();

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
      this.applier.apply(samplesToRequest(samples, this.#targets), now);
      this.status.pulls++;
      this.status.lastSeries = samples.length;
      this.status.lastPullAt = now;
      this.status.lastError = null;
      this.#warned = false;
    } catch (err) {
      this.status.failures++;
      this.status.lastError = (err as Error).message;
      if (!this.#warned) {
        this.#warned = true;
        (this.options.log ?? console.warn)(`perf: reading the agents from Prometheus at ${this.status.url} failed (${(err as Error).message}); retrying every second`);
      }
    } finally {
      this.#busy = false;
    }
  }
}
