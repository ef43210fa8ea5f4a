/**
 * The export worker: the OpenTelemetry SDK (MeterProvider, PeriodicExportingMetricReader, the official
 * OTLP exporter) runs here, on its own thread, so serialising and compressing an export never blocks the
 * app's event loop (measured: ≈ 4 ms to serialise 60 latency series on the main thread; 0 here).
 *
 * The app's thread pushes a snapshot once per export interval (on the agent's heartbeat; histograms packed
 * into one buffer shared with this thread, read at once: snapshot.ts), and the worker exports it at once through `reader.forceFlush()`: the
 * reader's MetricProducer hands the SDK that snapshot plus what this thread reads itself (open file
 * descriptors, listen-queue counters and the listening ports' accept queues from /proc, synchronously: blocking this thread costs the app
 * nothing). The reader's own timer is parked, so this thread wakes only when there is something to send.
 *
 * It also takes CPU profiles of the app's thread when a snapshot shows the loop busy or stalled (profiler.ts),
 * heap profiles when the heap keeps growing and allocation profiles when GC takes a large share of the time
 * (heapProfiler.ts), and exports the last ones for a while.
 *
 * With PERF_PROMETHEUS_PORT it also serves `/metrics` (prometheus.ts), from a snapshot it asks the app's thread for
 * at each scrape; with Prometheus alone (OTEL_METRICS_EXPORTER=prometheus) it runs for that and exports nothing.
 *
 * Messages: parent → worker { type: 'export' | 'shutdown' | 'exit-export', id, snapshot, limitMs? (the last export's time limit) } | { type: 'stats' | 'stop-profile' | 'drop-profiles', id }
 *                             | { type: 'mapped-places', id, places } | { type: 'scrape', id: 0, scrapes, snapshot };
 *           worker → parent { type: 'done', id, stats? } (for a non-zero id) | { type: 'profiling', running }
 *                             | { type: 'map-places', id, places } (source maps of code compiled in memory)
 *                             | { type: 'scrape-request', id } | { type: 'prometheus', port } (bound, or undefined).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader, type MetricProducer } from '@opentelemetry/sdk-metrics';
import { Attrs, type Metric } from '@perf/metrics';
import { CgroupCpuCollector } from '../collectors/cgroupCpu.js';
import { FdCollector } from '../collectors/fds.js';
import { RunDelayCollector } from '../collectors/runDelay.js';
import { ListenQueueCollector } from '../collectors/listenQueue.js';
import { NetstatCollector } from '../collectors/netstat.js';
import { RssCollector } from '../collectors/rss.js';
import type { Config } from '../config.js';
import { MetricBatch } from '../recording/MetricBatch.js';
import { VERSION } from '../version.js';
import { createOtlpExporter, watchUnreachable } from './createExporter.js';
import { DeltaConverter } from './delta.js';
import { GuardedExporter } from './GuardedExporter.js';
import { existsSync, readFileSync } from 'node:fs';
import { AllocationProfiler, GrowthProfiler } from './heapProfiler.js';
import { BusyProfiler, correctUtilization, parseSchedstat } from './profiler.js';
import { SourceMaps, type Place } from './sourceMaps.js';
import { WchanSampler } from './wchan.js';
import { HistogramUnpacker, type Snapshot } from './snapshot.js';
import { PrometheusServer } from './prometheus.js';
import { toScopeMetrics } from './toSdk.js';

/** setInterval's largest delay: the reader's own timer never fires (exports come from the app's heartbeat). */
const PARKED_INTERVAL = 2 ** 31 - 1;

export interface WorkerData {
  config: Config;
  resource: Record<string, string | number>;
  /** the agent's start (cumulative points start there), ns since the epoch */
  startTimeUnixNano: number;
  /** set to 1 (and notified) once running profiles were dropped at the process's exit (none without SharedArrayBuffer) */
  exitSignal: Int32Array | undefined;
  /** set to 1 (and notified) once the last export is done: after 'shutdown' or 'exit-export' (none without SharedArrayBuffer) */
  finalSignal: Int32Array | undefined;
}

const port = parentPort!;
const { config, resource, startTimeUnixNano, exitSignal, finalSignal } = workerData as WorkerData;
/** the snapshot the next collection exports (the latest pushed; cumulative, so a newer one supersedes it) */
let latest: Metric[] = [];
const histograms = new HistogramUnpacker();
const netstat = new NetstatCollector(true);
// after netstat in the list: it reads the accept queues when the overflows netstat just read have risen
const listenQueues = new ListenQueueCollector(true, () => netstat.pressure(), config.listenQueueIntervalMillis);
const processProbes = [new FdCollector(true), netstat, listenQueues, new RssCollector(), new CgroupCpuCollector(true), new RunDelayCollector(true)];

