import { performance } from 'node:perf_hooks';
import { now } from './clock.js';

/** The most a beat is stretched on a mostly idle loop (×R), and never beyond this many ms. */
const MAX_STRETCH = 5;
const MAX_STRETCHED_INTERVAL = 100;

/**
 * The agent's one timer on the app's thread. Every periodic job of the agent runs on its beats: the
 * event-loop delay sample, the GC probe's windows and the export's snapshot, so the agent wakes the app's
 * loop at most once per beat (each wakeup of an idle loop costs ≈ 80–200 µs of CPU on the machines
 * measured here; under load the loop is awake anyway and a beat costs ≈ 1 µs of JavaScript).
 *
 * Beats come every `resolutionMs` (R) while the loop is at least half busy. On a loop that was busy only
 * a share u < ½ of the last beat, the next beat comes k = ⌊1/u⌋ times later (k ≤ 5, ≤ 100 ms): a sample
 * of a mostly idle loop is almost always ≈ 0 and, there, almost always a wakeup of its own. The beat
 * reports how long it was meant to be so the event-loop histogram weights it as k samples (see
 * EventLoopDelayCollector.sample). A beat never overshoots the next deadline the callback asks for (the
 * export interval). What it gives up: on a loop less than half busy, a stall shorter than k·R that begins
 * and ends between two beats can be missed by the histogram (ELU still counts it); stalls of 100 ms and
 * more are always seen.
 */
export class Heartbeat {
  private timer: NodeJS.Timeout | undefined;
  /** the delay `timer` was created with: a beat at the same delay re-arms it (refresh) instead of allocating another */
  private timerMs = 0;
  private last = 0;
  private lastActive = 0;
  private expected: number;
  private readonly maxStretch: number;

  /**
   * @param beat called at each beat with the time (ms, clock.now), how late the beat is (ms), how long it
   *   was meant to be (ms) and how long the loop was busy since the previous beat (ms); returns the ms until
   *   the next deadline the heartbeat must meet (Infinity: none)
   */
  constructor(
    private readonly resolutionMs: number,
    private readonly beat: (t: number, lateMs: number, expectedMs: number, activeMs: number) => number,
  ) {
    this.expected = resolutionMs;
    this.maxStretch = Math.max(1, Math.min(MAX_STRETCH, Math.floor(MAX_STRETCHED_INTERVAL / resolutionMs)));
  }

  start(): void {
    this.last = now();
    const elu = performance.eventLoopUtilization();
    this.lastActive = elu.active;
    this.schedule(this.resolutionMs);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private readonly tick = (): void => {
    const t = now();
    const elapsed = t - this.last;
    const elu = performance.eventLoopUtilization();
    const activeMs = elu.active - this.lastActive;
    const busyShare = elapsed > 0 ? activeMs / elapsed : 1;
    this.lastActive = elu.active;
    this.last = t;
    let untilDeadline = Infinity;
    try {
      untilDeadline = this.beat(t, elapsed - this.expected, this.expected, activeMs);
    } catch {
      // a failing job must not stop the heartbeat
    }
    const k = busyShare >= 0.5 ? 1 : Math.min(this.maxStretch, Math.floor(1 / Math.max(busyShare, 0.01)));
    let next = k * this.resolutionMs;
    if (untilDeadline < next) next = Math.max(1, Math.ceil(untilDeadline));
    this.schedule(next);
  };

  private schedule(ms: number): void {
    this.expected = ms;
    if (this.timer !== undefined && this.timerMs === ms) {
      this.timer.refresh();
      return;
    }
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerMs = ms;
    this.timer = setTimeout(this.tick, ms);
    this.timer.unref();
  }
}
