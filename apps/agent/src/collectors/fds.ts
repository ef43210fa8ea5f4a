import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { Metrics } from '@perf/metrics';
import type { MetricBatch } from '../recording/MetricBatch.js';
import type { Collector } from './types.js';

/**
 * Open file descriptors against the process's soft limit (Linux /proc; absent elsewhere). Counting
 * /proc/self/fd is a directory read that grows with the fd count (≈ 1 ms at 50,000 sockets), so it runs
 * asynchronously off the collect path: each export reports the last completed count and starts the next.
 */
export class FdCollector implements Collector {
  private count: number | undefined;
  private limit: number | undefined;
  private reading = false;
  private readonly supported = process.platform === 'linux' && existsSync('/proc/self/fd');

  start(): void {
    this.refresh();
  }

  stop(): void {}

  private refresh(): void {
    if (!this.supported || this.reading) return;
    this.reading = true;
    Promise.all([readdir('/proc/self/fd'), readFile('/proc/self/limits', 'utf8')])
      .then(([fds, limits]) => {
        this.count = Math.max(0, fds.length - 1); // minus the descriptor of the directory read itself
        const m = /^Max open files\s+(\d+|unlimited)/m.exec(limits);
        this.limit = m && m[1] !== 'unlimited' ? Number(m[1]) : undefined;
      })
      .catch(() => {
        // /proc unreadable (sandbox): report nothing rather than a wrong number
      })
      .finally(() => {
        this.reading = false;
      });
  }

  collect(batch: MetricBatch): void {
    if (this.count !== undefined) batch.gauge(Metrics.openFds, '{fd}', 'Open file descriptors of the process.', this.count);
    if (this.limit !== undefined) batch.gauge(Metrics.fdLimit, '{fd}', 'Soft limit on open file descriptors (ulimit -n).', this.limit);
    this.refresh();
  }
}
