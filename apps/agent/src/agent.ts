import dc from 'node:diagnostics_channel';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { Metrics, type Metric } from '@perf/metrics';
import type { Config } from './config.js';
import { CpuCollector } from './collectors/cpu.js';
import { EventLoopDelayCollector } from './collectors/eventLoopDelay.js';
import { EventLoopUtilizationCollector } from './collectors/eventLoopUtilization.js';
import { CgroupCpuCollector } from './collectors/cgroupCpu.js';
import { FdCollector } from './collectors/fds.js';
import { RunDelayCollector } from './collectors/runDelay.js';
import { GcCollector } from './collectors/gc.js';
import { HandlesCollector } from './collectors/handles.js';
import { HttpCollector } from './collectors/http.js';
import { ListenQueueCollector } from './collectors/listenQueue.js';
import { listeningServers } from './collectors/listening.js';
import { MemoryCollector } from './collectors/memory.js';
import { NetstatCollector } from './collectors/netstat.js';
import { RssCollector } from './collectors/rss.js';
import type { Collector } from './collectors/types.js';
import { ExportWorker, type ExportStats } from './export/ExportWorker.js';
import { Heartbeat } from './heartbeat.js';
import { now } from './clock.js';
import { HistogramPacker, SLICE_DOUBLES, type Snapshot } from './export/snapshot.js';
import { resourceAttributes } from './export/resource.js';
import { MetricBatch } from './recording/MetricBatch.js';
import { RouteTable } from './recording/RouteTable.js';

/** The most a process's exit waits for the agent's last export (ms): an exit is not a shutdown the app planned. */
const EXIT_EXPORT_MAX_MS = 1000;
/** a process ending this soon after its start, having served nothing and listened on nothing, sends nothing (isShortScript) */
const SCRIPT_MS = 5000;
/** published by node:net once a server listens */
const NET_LISTENING = 'tracing:net.server.listen:asyncEnd';

/** Bucket layout of every histogram the agent records: scale 6 (≤ 0.54% error), up to 1024 buckets (4.8 decades). */
export const HISTOGRAM_SCALE = 6;
export const HISTOGRAM_MAX_SIZE = 1024;

/** Whether the process's inspector server is open (`--inspect`, `inspector.open()`); false where Node has no inspector. */
const inspectorUrl: () => string | undefined = (() => {
  try {
    const inspector = createRequire(import.meta.url)('node:inspector') as typeof import('node:inspector');
    return () => inspector.url();
  } catch {
    return () => undefined;
  }
})();

function nowUnixNano(): number {
  return (performance.timeOrigin + performance.now()) * 1e6;
}

/**
 * One running agent: the collectors, the route table, the heartbeat (the agent's one timer on the app's
 * thread), and the two ways out: OTLP through the SDK's MeterProvider + PeriodicExportingMetricReader in an
 * export worker thread (export/worker.ts), to which a heartbeat hands a snapshot once per export interval;
 * and optionally Prometheus /metrics, served by the same export thread from a snapshot taken at each scrape.
 */
export class Agent {
  readonly routes: RouteTable;
  readonly http: HttpCollector;
  readonly collectors: Collector[];
  readonly eventLoop: EventLoopDelayCollector;
  readonly gc: GcCollector;
  readonly listenQueues: ListenQueueCollector;
  readonly resource: Record<string, string | number>;
  /** the port /metrics listens on, once started (PERF_PROMETHEUS_PORT) */
  prometheusPort: Promise<number | undefined> = Promise.resolve(undefined);
  private readonly startTimeUnixNano = nowUnixNano();
  private exportWorker: ExportWorker | undefined;
  private stopped = false;
  /** clock.now() at start() */
  private startedAt = 0;
  /** whether a snapshot went to the export thread (the dashboard may know this process) */
  private exported = false;
  private readonly heartbeat: Heartbeat;
  private nextExportAt = Infinity;
  /** packs the export snapshot's histograms (and remembers which series the export thread knows) */
  private readonly packer = new HistogramPacker();
  /** the export snapshot whose histograms are being copied a slice at a time (a big one, see HistogramPacker) */
  private packing: { snapshot: Snapshot; time: number; slice: NodeJS.Immediate | undefined; scrapes: number[] | undefined } | undefined;
  /** Prometheus scrapes that asked for a snapshot while another was being packed: the next one is theirs */
  private scrapesWaiting: number[] = [];

