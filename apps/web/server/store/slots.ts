import { StoreHistogram } from './histogram.js';

/** One time slot of a fleet-level request series: counts plus the merged latency histogram. */
export interface RequestSlot {
  /** requests that finished (the histogram's count) */
  requests: number;
  errors: number;
  /**
   * requests the client gave up on before the response finished (http.server.aborted_requests): never in `requests`
   * nor in the histogram (they have no duration), so a route whose requests all hang shows only here
   */
  aborted: number;
  hist: StoreHistogram;
}

/**
 * Time slots of one tier, keyed by slot number (start / step). A Map keeps insertion order, which is
 * time order except for late data, so pruning from the front is cheap; memory follows the data, not
 * the retention (a route seen once holds one slot).
 */
export class SlotMap<T> {
  readonly slots = new Map<number, T>();
  constructor(
    readonly step: number,
    readonly capacity: number,
  ) {}

  get(slot: number): T | undefined {
    return this.slots.get(slot);
  }

  getOrCreate(slot: number, create: () => T): T {
    let s = this.slots.get(slot);
    if (s === undefined) {
      s = create();
      this.slots.set(slot, s);
    }
    return s;
  }

  set(slot: number, value: T): void {
    this.slots.set(slot, value);
  }

  /** Drops slots older than `newestSlot − capacity`. */
  prune(newestSlot: number): void {
    const cutoff = newestSlot - this.capacity;
    for (const k of this.slots.keys()) {
      if (k > cutoff) break;
      this.slots.delete(k);
    }
  }

  get size(): number {
    return this.slots.size;
  }
}

export function newRequestSlot(scale: number): RequestSlot {
  return { requests: 0, errors: 0, aborted: 0, hist: new StoreHistogram(scale, 2048, 0) };
}

/** Bytes of a request slot (estimate: object, Map entry, histogram). */
export function requestSlotBytes(s: RequestSlot): number {
  return 64 + s.hist.bytes;
}
