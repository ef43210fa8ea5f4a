import { Worker } from 'node:worker_threads';
import type { Metric } from '@perf/metrics';
import type { Config } from '../config.js';
import { warnOnce } from '../warn.js';
import { transferables } from './snapshot.js';
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

/**
 * The main thread's side of the export worker (see worker.ts): answers its collect requests with a raw
 * snapshot (the only export work on the app's thread: ≈ a copy of each series' bucket window), and
 * forwards flush/shutdown. The worker is unref'd: it never keeps the process alive.
 */
export class ExportWorker {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, (stats?: ExportStats) => void>();
  private nextId = 1;
  private dead = false;

  constructor(config: Config, resource: Record<string, string | number>, snapshot: () => Metric[]) {
    // under tsx (tests, benchmarks) this file is .ts: run the worker's .ts source through the same loader
    const fromSource = import.meta.url.endsWith('.ts');
    const data: WorkerData & { [WORKER_MARKER]: true } = { config, resource, [WORKER_MARKER]: true };
    const entry = new URL(fromSource ? './worker.ts' : './worker.js', import.meta.url);
    // from source: register tsx's loader in the worker first, then load the TypeScript entry
    const source = fromSource ? `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); })` : entry;
    this.worker = new Worker(source, {
      eval: fromSource,
      workerData: data,
      // never preload the agent (or anything else the app preloads) into the export thread
      execArgv: [],
      stdout: false,
      stderr: false,
      // a small heap is plenty for one export at a time
      resourceLimits: { maxOldGenerationSizeMb: 64 },
    });
    this.worker.on('message', (msg: { type: string; id: number; stats?: ExportStats }) => {
      if (msg.type === 'collect') {
        let metrics: Metric[] = [];
        try {
          metrics = snapshot();
        } catch {
          // never let a probe failure stop the worker waiting forever
        }
        try {
          this.worker.postMessage({ type: 'snapshot', id: msg.id, snapshot: { metrics } }, transferables(metrics));
        } catch {
          this.worker.postMessage({ type: 'snapshot', id: msg.id, snapshot: { metrics: [] } });
        }
      } else if (msg.type === 'done') {
        const resolve = this.waiting.get(msg.id);
        this.waiting.delete(msg.id);
        resolve?.(msg.stats);
      }
    });
    this.worker.on('error', (error) => {
      this.dead = true;
      warnOnce('PERF_AGENT_EXPORT_WORKER', `perf agent: the export thread failed (${error.message}); metrics are no longer exported over OTLP. The app is not affected.`);
      for (const resolve of this.waiting.values()) resolve();
      this.waiting.clear();
    });
    this.worker.on('exit', () => {
      this.dead = true;
      for (const resolve of this.waiting.values()) resolve();
      this.waiting.clear();
    });
    // after the listeners: adding a 'message' listener refs the worker's port again
    this.worker.unref();
  }

  private call(type: 'flush' | 'shutdown' | 'stats'): Promise<ExportStats | undefined> {
    if (this.dead) return Promise.resolve(undefined);
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, resolve);
      // keep the process alive while we wait for an answer we asked for
      this.worker.ref();
      this.worker.postMessage({ type, id });
    }).finally(() => {
      if (this.waiting.size === 0 && !this.dead) this.worker.unref();
    }) as Promise<ExportStats | undefined>;
  }

  /** Exports now; resolves when done (or failed). */
  async flush(): Promise<void> {
    await this.call('flush');
  }

  /** The exporter's counters (attempted, skipped, failed, succeeded). */
  stats(): Promise<ExportStats | undefined> {
    return this.call('stats');
  }

  /** Final export, then the worker ends. */
  async shutdown(): Promise<void> {
    await this.call('shutdown');
    await this.worker.terminate().catch(() => 0);
  }

  /** Ends the worker at once (after a shutdown that timed out). */
  terminate(): void {
    void this.worker.terminate().catch(() => 0);
  }
}
