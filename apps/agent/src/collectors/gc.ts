import { PerformanceObserver, constants, type PerformanceEntry } from 'node:perf_hooks';
import { Attrs, ExponentialHistogram, Metrics } from '@perf/metrics';
import { now } from '../clock.js';
import type { MetricBatch } from '../recording/MetricBatch.js';
import type { Collector } from './types.js';

const GC_TYPES: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

/** At most 1 in this many beat windows is observed, however often the process collects. */
const MAX_EVERY = 20;
/** Observed time (ms) needed before the GC rate is re-estimated. */
const MIN_OBSERVED_MS = 50;

/**
 * GC pause durations by type (seconds), from the 'gc' performance entries.
 *
 * What observing costs: Node builds a JS entry for each GC and delivers it through two immediates and the
 * observer's callback. Measured here (bench/overhead/gc-observer.mjs, an allocation loop): 140–730 µs of
 * CPU per observed GC, ≈ 280,000 instructions under callgrind; a hello-world server at 20–40k req/s
 * collects 50–90 times a second, so observing every GC can cost it several percent. So the probe observes
 * at most `sampleAbove` GCs a second on average: below that rate every pause is recorded; above it, the
 * probe observes a random 1 in N of the agent's heartbeat windows (N = rate / sampleAbove, ≤ 20) and
 * records each pause it sees N times, so counts, sums and the distribution stay unbiased estimates
 * (PERF_GC_SAMPLE_ABOVE sets the rate; a large value makes it exact, 0 turns the probe off).
 */
export class GcCollector implements Collector {
  readonly byType = new Map<string, ExponentialHistogram>();
  /** 1 in `every` windows is observed; each pause seen counts `every` times */
  every = 1;
  private readonly observer: PerformanceObserver;
  private running = false;
  private observing = false;
  private windowStart = 0;
  private observedMs = 0;
  private observedCount = 0;
  private lastEstimate = 0;

  constructor(private readonly sampleAbove: number) {
    this.observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) this.record(entry);
    });
  }

  /** Starts observing every pause; `beat` then narrows it to windows if GCs are frequent. */
  start(): void {
    if (this.sampleAbove <= 0) return; // PERF_GC_SAMPLE_ABOVE=0: the probe is off
    this.running = true;
    this.windowStart = now();
    this.lastEstimate = this.windowStart;
    this.setObserving(true);
  }

  stop(): void {
    this.running = false;
    this.setObserving(false);
  }

  /** At each heartbeat (time in ms): closes the window that ends now and decides whether to observe the next. */
  beat(t: number): void {
    if (!this.running) return;
    if (this.observing) this.observedMs += t - this.windowStart;
    this.windowStart = t;
    if (t - this.lastEstimate >= 1000 && this.observedMs >= MIN_OBSERVED_MS) {
      const rate = this.observedCount / (this.observedMs / 1000);
      this.every = Math.min(MAX_EVERY, Math.max(1, Math.ceil(rate / this.sampleAbove)));
      this.observedMs = 0;
      this.observedCount = 0;
      this.lastEstimate = t;
    }
    this.setObserving(this.every === 1 || Math.random() * this.every < 1);
  }

  private setObserving(on: boolean): void {
    if (on === this.observing) return;
    this.observing = on;
    if (on) this.observer.observe({ entryTypes: ['gc'] });
    else this.observer.disconnect();
  }

  private record(entry: PerformanceEntry): void {
    this.observedCount++;
    const kind = (entry as PerformanceEntry & { detail?: { kind?: number } | null }).detail?.kind;
    const type = (kind !== undefined && GC_TYPES[kind]) || 'unknown';
    let h = this.byType.get(type);
    if (h === undefined) {
      h = new ExponentialHistogram({ maxScale: 6, maxSize: 1024 });
      this.byType.set(type, h);
    }
    h.recordMany(entry.duration / 1000, this.every);
  }

  collect(batch: MetricBatch): void {
    for (const [type, h] of this.byType) {
      batch.histogram(
        Metrics.gcDuration,
        's',
        'Garbage-collection pause durations by type. Above PERF_GC_SAMPLE_ABOVE collections a second, pauses are observed in sampled windows and weighted (estimates).',
        h,
        { [Attrs.gcType]: type },
      );
    }
  }
}
