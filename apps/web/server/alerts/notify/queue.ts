// The durable delivery queue: every notification is a row in SQLite before any request leaves, each attempt is
// recorded as it ends, and on start the queue picks up whatever is still pending (a restart resumes, with the
// same X-Perf-Delivery id, so a receiver that saw an attempt before the crash can drop the duplicate).
// Deliveries sharing an order key (one rule to one target) go out one at a time, in order: a resolved never
// overtakes its firing.
import { setMaxListeners } from 'node:events';
import { deliver } from './deliver.js';
import type { AlertStore, DeliveryRow } from '../store/alert-store.js';
import type { DeliverOptions, DeliveryResult } from './deliver.js';

export interface QueueOptions extends Omit<DeliverOptions, 'firstAttempt' | 'signal' | 'onAttempt'> {
  /** How often to look for due deliveries (ms). Default 500. */
  pollMs?: number;
  /** Deliveries in progress at once (including those waiting between attempts). Default 256. */
  concurrency?: number;
  /** Called when a delivery finishes (delivered or failed). */
  onDone?: (row: DeliveryRow, result: DeliveryResult) => void;
}

export class DeliveryQueue {
  private readonly store: AlertStore;
  private readonly options: QueueOptions;
  private readonly inFlight = new Map<string, Promise<void>>();
  private abort = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private pumping = false;

  constructor(store: AlertStore, options: QueueOptions = {}) {
    this.store = store;
    this.options = options;
  }

  start(): void {
    if (this.timer) return;
    this.abort = new AbortController();
    setMaxListeners(0, this.abort.signal); // one listener per delivery waiting between attempts
    this.timer = setInterval(() => this.pump(), this.options.pollMs ?? 500);
    this.timer.unref();
    this.pump();
  }

  /** Stops taking work and interrupts waits between attempts; an attempt on the wire finishes (bounded by its timeout). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.abort.abort();
    await Promise.allSettled([...this.inFlight.values()]);
  }

  /** Deliveries being worked on right now. */
  get active(): number {
    return this.inFlight.size;
  }

  /** Starts every due delivery whose order key is free. Cheap to call after an enqueue. */
  pump(now = Date.now()): void {
    if (this.pumping || !this.timer) return;
    this.pumping = true;
    try {
      const busy = new Set<string>();
      for (const row of this.store.pendingDeliveries()) {
        if (this.inFlight.has(row.id) || busy.has(row.orderKey)) {
          busy.add(row.orderKey);
          continue;
        }
        busy.add(row.orderKey);
        if (row.nextAttemptAt > now) continue;
        if (this.inFlight.size >= (this.options.concurrency ?? 256)) break;
        this.run(row);
      }
    } finally {
      this.pumping = false;
    }
  }

  private run(row: DeliveryRow): void {
    const { pollMs: _p, concurrency: _c, onDone, ...deliverOptions } = this.options;
    const p = deliver(
      { id: row.id, url: row.url, body: row.body, ...(row.secret !== null ? { secret: row.secret } : {}) },
      {
        ...deliverOptions,
        firstAttempt: row.attempts + 1,
        signal: this.abort.signal,
        onAttempt: (a) => this.store.recordAttempt(row.id, a),
      },
    ).then((result) => {
      this.inFlight.delete(row.id);
      if (result.outcome !== 'aborted') {
        onDone?.(row, result);
        if (!this.abort.signal.aborted) setImmediate(() => this.pump()); // the next one for this order key
      }
    });
    this.inFlight.set(row.id, p);
  }
}
