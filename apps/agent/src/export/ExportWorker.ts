import { Worker } from 'node:worker_threads';
import { EXPORTER_READS_ITSELF, type Config } from '../config.js';
import { warnOnce } from '../warn.js';
import type { Snapshot } from './snapshot.js';
import { originalsInThisThread, type Place } from './sourceMaps.js';
import type { WorkerData } from './worker.js';

export interface ExportStats {
  attempted: number;
  skipped: number;
  failed: number;
  succeeded: number;
  /** the export thread's own V8 heap, bytes */
  heapUsed: number;
}

/** Marks the export worker's thread, so the agent's entry point never starts an agent inside it. */
export const WORKER_MARKER = 'perf.agent.exportWorker';

/** the most the process's exit waits for the worker to drop a running profile's session, ms */
const EXIT_WAIT_MS = 200;

/**
 * The main thread's side of the export worker (see worker.ts): hands it a snapshot once per export
 * interval (taken on the agent's heartbeat: the only export work on the app's thread, ≈ a copy of each
 * series' bucket window into one buffer shared with the worker), and forwards flush/shutdown with their own
 * snapshot. The worker has no timer of its own and never calls back for data, so an export wakes the app's
 * loop zero extra times. The worker is unref'd: it never keeps the process alive.
 */
export class ExportWorker {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, (stats?: ExportStats) => void>();
  private nextId = 1;
  private dead = false;
  /** whether the worker is profiling the app's thread (it says when a profile starts and ends) */
  private profiling = false;
  /**
   * A process that ends on its own while a profile runs would end with the worker's inspector session still
   * connected, and Node then prints "Waiting for the debugger to disconnect..." on the app's stderr: so on
   * 'beforeExit' the profile is stopped first (the process ends a few ms later, as the app meant it to).
   */
  private readonly beforeExit = () => {
    if (this.profiling && !this.dead) void this.call('stop-profile');
  };
  /**
   * A process that calls process.exit() while a profile runs gets no 'beforeExit', and no await is possible in
   * 'exit': the worker is asked to drop its inspector sessions at once (no profile from this one) and this thread
   * waits for it to say so, at most EXIT_WAIT_MS (measured: under a millisecond). Then Node prints nothing.
   * (Without SharedArrayBuffer, `--no-harmony-sharedarraybuffer`, there is nothing to wait on: Node's notice may
   * then appear.)
   */
  private readonly exitSignal = typeof SharedArrayBuffer === 'function' ? new Int32Array(new SharedArrayBuffer(4)) : undefined;
  /** set by the worker once its last export is done ('shutdown' or 'exit-export'), for exitExport() to wait on */
  private readonly finalSignal = typeof SharedArrayBuffer === 'function' ? new Int32Array(new SharedArrayBuffer(4)) : undefined;
  /** a 'shutdown' went to the worker: its export is the last one */
  private finalPosted = false;
  private readonly onExit = () => {
    if (!this.profiling || this.dead || this.exitSignal === undefined) return;
    try {
      this.worker.postMessage({ type: 'drop-profiles', id: 0 });
      Atomics.wait(this.exitSignal, 0, 0, EXIT_WAIT_MS);
    } catch {
      // the worker is gone
    }
  };

  /** the port the worker serves /metrics on (PERF_PROMETHEUS_PORT), once it listens; undefined without one */
  readonly prometheusPort: Promise<number | undefined>;
  private boundPrometheus: (port: number | undefined) => void = () => {};

  /**
   * @param listenPorts the listening ports the app's thread has seen, sent with each snapshot (listenQueue.ts)
   * @param lost called when a snapshot could not be sent (its series descriptions must be sent again)
   * @param scrapeRequested called when a Prometheus scrape asks for a snapshot (answer with `scrape(ids, snapshot)`)
   */
  constructor(
    config: Config,
    resource: Record<string, string | number>,
    startTimeUnixNano: number,
    private readonly listenPorts: () => number[] = () => [],
    private readonly lost: () => void = () => {},
    private readonly scrapeRequested: (id: number) => void = () => {},
  ) {
    this.prometheusPort =
      config.prometheusPort === undefined ? Promise.resolve(undefined) : new Promise((resolve) => (this.boundPrometheus = resolve));
    // under tsx (tests, benchmarks) this file is .ts: run the worker's .ts source through the same loader
    const fromSource = import.meta.url.endsWith('.ts');
    const data: WorkerData & { [WORKER_MARKER]: true } = {
      config,
      resource,
      startTimeUnixNano,
      exitSignal: this.exitSignal,
      finalSignal: this.finalSignal,
      [WORKER_MARKER]: true,
    };
    const entry = new URL(fromSource ? './worker.ts' : './worker.js', import.meta.url);
    // from source: register tsx's loader in the worker first, then load the TypeScript entry
    const source = fromSource ? `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); })` : entry;
    this.worker = new Worker(source, {
      eval: fromSource,
      workerData: data,
      // never preload the agent (or anything else the app preloads) into the export thread
      execArgv: [],
      env: exportThreadEnv(),
      stdout: false,
      stderr: false,
      // a small heap is plenty for one export at a time; a CPU profile of a large app can take tens of MB while
      // the thread reduces it (54,000 profile nodes, 9 MB of JSON: ≈ 35–50 MB)
      resourceLimits: { maxOldGenerationSizeMb: 128 },
    });
    this.worker.on('message', (msg: { type: string; id: number; stats?: ExportStats; running?: boolean; places?: Place[]; port?: number }) => {
      if (msg.type === 'scrape-request') {
        if (!this.dead) this.scrapeRequested(msg.id);
      } else if (msg.type === 'prometheus') {
        this.boundPrometheus(msg.port);
      } else if (msg.type === 'map-places') {
        // a profile's places in code compiled in memory (tsx): only this thread has their source maps
        if (!this.dead) this.worker.postMessage({ type: 'mapped-places', id: msg.id, places: originalsInThisThread(msg.places ?? []) });
      } else if (msg.type === 'profiling') {
        this.profiling = msg.running === true;
        if (this.profiling) {
          process.on('beforeExit', this.beforeExit);
          process.on('exit', this.onExit);
        } else {
          process.off('beforeExit', this.beforeExit);
          process.off('exit', this.onExit);
        }
      } else if (msg.type === 'done') {
        const resolve = this.waiting.get(msg.id);
        this.waiting.delete(msg.id);
        resolve?.(msg.stats);
      }
    });
    this.worker.on('error', (error) => {
      this.dead = true;
      this.boundPrometheus(undefined);
      warnOnce('PERF_AGENT_EXPORT_WORKER', `perf agent: the export thread failed (${error.message}); metrics are no longer exported (OTLP, /metrics). The app is not affected.`);
      for (const resolve of this.waiting.values()) resolve();
      this.waiting.clear();
    });
    this.worker.on('exit', () => {
      this.dead = true;
      this.boundPrometheus(undefined);
      process.off('beforeExit', this.beforeExit);
      process.off('exit', this.onExit);
      for (const resolve of this.waiting.values()) resolve();
      this.waiting.clear();
    });
    // after the listeners: adding a 'message' listener refs the worker's port again
    this.worker.unref();
  }

