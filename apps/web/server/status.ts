import { monitorEventLoopDelay, performance, type IntervalHistogram, type EventLoopUtilization } from 'node:perf_hooks';

/** The dashboard's own event-loop delay and utilisation over the last ~10 s (for /api/v1/status). */
export class SelfMonitor {
  private readonly h: IntervalHistogram;
  private last = { p50: 0, p99: 0, max: 0 };
  private elu: EventLoopUtilization;
  private lastElu = 0;
  private readonly timer: NodeJS.Timeout;

  constructor() {
    this.h = monitorEventLoopDelay({ resolution: 10 });
    this.h.enable();
    this.elu = performance.eventLoopUtilization();
    this.timer = setInterval(() => this.roll(), 10_000);
    this.timer.unref();
  }

  private roll(): void {
    // percentiles are ns and include the 10 ms sampling resolution; report the excess in seconds
    const res = 10e6;
    this.last = {
      p50: Math.max(this.h.percentile(50) - res, 0) / 1e9,
      p99: Math.max(this.h.percentile(99) - res, 0) / 1e9,
      max: Math.max(this.h.max - res, 0) / 1e9,
    };
    this.h.reset();
    const now = performance.eventLoopUtilization();
    this.lastElu = performance.eventLoopUtilization(now, this.elu).utilization;
    this.elu = now;
  }

  eventLoopDelay(): { p50: number; p99: number; max: number } {
    if (this.last.max === 0 && this.h.count > 0) {
      const res = 10e6;
      return { p50: Math.max(this.h.percentile(50) - res, 0) / 1e9, p99: Math.max(this.h.percentile(99) - res, 0) / 1e9, max: Math.max(this.h.max - res, 0) / 1e9 };
    }
    return this.last;
  }

  utilization(): number {
    return this.lastElu || performance.eventLoopUtilization(performance.eventLoopUtilization(), this.elu).utilization;
  }

  close(): void {
    clearInterval(this.timer);
    this.h.disable();
  }
}
