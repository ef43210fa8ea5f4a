import type { MetricBatch } from '../recording/MetricBatch.js';

/**
 * One runtime probe (prom-client's layout: one collector per file, a list that enables them). Collectors
 * observe cheaply while running and read runtime stats at collect time; none throws out of these methods.
 */
export interface Collector {
  /** true: for OTLP, the export thread runs its own instance (process-wide /proc reads), not the app's thread */
  readonly offThread?: boolean;
  /** Starts observing. Any timer it creates is unref'd: the agent never keeps a process alive. */
  start(): void;
  /** Stops observing and releases listeners and timers. */
  stop(): void;
  /** Appends this collector's current values (cumulative since start for counters and histograms). */
  collect(batch: MetricBatch): void;
}