/**
 * Where profiled places are mapped back to their sources: maps on disk here, and for code compiled in memory
 * (tsx) the maps Node keeps on the app's thread, asked for by message (a few lookups per profile).
 */
const placesAsked = new Map<number, (places: (Place | null)[]) => void>();
let placesId = 0;
/** whether the app's thread keeps source maps (from its last snapshot): without them there is nothing to ask */
let appSourceMaps = false;
const sourceMaps = new SourceMaps(
  (places) =>
    new Promise((resolve, reject) => {
      if (!appSourceMaps) {
        resolve(places.map(() => null));
        return;
      }
      const id = ++placesId;
      const timer = setTimeout(() => {
        placesAsked.delete(id);
        reject(new Error('the app thread did not answer'));
      }, 2000);
      placesAsked.set(id, (answer) => {
        clearTimeout(timer);
        placesAsked.delete(id);
        resolve(answer);
      });
      port.postMessage({ type: 'map-places', id, places });
    }),
);

/** where the app's thread sleeps while a profile runs (tells an idle loop from one blocked in a call) */
const wchan = new WchanSampler();
const profiler = new BusyProfiler(
  {
    enabled: config.profile,
    elu: config.profileElu,
    stallMillis: config.profileStallMillis,
    durationMillis: config.profileDurationMillis,
    cooldownMillis: config.profileCooldownMillis,
    afterMillis: config.profileAfterMillis,
    sourceMaps,
  },
  (running) => {
    if (running) wchan.start();
    else wchan.stop();
    profiling();
  },
  startTimeUnixNano / 1e6,
);
const heapProfiler: GrowthProfiler = new GrowthProfiler(
  {
    enabled: config.profile && config.heapProfile,
    growthBytes: config.heapProfileGrowthMB * 1024 * 1024,
    durationMillis: config.heapProfileDurationMillis,
    cooldownMillis: config.heapProfileCooldownMillis,
    afterMillis: config.profileAfterMillis,
    sourceMaps,
    blocked: (): boolean => allocationProfiler.running,
  },
  () => profiling(),
  startTimeUnixNano / 1e6,
);
const allocationProfiler: AllocationProfiler = new AllocationProfiler(
  {
    enabled: config.profile && config.allocProfile,
    gcShare: config.allocProfileGcShare,
    durationMillis: config.allocProfileDurationMillis,
    cooldownMillis: config.allocProfileCooldownMillis,
    afterMillis: config.profileAfterMillis,
    sourceMaps,
    blocked: (): boolean => heapProfiler.running,
  },
  () => profiling(),
  startTimeUnixNano / 1e6,
);
/** tells the app's thread whether any profile runs (it stops them before the process exits on its own) */
let wasProfiling = false;
function profiling(): void {
  const running = profiler.running || heapProfiler.running || allocationProfiler.running;
  if (running !== wasProfiling) port.postMessage({ type: 'profiling', running });
  wasProfiling = running;
}
const stopProfiles = () => Promise.all([profiler.stop(), heapProfiler.stop(), allocationProfiler.stop()]);
/** The process is exiting: every inspector session goes at once (no profile from them). */
const dropProfiles = () => {
  profiler.drop();
  heapProfiler.drop();
  allocationProfiler.drop();
};

/** the main thread's schedstat (ns on a CPU + ns waiting for one) at the previous snapshot of a profiled stretch */
const SCHEDSTAT = '/proc/self/schedstat';
const hasSchedstat = process.platform === 'linux' && existsSync(SCHEDSTAT);
let lastSched: { at: number; ns: number } | undefined;
function readSched(): { at: number; ns: number } | undefined {
  if (!hasSchedstat) return undefined;
  try {
    const ns = parseSchedstat(readFileSync(SCHEDSTAT, 'utf8'));
    return ns === undefined ? undefined : { at: Date.now(), ns };
  } catch {
    return undefined;
  }
}

/**
 * A snapshot's utilisation, corrected when a profile ran in its interval (see correctUtilization). schedstat is
 * read only from a profile's start to the first interval after its end: nothing to do otherwise.
 */
let lastCheckAt = 0;
function checkUtilization(metrics: Metric[]): void {
  const now = Date.now();
  const since = lastCheckAt;
  lastCheckAt = now;
  const sampled = wchan.take();
  if (since === 0 || !profiler.ranSince(since)) {
    lastSched = undefined;
    return;
  }
  const sched = readSched();
  const prev = lastSched;
  lastSched = sched;
  // where the thread slept (idle in epoll or not) is the better measure; its CPU + run delay the fallback
  if (sampled !== undefined) correctUtilization(metrics, sampled);
  else if (sched !== undefined && prev !== undefined && sched.at > prev.at) correctUtilization(metrics, (sched.ns - prev.ns) / 1e6 / (sched.at - prev.at));
}

