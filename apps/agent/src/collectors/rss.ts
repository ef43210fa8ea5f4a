import { Metrics } from '@perf/metrics';
import type { MetricBatch } from '../recording/MetricBatch.js';
import type { Collector } from './types.js';

/**
 * The process's resident set size (bytes). Process-wide, so for OTLP the export thread reads it (a /proc
 * read on Linux: ≈ 10 µs, not the app's thread's to pay); Prometheus scrapes read it on the app's thread.
 */
export class RssCollector implements Collector {
  readonly offThread = true;
  start(): void {}
  stop(): void {}

  collect(batch: MetricBatch): void {
    batch.gauge(Metrics.memoryUsage, 'By', 'Resident set size of the process.', process.memoryUsage.rss());
  }
}