  constructor(readonly config: Config) {
    this.routes = new RouteTable({ maxRoutes: config.maxRoutes, maxScale: HISTOGRAM_SCALE, maxSize: HISTOGRAM_MAX_SIZE });
    this.http = new HttpCollector(this.routes);
    this.eventLoop = new EventLoopDelayCollector(config.eventLoopResolutionMillis);
    this.gc = new GcCollector(config.gcSampleAbove);
    const netstat = new NetstatCollector();
    this.listenQueues = new ListenQueueCollector(false, () => netstat.pressure(), config.listenQueueIntervalMillis);
    this.collectors = [
      this.http,
      this.eventLoop,
      new EventLoopUtilizationCollector(),
      this.gc,
      new MemoryCollector(),
      new RssCollector(),
      new CpuCollector(),
      new HandlesCollector(),
      new FdCollector(),
      netstat,
      this.listenQueues,
      new CgroupCpuCollector(),
      new RunDelayCollector(),
    ];
    this.resource = resourceAttributes(config);
    this.heartbeat = new Heartbeat(config.eventLoopResolutionMillis, (t, lateMs, expectedMs, activeMs) => this.beat(t, lateMs, expectedMs, activeMs));
  }

  start(): void {
    this.startedAt = now();
    for (const c of this.collectors) c.start();
    // the export thread starts as the app starts serving (its first listen, or now if it listens already, or with
    // /metrics to serve), else with the first export (exporter())
    if (this.config.prometheusPort !== undefined || listeningServers().length > 0) this.exporter();
    else dc.subscribe(NET_LISTENING, this.onFirstListen);
    if (this.config.otlp) {
      this.nextExportAt = now() + this.config.exportIntervalMillis;
      process.on('exit', this.onProcessExit);
    }
    this.heartbeat.start();
  }

  /**
   * The export thread, started on first use: it exports OTLP and serves /metrics; with neither
   * (OTEL_METRICS_EXPORTER=none) there is none, and without OTLP no periodic snapshots and no export deadline (a scrape
   * asks for its own snapshot). Started as the app listens, else at the first export, not at start: loading the OTLP
   * exporter takes a core ≈ 0.3 s, and a process ending with that thread still loading waits for it (Node stops its
   * threads), so a script ending before its first export (a Node child of an app started with NODE_OPTIONS="--import
   * @perf/agent") paid both (outside audit AA3: `node -p` 0.16 → 0.53 s). Starting the thread holds the app's loop
   * 1–6 ms once: at its start-up for a server, at the first export for a process that never listens. A stopped agent
   * starts none, but for its last export (`forLastExport`).
   */
  private exporter(forLastExport = false): ExportWorker | undefined {
    if (this.exportWorker === undefined && (!this.stopped || forLastExport) && (this.config.otlp || this.config.prometheusPort !== undefined)) {
      this.exportWorker = new ExportWorker(
        this.config,
        this.resource,
        this.startTimeUnixNano,
        () => this.listenQueues.ports(),
        () => this.packer.lost(),
        (id) => this.requestScrape(id),
      );
      this.prometheusPort = this.exportWorker.prometheusPort;
    }
    return this.exportWorker;
  }

  /** The app's first listen (its start-up): the export thread starts then, not in the middle of its work. */
  private readonly onFirstListen = (): void => {
    dc.unsubscribe(NET_LISTENING, this.onFirstListen);
    try {
      this.exporter();
    } catch {
      // the first export tries again
    }
  };

  /**
   * Whether this process has nothing for the dashboard: it exported nothing yet, served no request, listens on no
   * port and is ending within SCRIPT_MS of its start (a script, a build step, a CLI run as a child of an app started
   * with NODE_OPTIONS; each was a node of the service for a minute, and its exit waited for the export thread).
   */
  private isShortScript(): boolean {
    return !this.exported && this.requestsStarted() === 0 && this.listenQueues.ports().length === 0 && now() - this.startedAt < SCRIPT_MS;
  }

