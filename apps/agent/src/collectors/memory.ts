import v8 from 'node:v8';
import { Metrics } from '@perf/metrics';
import type { MetricBatch } from '../recording/MetricBatch.js';
import type { Collector } from './types.js';

/** V8 heap used and its limit (bytes), read at collect time: this isolate's, so on the app's thread (RSS: rss.ts). */
export class MemoryCollector implements Collector {
  start(): void {}
  stop(): void {}

  collect(batch: MetricBatch): void {
    const heap = v8.getHeapStatistics();
    batch.gauge(Metrics.heapUsed, 'By', 'V8 heap in use.', heap.used_heap_size);
    batch.gauge(Metrics.heapLimit, 'By', 'V8 heap size limit.', heap.heap_size_limit);
  }
}