  /** Hands the worker the snapshot of this export interval (fire and forget: the worker skips it while one is in flight). */
  export(snapshot: Snapshot): void {
    if (this.dead) return;
    this.post({ type: 'export', id: 0, snapshot: this.withPorts(snapshot) });
  }

  /** Answers the Prometheus scrapes `ids` with this snapshot (taken for them: consumer 'prometheus'). */
  scrape(ids: number[], snapshot: Snapshot): void {
    if (this.dead) return;
    this.post({ type: 'scrape', id: 0, scrapes: ids, snapshot: this.withPorts(snapshot) });
  }

  private withPorts(snapshot: Snapshot): Snapshot {
    return { ...snapshot, listenPorts: this.listenPorts() };
  }

  private post(msg: { type: string; id: number; snapshot?: Snapshot; scrapes?: number[]; limitMs?: number }): void {
    try {
      this.worker.postMessage(msg);
    } catch {
      // an uncloneable value in a snapshot must not reach the app: send it empty (the next one is
      // cumulative) so a caller waiting for this message's answer still gets one
      this.lost();
      try {
        this.worker.postMessage({ ...msg, snapshot: msg.snapshot && { metrics: [], listenPorts: msg.snapshot.listenPorts } });
      } catch {
        // the worker is gone: its 'exit' handler resolves the waiting callers
      }
    }
  }

  private call(type: 'export' | 'shutdown' | 'stats' | 'stop-profile', snapshot?: Snapshot, limitMs?: number): Promise<ExportStats | undefined> {
    if (this.dead) return Promise.resolve(undefined);
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      // keep the process alive while we wait for an answer we asked for
      this.worker.ref();
      this.post({ type, id, snapshot: snapshot ? this.withPorts(snapshot) : undefined, limitMs });
    }).finally(() => {
      if (this.waiting.size === 0 && !this.dead) this.worker.unref();
    }) as Promise<ExportStats | undefined>;
  }

  /** Exports this snapshot now; resolves when done (or failed). */
  async flush(snapshot: Snapshot): Promise<void> {
    await this.call('export', snapshot);
  }

  /** The exporter's counters (attempted, skipped, failed, succeeded). */
  stats(): Promise<ExportStats | undefined> {
    return this.call('stats');
  }

  /**
   * At the process's 'exit' (no await possible there): the last export, of `snapshot` unless a shutdown already
   * sent one, and this thread waits for it on a shared flag, at most `limitMs` (its HTTP request runs on the worker's
   * own loop meanwhile). Without SharedArrayBuffer there is nothing to wait on, and nothing is sent.
   */
  exitExport(snapshot: Snapshot | undefined, limitMs: number): void {
    if (this.dead || this.finalSignal === undefined) return;
    try {
      if (!this.finalPosted && snapshot !== undefined) this.post({ type: 'exit-export', id: 0, snapshot: this.withPorts(snapshot), limitMs });
      else if (!this.finalPosted) return;
      Atomics.wait(this.finalSignal, 0, 0, limitMs);
    } catch {
      // the worker is gone
    }
  }

  /** Final export of this snapshot (its retries end within `limitMs`), then the worker ends. */
  async shutdown(snapshot: Snapshot, limitMs?: number): Promise<void> {
    this.finalPosted = true;
    await this.call('shutdown', snapshot, limitMs);
    await this.worker.terminate().catch(() => 0);
  }

  /** Ends the worker at once (after a shutdown that timed out). */
  terminate(): void {
    void this.worker.terminate().catch(() => 0);
  }
}

/**
 * The export thread's environment: the process's, less the variables the agent has read and checked for the exporter
 * (EXPORTER_READS_ITSELF): the OTLP exporter also reads OTEL_EXPORTER_OTLP_HEADERS itself and merges it into the headers
 * it is given, so a header the agent left out with a warning was sent anyway and failed every export (outside audit
 * AA2: "bad name=1" — the node never reached the dashboard).
 */
function exportThreadEnv(): NodeJS.Dict<string> {
  const env = { ...process.env };
  for (const name of EXPORTER_READS_ITSELF) delete env[name];
  return env;
}