  /**
   * The process exits (process.exit(), the end of the program, or an app's own SIGTERM handler that exits at once
   * while the agent's shutdown export is still on its way): one last export, which this thread waits for, at most
   * PERF_SHUTDOWN_TIMEOUT and never more than EXIT_EXPORT_MAX_MS, so what the last interval counted is not lost.
   * A short script's (isShortScript) exit sends nothing and waits for nothing.
   */
  private readonly onProcessExit = (): void => {
    try {
      if (this.exportWorker === undefined && this.isShortScript()) return;
      if (!this.stopped) this.http.settleEnded();
      const snapshot = this.stopped ? undefined : this.snapshot(true);
      this.exporter()?.exitExport(snapshot, Math.min(this.config.shutdownTimeoutMillis, EXIT_EXPORT_MAX_MS));
    } catch {
      // never into the app's exit
    }
  };

  /**
   * One heartbeat: the event-loop sample, the GC probe's window, and once per export interval the snapshot
   * for the export thread. Returns the ms until the next export is due (the heartbeat never overshoots it).
   */
  private beat(t: number, lateMs: number, expectedMs: number, activeMs: number): number {
    this.eventLoop.sample(lateMs, expectedMs, activeMs);
    this.gc.beat(t);
    if (t >= this.nextExportAt) {
      this.beginExport();
      // keep the cadence; after a long stall, start over from now instead of exporting in a burst
      this.nextExportAt += this.config.exportIntervalMillis;
      if (this.nextExportAt <= t) this.nextExportAt = t + this.config.exportIntervalMillis;
    }
    return this.nextExportAt - t;
  }

  /**
   * Everything the collectors hold now (cumulative), for one consumer ('prometheus'; the OTLP export takes a
   * snapshot() instead). Never throws.
   */
  collect(consumer = 'otlp'): Metric[] {
    const batch = new MetricBatch(this.startTimeUnixNano, nowUnixNano(), consumer);
    this.collectInto(batch);
    return [...batch.metrics.values()];
  }

  /**
   * Starts this interval's export: the snapshot's gauges now, its histograms packed in slices of SLICE_DOUBLES
   * with the app's loop running in between (one slice for a typical node), then handed to the export thread. A
   * snapshot still being packed when the next export is due (a loop too busy to run the slices) is finished first
   * and that interval skipped: each is cumulative, so nothing is lost.
   */
  private beginExport(): void {
    if (this.packing !== undefined) return;
    this.packing = { ...this.startSnapshot('otlp'), slice: undefined, scrapes: undefined };
    this.packSlice();
  }

  /**
   * A Prometheus scrape on the export thread asks for a snapshot: packed like an export's (in slices), with the
   * per-interval values kept for Prometheus ('prometheus' consumer, so the OTLP intervals stay whole). Scrapes
   * that ask while a snapshot is being packed share the next one.
   */
  private requestScrape(id: number): void {
    this.scrapesWaiting.push(id);
    if (this.packing === undefined) this.beginScrape();
  }

  private beginScrape(): void {
    const scrapes = this.scrapesWaiting;
    if (scrapes.length === 0 || this.stopped) return;
    this.scrapesWaiting = [];
    try {
      this.packing = { ...this.startSnapshot('prometheus'), slice: undefined, scrapes };
    } catch {
      return; // the scrapes answer from the last snapshot after their wait
    }
    this.packSlice();
  }

  private readonly packSlice = (): void => {
    const packing = this.packing;
    if (packing === undefined) return;
    packing.slice = undefined;
    try {
      if (!this.packer.pack(SLICE_DOUBLES)) {
        packing.slice = setImmediate(this.packSlice);
        packing.slice.unref();
        return;
      }
      this.packing = undefined;
      const snapshot = this.finishSnapshot(packing);
      if (packing.scrapes !== undefined) this.exportWorker?.scrape(packing.scrapes, snapshot);
      else {
        this.exporter()?.export(snapshot);
        this.exported = true;
      }
    } catch {
      // never into the app (this runs from setImmediate): drop the snapshot, the next one carries its data
      this.abandonPacking();
    }
    this.beginScrape();
  };

  /** Drops a snapshot still being packed (its new series are described again in the next one). */
  private abandonPacking(): void {
    const packing = this.packing;
    if (packing === undefined) return;
    if (packing.slice !== undefined) clearImmediate(packing.slice);
    this.packing = undefined;
    this.packer.lost();
    if (packing.scrapes !== undefined) {
      // its scrapes get the next snapshot, once the app's thread is free again
      this.scrapesWaiting.unshift(...packing.scrapes);
      setImmediate(() => {
        if (this.packing === undefined) this.beginScrape();
      }).unref();
    }
  }

