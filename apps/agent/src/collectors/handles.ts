import { Metrics } from '@perf/metrics';
import type { MetricBatch } from '../recording/MetricBatch.js';
import type { Collector } from './types.js';

/** Active libuv resources keeping the loop alive (sockets, timers, servers…), read at collect time. */
export class HandlesCollector implements Collector {
  start(): void {}
  stop(): void {}

  collect(batch: MetricBatch): void {
    batch.gauge(Metrics.activeHandles, '{handle}', 'Active handles and requests of the event loop.', process.getActiveResourcesInfo().length);
  }
}
