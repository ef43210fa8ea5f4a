import { PerformanceObserver, constants, type PerformanceEntry } from 'node:perf_hooks';
import { Attrs, ExponentialHistogram, Metrics } from '@perf/metrics';
import type { MetricBatch } from '../recording/MetricBatch.js';
import type { Collector } from './types.js';

const GC_TYPES: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

/**
 * GC pause durations by type (seconds), from the 'gc' performance entries. Node delivers them in batches
 * after the fact, so observing costs the app nothing per allocation.
 */
export class GcCollector implements Collector {
  readonly byType = new Map<string, ExponentialHistogram>();
  private observer: PerformanceObserver | undefined;

  start(): void {
    this.observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) this.record(entry);
    });
    this.observer.observe({ entryTypes: ['gc'] });
  }

  stop(): void {
    this.observer?.disconnect();
    this.observer = undefined;
  }

  private record(entry: PerformanceEntry): void {
    const kind = (entry as PerformanceEntry & { detail?: { kind?: number } | null }).detail?.kind;
    const type = (kind !== undefined && GC_TYPES[kind]) || 'unknown';
    let h = this.byType.get(type);
    if (h === undefined) {
      h = new ExponentialHistogram({ maxScale: 6, maxSize: 1024 });
      this.byType.set(type, h);
    }
    h.record(entry.duration / 1000);
  }

  collect(batch: MetricBatch): void {
    for (const [type, h] of this.byType) {
      batch.histogram(Metrics.gcDuration, 's', 'Garbage-collection pause durations by type.', h, { [Attrs.gcType]: type });
    }
  }
}
