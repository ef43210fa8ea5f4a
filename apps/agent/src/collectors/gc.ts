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

/**
 * At least 1 in this many beat windows is observed, however often the process collects (≥ 5 windows a
 * second at the default 20 ms beat: the finder judges GC share per second, and fewer windows made it noisy).
 */
const MAX_EVERY = 10;
/** Observed time (ms) needed before the GC rate is re-estimated. */
const MIN_OBSERVED_MS = 50;
/**
 * …and at least this many observed windows a second whatever the beat's length: on a loop that stalls (beats 1–2 s
 * apart: a collector thrashing on a process short of CPU), 1 in 10 beats was one window in 10–20 s, weighted 10, so the
 * GC share read 0% and 100% by turns from second to second and the dashboard never saw a sustained 10% (the zoo's
 * gc-churn on a crowded CI machine: no gc-pressure finding in 60 s while a CPU profile gave GC 63% of the time). 2, not
 * more: a calm loop's beats, stretched to 100 ms, are then observed 1 in 5 at most (1 in 10 before), each observed GC
 * costing it CPU.
 */
const MIN_OBSERVED_PER_SECOND = 2;

/**
 * GC pause durations by type (seconds), from the 'gc' performance entries.
 *
 * What observing costs: Node builds a JS entry for each GC and delivers it through two immediates and the
 * observer's callback. Measured here (bench/overhead/gc-observer.mjs, an allocation loop): 140–730 µs of
 * CPU per observed GC, ≈ 280,000 instructions under callgrind; a hello-world server at 20–40k req/s
 * collects 50–90 times a second, so observing every GC costs it 0.6–0.8% of its CPU (profile attribution,
 * bench/overhead/attribution.mjs: Node defines accessors on each entry, turning it into a slow-mode object;
 * on Node 20 they are four `util.deprecate` wrappers (DEP0152) whose prototypes are set to fresh functions,
 * and ≈ 3.2 KB of each entry's objects survive two scavenges and are promoted: `--trace-gc-nvp` shows 3,184
 * bytes promoted at every scavenge while an observer is connected, none without).
 * With `sampleAbove` (PERF_GC_SAMPLE_ABOVE, default 10), the probe observes at most that many GCs a second on
 * average (0.25% in the same benchmark): below that rate every pause is recorded; above it, the
 * probe observes 1 in N of the agent's heartbeat windows (N = rate / sampleAbove, ≤ 10, and small enough that 2
 * windows a second are observed when beats are far apart, as on a loop that stalls; stratified: one
 * window at a random place in each run of N, so every second gets its share of observed windows and no
 * workload rhythm can line up with them) and records each pause it sees N times, so counts, sums and the
 * distribution stay unbiased estimates
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
  /** beats since the last estimate (their mean length bounds `every`: MIN_OBSERVED_PER_SECOND) */
  private beats = 0;
  /** 1 in this many windows keeps the observed GCs near `sampleAbove` a second (the last estimate of the rate) */
  private byRate = 1;
  /** stratified sampling: position in the current run of `every` windows, and the one observed in it */
  private position = 0;
  private chosen = 0;
  /** a disconnect is pending (see setObserving) */
  private closing = false;
  /**
   * the observed windows [start, end) of the last second, in clock.now() ms: an entry counts only if its GC
   * started inside one, since entries arrive a loop turn or two after the GC (one that started just before
   * a window opened can arrive inside it, one from its last moments after it closed)
   */
  private windows: [number, number][] = [];

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
    this.windows = [[this.windowStart, Infinity]];
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
    this.beats++;
    if (t - this.lastEstimate >= 1000) {
      // the rate from enough observed time (it may take several seconds when few windows are observed); the beats'
      // length from the last second, observed or not (a loop that starts stalling is seen at its next beat)
      if (this.observedMs >= MIN_OBSERVED_MS) {
        const rate = this.observedCount / (this.observedMs / 1000);
        this.byRate = Math.max(1, Math.ceil(rate / this.sampleAbove));
        this.observedMs = 0;
        this.observedCount = 0;
      }
      const beatMs = (t - this.lastEstimate) / this.beats;
      const byTime = Math.max(1, Math.floor(1000 / (beatMs * MIN_OBSERVED_PER_SECOND)));
      const every = Math.min(MAX_EVERY, byTime, this.byRate);
      if (every !== this.every) {
        this.every = every;
        this.position = this.every; // start a new run at once
      }
      this.beats = 0;
      this.lastEstimate = t;
    }
    if (this.position >= this.every) {
      this.position = 0;
      this.chosen = Math.floor(Math.random() * this.every);
    }
    const observe = this.position === this.chosen;
    this.position++;
    if (this.every > 1) {
      const open = this.windows.length > 0 && this.windows[this.windows.length - 1][1] === Infinity;
      if (open && !observe) this.windows[this.windows.length - 1][1] = t;
      else if (open && observe) {
        this.windows[this.windows.length - 1][1] = t; // consecutive windows: close and open at t
        this.windows.push([t, Infinity]);
      } else if (!open && observe) this.windows.push([t, Infinity]);
      while (this.windows.length > 0 && this.windows[0][1] < t - 1000) this.windows.shift();
    } else if (this.windows.length !== 1 || this.windows[0][1] !== Infinity) {
      this.windows = [[t, Infinity]];
    }
    this.setObserving(observe);
  }

  private counts(startTime: number): boolean {
    if (this.every === 1) return true;
    for (const [start, end] of this.windows) if (startTime >= start && startTime < end) return true;
    return false;
  }

  private setObserving(on: boolean): void {
    if (on === this.observing) return;
    this.observing = on;
    if (on) {
      if (this.closing) this.closing = false; // still connected: the pending close is called off
      else this.observer.observe({ entryTypes: ['gc'] });
    } else if (this.running) {
      // Not at once: a GC of the window that just ended reaches the observer one or two loop turns later (a
      // native immediate, then a JS one), and disconnect() drops what has not been delivered yet. One
      // immediate later the native ones have run, and takeRecords() hands over what is still buffered.
      this.closing = true;
      setImmediate(this.close).unref();
    } else {
      this.close();
    }
  }

  private readonly close = (): void => {
    this.closing = false;
    if (this.observing && this.running) return;
    for (const entry of this.observer.takeRecords()) this.record(entry);
    this.observer.disconnect();
  };

  private record(entry: PerformanceEntry): void {
    if (!this.counts(entry.startTime)) return;
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
        'Garbage-collection pause durations by type. Above PERF_GC_SAMPLE_ABOVE GCs a second (default 10), pauses are observed in sampled windows and weighted (estimates).',
        h,
        { [Attrs.gcType]: type },
      );
    }
  }
}
