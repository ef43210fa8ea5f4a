import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { Metrics } from '@perf/metrics';
import type { MetricBatch } from '../recording/MetricBatch.js';
import { ProcRead } from './procRead.js';
import type { Collector } from './types.js';

/**
 * Open file descriptors against the process's soft limit (Linux /proc; absent elsewhere). Counting
 * /proc/self/fd is a directory read that grows with the fd count (≈ 1 ms at 50,000 sockets), so it is
 * read as ProcRead says: synchronously in the export thread (OTLP), in the background on the app's thread
 * (Prometheus scrapes), so it never blocks the app's loop.
 */
export class FdCollector implements Collector {
  /** read by the export thread, not by the app's thread, for OTLP */
  readonly offThread = true;
  private count: number | undefined;
  private limit: number | undefined;
  private limitReadAt = -Infinity;
  private readonly read: ProcRead;

  constructor(sync = false) {
    this.read = new ProcRead(
      sync,
      process.platform === 'linux' && existsSync('/proc/self/fd'),
      () => {
        this.count = Math.max(0, readdirSync('/proc/self/fd').length - 1);
        // the limit changes only by setrlimit: re-read it once a minute
        const t = Date.now();
        if (t - this.limitReadAt >= 60_000) {
          this.limitReadAt = t;
          this.limit = parseLimit(readFileSync('/proc/self/limits', 'utf8'));
        }
      },
      async () => {
        const [fds, limits] = await Promise.all([readdir('/proc/self/fd'), readFile('/proc/self/limits', 'utf8')]);
        this.count = Math.max(0, fds.length - 1); // minus the descriptor of the directory read itself
        this.limit = parseLimit(limits);
      },
    );
  }

  start(): void {
    this.read.start();
  }

  stop(): void {}

  collect(batch: MetricBatch): void {
    this.read.collect(() => {
      if (this.count !== undefined) batch.gauge(Metrics.openFds, '{fd}', 'Open file descriptors of the process.', this.count);
      if (this.limit !== undefined) batch.gauge(Metrics.fdLimit, '{fd}', 'Soft limit on open file descriptors (ulimit -n).', this.limit);
    });
  }
}

/** The soft "Max open files" of /proc/self/limits (undefined when unlimited or absent). */
function parseLimit(limits: string): number | undefined {
  const m = /^Max open files\s+(\d+|unlimited)/m.exec(limits);
  return m && m[1] !== 'unlimited' ? Number(m[1]) : undefined;
}
