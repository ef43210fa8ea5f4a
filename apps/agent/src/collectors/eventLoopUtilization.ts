import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { Metrics } from '@perf/metrics';
import type { MetricBatch } from '../recording/MetricBatch.js';
import type { Collector } from './types.js';

/** Event-loop utilisation (0..1) over each export interval: the share of time the loop was not idle. */
export class EventLoopUtilizationCollector implements Collector {
  private readonly last = new Map<string, EventLoopUtilization>();
  private first: EventLoopUtilization | undefined;

  start(): void {
    this.first = performance.eventLoopUtilization();
  }

  stop(): void {}

  collect(batch: MetricBatch): void {
    const current = performance.eventLoopUtilization();
    const delta = performance.eventLoopUtilization(current, this.last.get(batch.consumer) ?? this.first);
    this.last.set(batch.consumer, current);
    batch.gauge(Metrics.eventLoopUtilization, '1', 'Share of the export interval the event loop was busy (0..1).', delta.utilization);
  }
}