/** What this thread reads itself (the process's /proc probes), for one consumer ('otlp' or 'prometheus'). */
function ownMetrics(consumer: string): Metric[] {
  const batch = new MetricBatch(startTimeUnixNano, Date.now() * 1e6, consumer);
  for (const probe of processProbes) {
    try {
      probe.collect(batch);
    } catch {
      // one broken probe must not cost the others their export
    }
  }
  return [...batch.metrics.values()];
}

const delta = config.temporality === 'delta' ? new DeltaConverter() : undefined;
const sdkResource = resourceFromAttributes(resource);
const producer: MetricProducer = {
  collect: async () => {
    let out: Metric[] = latest.concat(ownMetrics('otlp'), profiler.metrics(), heapProfiler.metrics(), allocationProfiler.metrics());
    if (delta) out = delta.convert(out, Date.now() * 1e6);
    return { resourceMetrics: { resource: sdkResource, scopeMetrics: [toScopeMetrics(out, '@perf/agent', VERSION)] }, errors: [] };
  },
};
// OTLP only when asked for (OTEL_METRICS_EXPORTER): a process scraped by Prometheus alone runs this thread for /metrics
const exporter = config.otlp ? new GuardedExporter(createOtlpExporter(config), config.exportIntervalMillis, config.endpoint, config.exportBackoffMaxMillis) : undefined;
const reader = exporter
  ? new PeriodicExportingMetricReader({
      exporter,
      exportIntervalMillis: PARKED_INTERVAL,
      exportTimeoutMillis: config.exportTimeoutMillis,
      metricProducers: [producer],
    })
  : undefined;
// the provider registers the reader (collect() needs it); the thread is terminated at the end, nothing to shut down
if (reader) new MeterProvider({ resource: sdkResource, readers: [reader] });

/**
 * Prometheus scrapes: each asks the app's thread for a snapshot (packed in slices there, as for an export) and
 * answers from it. While the app's loop is blocked the answer waits, at most SCRAPE_WAIT_MS; then it is built from
 * the last snapshot this thread has (a stuck process still answers, with its last numbers; none yet: 503).
 */
const SCRAPE_WAIT_MS = 2000;
const scrapesWaiting = new Map<number, (metrics: Metric[] | undefined) => void>();
let scrapeId = 0;
/** the gauges and histograms of the last snapshot, for a scrape the app's thread cannot answer in time */
let lastScraped: Metric[] | undefined;
function scrape(): Promise<Metric[]> {
  const id = ++scrapeId;
  return new Promise<Metric[] | undefined>((resolve) => {
    const timer = setTimeout(() => {
      scrapesWaiting.delete(id);
      resolve(undefined);
    }, SCRAPE_WAIT_MS);
    scrapesWaiting.set(id, (metrics) => {
      clearTimeout(timer);
      scrapesWaiting.delete(id);
      resolve(metrics);
    });
    port.postMessage({ type: 'scrape-request', id });
  }).then((fresh) => {
    const app = fresh ?? lastScraped ?? (latest.length > 0 ? latest : undefined);
    if (app === undefined) throw new Error(`the app's thread did not answer within ${SCRAPE_WAIT_MS} ms (its event loop is blocked)`);
    return app.concat(ownMetrics('prometheus'));
  });
}
const targetLabels: Record<string, string> = {};
for (const [attr, label] of [[Attrs.serviceName, 'service_name'], [Attrs.serviceInstanceId, 'service_instance_id'], [Attrs.hostName, 'host_name']] as const) {
  if (resource[attr] !== undefined) targetLabels[label] = String(resource[attr]);
}
// the cumulative series start with the agent: that is the start a reader of the store needs
const prometheus = config.prometheusPort !== undefined ? new PrometheusServer(scrape, { labels: targetLabels, startTimeSeconds: Math.round(startTimeUnixNano / 1e6) / 1e3 }) : undefined;
if (prometheus !== undefined) {
  prometheus.start(config.prometheusPort!, config.prometheusHost).then(
    (bound) => port.postMessage({ type: 'prometheus', port: bound }),
    () => port.postMessage({ type: 'prometheus', port: undefined }),
  );
}

/**
 * The last export (on shutdown, or at the process's exit): collected now and sent by an exporter of its own, so a
 * periodic export still retrying cannot hold it up, its retries end within `limitMs`, and it gives up at once when
 * nothing listens at the endpoint. Through the reader's exporter, a dashboard that refused connections cost every
 * stopping process its whole PERF_SHUTDOWN_TIMEOUT (the exporter retries a refused connection for seconds). An export
 * still in flight is left to itself: its point is older than this one, which the receiver keeps.
 */
