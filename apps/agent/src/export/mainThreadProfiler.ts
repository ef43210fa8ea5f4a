/**
 * What every profiler of the app's thread shares (the CPU profiler, profiler.ts; the heap and allocation
 * profilers, heapProfiler.ts): deciding from each snapshot, one profile at a time, a cooldown between profiles
 * and none in the agent's first seconds; an inspector session connected to the main thread for the profile's
 * length only; the last profile's metrics handed out while they are fresh. Where node:inspector is missing (a
 * Node built without it), or this is not a worker thread, there are no profiles and nothing else changes.
 */
import type { Session } from 'node:inspector';
import type { Metric } from '@perf/metrics';
import { SourceMaps } from './sourceMaps.js';

/** how long a finished profile keeps being exported (cumulative temporality: a lost export loses nothing) */
export const EXPORT_FOR_MS = 30_000;

export interface ProfileTiming {
  enabled: boolean;
  cooldownMillis: number;
  /** no profile in the agent's first ms: loading and compiling the app stalls every loop and grows every heap */
  afterMillis: number;
  /** where profiled places are mapped back to their sources (shared by the profilers: one cache) */
  sourceMaps?: SourceMaps;
}

export function post(session: Session, method: string, params?: object): Promise<unknown> {
  return new Promise((resolve, reject) => {
    session.post(method, params ?? {}, (error: Error | null, result?: unknown) => (error ? reject(error) : resolve(result)));
  });
}

export abstract class MainThreadProfiler {
  #session: Session | undefined;
  #running = false;
  #timer: NodeJS.Timeout | undefined;
  #nextAllowed = 0;
  #last: { metrics: Metric[]; until: number } | undefined;
  #unavailable = false;
  #lastEnded = 0;
  /** Unix ns when the running (or last) profile started */
  protected startUnixNano = 0;
  protected readonly sourceMaps: SourceMaps;

  constructor(
    private readonly timing: ProfileTiming,
    private readonly onRunning: (running: boolean) => void,
    private readonly startedAt: number,
  ) {
    this.sourceMaps = timing.sourceMaps ?? new SourceMaps();
  }

  /** Follows one snapshot (every one, profiling or not); whether it shows what this profile is for. */
  protected abstract wants(metrics: readonly Metric[], nowMs: number): boolean;
  /** Whether another profiler holds what this one needs (V8 has one sampling heap profiler per isolate). */
  protected blocked(): boolean {
    return false;
  }
  /** ms the next profile runs */
  protected abstract durationMillis(): number;
  /** Starts the profile on a connected session. */
  protected abstract begin(session: Session): Promise<void>;
  /** Stops it and reduces it to the metrics to export, with the profile's end (undefined: nothing worth sending). */
  protected abstract end(session: Session): Promise<{ metrics: Metric[]; endUnixNano: number } | undefined>;
  /** ms until the next profile may start when the one just ended found nothing of what it was for (else the cooldown). */
  protected retryAfter(): number | undefined {
    return undefined;
  }

  get running(): boolean {
    return this.#running;
  }

  /** false once it turned out profiles cannot be taken here */
  get available(): boolean {
    return !this.#unavailable;
  }

  /** Whether a profile ran at any time since `ms` (Unix ms). */
  ranSince(ms: number): boolean {
    return this.#running || this.#lastEnded >= ms;
  }

  /** One interval's snapshot: starts a profile when it shows the cause (returns whether it did). Never throws. */
  observe(metrics: readonly Metric[], nowMs = Date.now()): boolean {
    if (!this.timing.enabled || this.#unavailable) return false;
    if (!this.wants(metrics, nowMs)) return false;
    if (this.#running || nowMs < this.#nextAllowed || nowMs < this.startedAt + this.timing.afterMillis || this.blocked()) return false;
    this.#nextAllowed = nowMs + this.timing.cooldownMillis;
    // running from here: the session is connected after an await, and the next snapshot must not start another
    this.#running = true;
    void this.#start();
    return true;
  }

  /** The last profile's metrics, while they are fresh. */
  metrics(nowMs = Date.now()): Metric[] {
    if (this.#last === undefined) return [];
    if (nowMs > this.#last.until) {
      this.#last = undefined;
      return [];
    }
    return this.#last.metrics;
  }

  /** Drops a running profile at once, synchronously: its session is disconnected, nothing is kept (the process is exiting). */
  drop(): void {
    if (!this.#running) return;
    clearTimeout(this.#timer);
    this.#disconnect();
  }

  /** Ends a running profile now (what it took so far is kept) and disconnects. */
  async stop(): Promise<void> {
    if (!this.#running) return;
    clearTimeout(this.#timer);
    await this.#finish();
  }

  async #start(): Promise<void> {
    let session: Session;
    try {
      const inspector = await import('node:inspector');
      session = new inspector.Session();
      session.connectToMainThread();
    } catch {
      // a Node built without the inspector, or not on a worker thread: no profiles
      this.#unavailable = true;
      this.#running = false;
      return;
    }
    this.#session = session;
    this.onRunning(true);
    try {
      await this.begin(session);
      this.startUnixNano = Date.now() * 1e6;
      this.#timer = setTimeout(() => void this.#finish(), this.durationMillis());
    } catch {
      this.#disconnect();
    }
  }

  async #finish(): Promise<void> {
    const session = this.#session;
    if (session === undefined || !this.#running) return;
    try {
      const profile = await this.end(session);
      if (profile !== undefined) this.#last = { metrics: profile.metrics, until: profile.endUnixNano / 1e6 + EXPORT_FOR_MS };
      const retry = this.retryAfter();
      if (retry !== undefined) this.#nextAllowed = Math.min(this.#nextAllowed, Date.now() + retry);
    } catch {
      // the main thread went away, or the session did: no profile this time
    } finally {
      this.#disconnect();
    }
  }

  #disconnect(): void {
    try {
      this.#session?.disconnect();
    } catch {
      // already gone
    }
    this.#session = undefined;
    if (this.#running) {
      this.#running = false;
      this.#lastEnded = Date.now();
      this.onRunning(false);
    }
  }
}
