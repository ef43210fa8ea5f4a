import { ExponentialHistogram, Metrics } from '@perf/metrics';
import type { MetricBatch } from '../recording/MetricBatch.js';
import type { Collector } from './types.js';

/** Coordinated-omission back-fill stops after this many synthetic samples per stall (20 minutes at 20 ms). */
const MAX_BACKFILL = 60_000;

/**
 * Event-loop delay as a mergeable histogram (seconds), sampled on the agent's heartbeat (heartbeat.ts: one
 * unref'd timer on the app's thread, every PERF_EVENTLOOP_RESOLUTION ms).
 *
 * Why not perf_hooks.monitorEventLoopDelay: it only yields percentiles of a native HdrHistogram, which
 * cannot be merged across nodes, and it takes no samples while the loop is blocked. Here each beat records
 * how late it came (the delay beyond the interval it was scheduled for) and, like HdrHistogram's
 * recordValueWithExpectedInterval, back-fills a stall of D with D−R, D−2R, … > 0: the samples a sampler
 * would have taken had the loop not been blocked. Without that, one 500 ms block is a single sample lost
 * among 50 per second of 0 ms samples. Cost: ≈ 1 µs of JavaScript per beat.
 */
export class EventLoopDelayCollector implements Collector {
  readonly histogram = new ExponentialHistogram({ maxScale: 6, maxSize: 1024 });
  /** largest delay (ms) since each consumer's last collect */
  private readonly maxMs = new Map<string, number>([['otlp', 0]]);

  constructor(readonly resolutionMs: number) {}

  /** Sampling runs on the agent's heartbeat, which the agent starts and stops. */
  start(): void {}
  stop(): void {}

  /**
   * One beat, `delayMs` late, of a beat scheduled `expectedMs` after the previous one, the loop busy for
   * `activeMs` in between. A beat stretched to w·R while the loop was idle stands for the w samples a
   * sampler at R would have taken: w − 1 on time (recorded at this beat's own lateness, the idle loop's
   * wakeup latency, or 0 when the beat ends a stall) and this one. A stall that began before this beat was
   * due is longer than the beat is late: on an idle loop its length is the busy time (`activeMs`), which
   * a sampler at R would have seen as ≈ activeMs − R/2 late.
   */
  sample(delayMs: number, expectedMs: number, activeMs = 0): void {
    const r = this.resolutionMs;
    const w = Math.round(expectedMs / r);
    if (w > 1) {
      const onTime = delayMs > 0 && delayMs < r ? delayMs / 1000 : 0;
      this.histogram.recordMany(onTime, w - 1);
      if (delayMs >= r && activeMs - r / 2 > delayMs) delayMs = activeMs - r / 2;
    }
    this.observe(delayMs);
  }

  /** Records one observed delay in ms, with the coordinated-omission back-fill. */
  observe(delayMs: number): void {
    const d = delayMs > 0 ? delayMs : 0;
    for (const [consumer, max] of this.maxMs) if (d > max) this.maxMs.set(consumer, d);
    this.histogram.record(d / 1000);
    const r = this.resolutionMs;
    let n = 0;
    for (let missed = d - r; missed > 0 && n < MAX_BACKFILL; missed -= r, n++) this.histogram.record(missed / 1000);
  }

  collect(batch: MetricBatch): void {
    // a stall still in progress cannot be seen from inside it; one that just ended is in maxMs already
    batch.histogram(Metrics.eventLoopDelay, 's', 'Event-loop delay beyond the sampling interval, sampled every PERF_EVENTLOOP_RESOLUTION ms with coordinated-omission correction.', this.histogram);
    batch.gauge(Metrics.eventLoopDelayMax, 's', 'Largest event-loop delay since the previous export.', (this.maxMs.get(batch.consumer) ?? 0) / 1000);
    this.maxMs.set(batch.consumer, 0);
  }
}
