import { Metrics } from '@perf/metrics';
import { now } from '../clock.js';
import type { MetricBatch } from '../recording/MetricBatch.js';
import type { Collector } from './types.js';

/** CPU utilisation of the process over each export interval: CPU time / wall time (1.0 = one core busy). */
export class CpuCollector implements Collector {
  private readonly last = new Map<string, { usage: NodeJS.CpuUsage; wallMs: number }>();
  private first = { usage: process.cpuUsage(), wallMs: now() };

  start(): void {
    this.first = { usage: process.cpuUsage(), wallMs: now() };
  }

  stop(): void {}

  collect(batch: MetricBatch): void {
    const usage = process.cpuUsage();
    const wallMs = now();
    const last = this.last.get(batch.consumer) ?? this.first;
    const cpuMs = (usage.user - last.usage.user + usage.system - last.usage.system) / 1000;
    const elapsed = wallMs - last.wallMs;
    this.last.set(batch.consumer, { usage, wallMs });
    if (elapsed > 0) batch.gauge(Metrics.cpuUtilization, '1', 'CPU time of the process per wall-clock time over the export interval (1 = one core).', cpuMs / elapsed);
  }
}