async function finalExport(limitMs: number): Promise<void> {
  if (reader === undefined) return;
  let gaveUp: () => void = () => {};
  const unreachable = new Promise<void>((resolve) => (gaveUp = resolve));
  const last = createOtlpExporter({ ...config, exportTimeoutMillis: Math.max(1, limitMs) }, watchUnreachable(() => gaveUp()));
  const { resourceMetrics } = await reader.collect({ timeoutMillis: limitMs });
  await Promise.race([new Promise<void>((resolve) => last.export(resourceMetrics, () => resolve())), unreachable]);
}

const answer = (id: number) => () => {
  if (id !== 0) port.postMessage({ type: 'done', id });
};
/** The last export is done (or failed): the app's thread may be waiting for it in its 'exit' handler. */
const finalDone = () => {
  if (finalSignal === undefined) return;
  Atomics.store(finalSignal, 0, 1);
  Atomics.notify(finalSignal, 0);
};

port.on('message', (msg: { type: string; id: number; limitMs?: number; snapshot?: Snapshot; places?: (Place | null)[]; scrapes?: number[] }) => {
  if (msg.type === 'mapped-places') {
    placesAsked.get(msg.id)?.(msg.places ?? []);
    return;
  }
  if (msg.type === 'scrape') {
    // a snapshot taken for Prometheus (its per-interval values are the scrapes' own, see MetricBatch): every
    // snapshot goes through the unpacker, which learns the series it describes
    const packed = msg.snapshot?.histograms;
    const metrics = msg.snapshot ? (packed ? [...msg.snapshot.metrics, ...histograms.receive(packed)] : msg.snapshot.metrics) : undefined;
    if (metrics !== undefined) lastScraped = metrics;
    // a process scraped by Prometheus alone sends no OTLP snapshots: its scrapes tell which ports it listens on
    if (msg.snapshot?.listenPorts) listenQueues.setPorts(msg.snapshot.listenPorts);
    for (const id of msg.scrapes ?? []) scrapesWaiting.get(id)?.(metrics);
    return;
  }
  if (msg.snapshot) {
    const packed = msg.snapshot.histograms;
    latest = packed ? [...msg.snapshot.metrics, ...histograms.receive(packed)] : msg.snapshot.metrics;
    listenQueues.setPorts(msg.snapshot.listenPorts ?? []);
    appSourceMaps = msg.snapshot.sourceMaps === true;
    if (msg.type === 'export') {
      checkUtilization(msg.snapshot.metrics);
      // a profile starting now: its first interval's schedstat baseline
      if (!msg.snapshot.inspecting && profiler.observe(msg.snapshot.metrics)) lastSched = readSched();
      if (!msg.snapshot.inspecting) {
        heapProfiler.observe(msg.snapshot.metrics);
        allocationProfiler.observe(latest);
      }
    }
  }
  switch (msg.type) {
    case 'export':
      if (reader) reader.forceFlush().then(answer(msg.id), answer(msg.id));
      else answer(msg.id)();
      break;
    case 'shutdown':
      prometheus?.stop();
      // a running profile ends first (no inspector session may outlive the agent), and goes out with the last export
      // (the thread is terminated after it: the reader and its exporter need no shutdown of their own)
      stopProfiles()
        .then(() => finalExport(msg.limitMs ?? config.shutdownTimeoutMillis))
        .then(answer(msg.id), answer(msg.id))
        .finally(finalDone);
      break;
    case 'exit-export':
      // the process is exiting (process.exit(), or an app's own signal handler that exits at once) and its thread
      // waits, bounded, for this one last export: no profile may hold it up
      dropProfiles();
      finalExport(msg.limitMs ?? config.shutdownTimeoutMillis).then(finalDone, finalDone);
      break;
    case 'drop-profiles':
      // the process is exiting (process.exit()): its thread waits for the sessions to be gone
      dropProfiles();
      if (exitSignal !== undefined) {
        Atomics.store(exitSignal, 0, 1);
        Atomics.notify(exitSignal, 0);
      }
      break;
    case 'stop-profile':
      stopProfiles().then(answer(msg.id), answer(msg.id));
      break;
    case 'stats':
      port.postMessage({ type: 'done', id: msg.id, stats: { ...(exporter?.stats ?? { attempted: 0, skipped: 0, failed: 0, succeeded: 0 }), heapUsed: process.memoryUsage().heapUsed } });
      break;
    default:
      break;
  }
});
