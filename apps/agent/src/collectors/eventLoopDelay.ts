import { ExponentialHistogram, Metrics } from '@perf/metrics';
import { now } from '../clock.js';
import type { MetricBatch } from '../recording/MetricBatch.js';
import type { Collector } from './types.js';

/** Coordinated-omission back-fill stops after this many synthetic samples per stall (20 minutes at 20 ms). */
const MAX_BACKFILL = 60_000;

/**
 * Event-loop delay as a mergeable histogram (seconds), sampled by the agent's own unref'd interval timer.
 *
 * Why not perf_hooks.monitorEventLoopDelay: it only yields percentiles of a native HdrHistogram, which
 * cannot be merged across nodes, and it takes no samples while the loop is blocked. Here each tick records
 * `elapsed − resolution` (the delay beyond the requested interval) and, like HdrHistogram's
 * recordValueWithExpectedInterval, back-fills a stall of D with D−R, D−2R, … > 0: the samples a sampler
 * would have taken had the loop not been blocked. Without that, one 500 ms block is a single sample lost
 * among 50 per second of 0 ms samples. Cost: 50 timer callbacks a second at the default 20 ms, ≈ 1 µs of
 * JavaScript each, plus a wakeup when the loop is otherwise idle.
 */
export class EventLoopDelayCollector implements Collector {
  readonly histogram = new ExponentialHistogram({ maxScale: 6, maxSize: 1024 });
  /** largest delay (ms) since each consumer's last collect */
  private readonly maxMs = new Map<string, number>([['otlp', 0]]);
  private last = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly tick: () => void;

  constructor(private readonly resolutionMs: number) {
    this.tick = () => {
      const t = now();
      this.observe(t - this.last - this.resolutionMs);
      this.last = t;
    };
  }

  start(): void {
    this.last = now();
    this.timer = setInterval(this.tick, this.resolutionMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
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
