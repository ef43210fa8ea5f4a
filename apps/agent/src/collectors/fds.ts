import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { Metrics } from '@perf/metrics';
import type { MetricBatch } from '../recording/MetricBatch.js';
import type { Collector } from './types.js';

/**
 * Open file descriptors against the process's soft limit (Linux /proc; absent elsewhere). Counting
 * /proc/self/fd is a directory read that grows with the fd count (≈ 1 ms at 50,000 sockets), so on the
 * app's thread (Prometheus scrapes) it runs asynchronously: each collect reports the last completed count
 * and starts the next. The OTLP export reads it in the export thread instead (`sync`: read at collect
 * time, blocking only that thread), so it costs the app's loop nothing.
 */
export class FdCollector implements Collector {
  /** read by the export thread, not by the app's thread, for OTLP */
  readonly offThread = true;
  private count: number | undefined;
  private limit: number | undefined;
  private limitReadAt = -Infinity;
  private reading = false;
  private readonly supported = process.platform === 'linux' && existsSync('/proc/self/fd');

  constructor(private readonly sync = false) {}

  start(): void {
    if (!this.sync) this.refresh();
  }

  stop(): void {}

  private refresh(): void {
    if (!this.supported || this.reading) return;
    if (this.sync) {
      try {
        this.count = Math.max(0, readdirSync('/proc/self/fd').length - 1);
        // the limit changes only by setrlimit: re-read it once a minute
        const t = Date.now();
        if (t - this.limitReadAt >= 60_000) {
          this.limitReadAt = t;
          this.limit = parseLimit(readFileSync('/proc/self/limits', 'utf8'));
        }
      } catch {
        // /proc unreadable (sandbox): report what was read before
      }
      return;
    }
    this.reading = true;
    Promise.all([readdir('/proc/self/fd'), readFile('/proc/self/limits', 'utf8')])
      .then(([fds, limits]) => {
        this.count = Math.max(0, fds.length - 1); // minus the descriptor of the directory read itself
        this.limit = parseLimit(limits);
      })
      .catch(() => {
        // /proc unreadable (sandbox): report nothing rather than a wrong number
      })
      .finally(() => {
        this.reading = false;
      });
  }

  collect(batch: MetricBatch): void {
    if (this.sync) this.refresh();
    if (this.count !== undefined) batch.gauge(Metrics.openFds, '{fd}', 'Open file descriptors of the process.', this.count);
    if (this.limit !== undefined) batch.gauge(Metrics.fdLimit, '{fd}', 'Soft limit on open file descriptors (ulimit -n).', this.limit);
    if (!this.sync) this.refresh();
  }
}

/** The soft "Max open files" of /proc/self/limits (undefined when unlimited or absent). */
function parseLimit(limits: string): number | undefined {
  const m = /^Max open files\s+(\d+|unlimited)/m.exec(limits);
  return m && m[1] !== 'unlimited' ? Number(m[1]) : undefined;
}