  /**
   * The export thread's snapshot, whole and at once (flush and shutdown): what the collectors hold now,
   * histograms packed into one buffer shared with the export thread (the only export work on the app's thread).
   * It replaces a snapshot still being packed. Never throws. `last`: the process's last (the agent is stopping),
   * which says so (perf.agent.stopping), so the dashboard shows the node stopped at once instead of down later.
   */
  private snapshot(last = false): Snapshot {
    this.abandonPacking();
    return this.finishSnapshot(this.startSnapshot('otlp', last));
  }

  /**
   * The gauges and sums of a snapshot, and its histograms queued in the packer (copied by pack()/finish()). The
   * probes marked `offThread` are read by the export thread itself.
   */
  private startSnapshot(consumer: 'otlp' | 'prometheus', last = false): { snapshot: Snapshot; time: number } {
    const time = nowUnixNano();
    this.packer.begin();
    const batch = new MetricBatch(this.startTimeUnixNano, time, consumer, this.packer);
    this.collectInto(batch, true);
    if (last) batch.gauge(Metrics.agentStopping, '1', 'Set to 1 in the last export of a process whose agent is stopping (shutdown, SIGTERM/SIGINT, exit).', 1);
    return { time, snapshot: { metrics: [...batch.metrics.values()], inspecting: inspectorUrl() !== undefined, sourceMaps: process.sourceMapsEnabled === true } };
  }

  private finishSnapshot({ snapshot, time }: { snapshot: Snapshot; time: number }): Snapshot {
    return { ...snapshot, histograms: this.packer.finish(this.startTimeUnixNano, time) };
  }

  /** Every probe's metrics into `batch`; `exportThread`: for the export thread, which reads the `offThread` probes itself. */
  private collectInto(batch: MetricBatch, exportThread = false): void {
    for (const c of this.collectors) {
      if (exportThread && c.offThread) continue;
      try {
        c.collect(batch);
      } catch {
        // one broken probe must not cost the others their export
      }
    }
  }

  /** Collects and exports now (outside the interval); resolves when the export is done or failed. */
  async flush(): Promise<void> {
    this.exported = true;
    await this.exporter()?.flush(this.snapshot());
  }

  /** Requests this process has begun serving, all methods (HTTP/1 and HTTP/2). */
  requestsStarted(): number {
    let n = 0;
    for (const v of this.http.started) n += v;
    return n;
  }

  /**
   * Stops as shutdown() does, but sends nothing when nothing was exported yet: the process turned out not to be one
   * to measure (a cluster primary forking its workers at start), so the dashboard never hears of it.
   */
  async withdraw(): Promise<void> {
    if (this.exported) return this.shutdown();
    if (this.stopped) return;
    this.stopped = true;
    dc.unsubscribe(NET_LISTENING, this.onFirstListen);
    this.heartbeat.stop();
    for (const c of this.collectors) c.stop();
    process.off('exit', this.onProcessExit);
    this.exportWorker?.terminate();
  }

  /** The OTLP exporter's counters (attempted, skipped, failed, succeeded exports). */
  async exportStats(): Promise<ExportStats | undefined> {
    return this.exportWorker?.stats();
  }

  /** Stops the probes, exports once more (bounded by `timeoutMs`), and shuts the exporter down. */
  async shutdown(timeoutMs = this.config.shutdownTimeoutMillis): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    dc.unsubscribe(NET_LISTENING, this.onFirstListen);
    this.heartbeat.stop();
    for (const c of this.collectors) c.stop();
    if (this.exportWorker === undefined && this.isShortScript()) {
      process.off('exit', this.onProcessExit);
      return;
    }
    const worker = this.exporter(true);
    if (worker === undefined) return;
    const last = this.snapshot(true);
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      timer.unref();
    });
    let finished = false;
    await Promise.race([worker.shutdown(last, timeoutMs).then(() => (finished = true)), limit]);
    clearTimeout(timer);
    process.off('exit', this.onProcessExit);
    if (!finished) worker.terminate();
  }
}
