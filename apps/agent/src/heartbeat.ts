import { performance } from 'node:perf_hooks';
import { now } from './clock.js';

/** A loop at least this idle over a beat (share of wall time) is sampled `IDLE_STRETCH` times less often. */
const IDLE_SHARE = 0.99;
const IDLE_STRETCH = 5;
/** …but never less often than this, whatever the resolution (ms). */
const IDLE_MAX_INTERVAL = 100;

/**
 * The agent's one timer on the app's thread. Every periodic job of the agent runs on its beats: the
 * event-loop delay sample, the GC probe's windows and the export's snapshot, so the agent wakes the app's
 * loop at most once per beat (each wakeup of an idle loop costs ≈ 80–200 µs of CPU on the machines
 * measured here; under load the loop is awake anyway and a beat costs ≈ 1 µs of JavaScript).
 *
 * Beats come every `resolutionMs`; when the loop was ≥ 99% idle over the last beat, the next one comes
 * `IDLE_STRETCH`× later (≤ 100 ms), and the beat reports how long it was meant to be so the event-loop
 * histogram can weight it (see EventLoopDelayCollector.sample). A beat never overshoots the next deadline
 * the callback asks for (the export interval).
 */
export class Heartbeat {
  private timer: NodeJS.Timeout | undefined;
  private last = 0;
  private lastIdle = 0;
  private lastActive = 0;
  private expected: number;
  private readonly idleInterval: number;

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
    this.idleInterval = Math.max(resolutionMs, Math.min(resolutionMs * IDLE_STRETCH, IDLE_MAX_INTERVAL));
  }

  start(): void {
    this.last = now();
    const elu = performance.eventLoopUtilization();
    this.lastIdle = elu.idle;
    this.lastActive = elu.active;
    this.schedule(this.resolutionMs);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private readonly tick = (): void => {
    this.timer = undefined;
    const t = now();
    const elapsed = t - this.last;
    const elu = performance.eventLoopUtilization();
    const idleShare = elapsed > 0 ? (elu.idle - this.lastIdle) / elapsed : 0;
    const activeMs = elu.active - this.lastActive;
    this.lastIdle = elu.idle;
    this.lastActive = elu.active;
    this.last = t;
    let untilDeadline = Infinity;
    try {
      untilDeadline = this.beat(t, elapsed - this.expected, this.expected, activeMs);
    } catch {
      // a failing job must not stop the heartbeat
    }
    let next = idleShare >= IDLE_SHARE ? this.idleInterval : this.resolutionMs;
    if (untilDeadline < next) next = Math.max(1, Math.ceil(untilDeadline));
    this.schedule(next);
  };

  private schedule(ms: number): void {
    this.expected = ms;
    this.timer = setTimeout(this.tick, ms);
    this.timer.unref();
  }
}
