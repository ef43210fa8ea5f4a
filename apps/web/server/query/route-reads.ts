// Reads of route series over a range: their requests, errors and latency histograms, catch-ups included.
import type { StoreHistogram } from '../store/histogram.js';
import type { FleetStore, RouteState } from '../store/FleetStore.js';
import { forEachSlot, slotSpan, type Range } from './window.js';
import { catchUpAdjustment } from '../store/catch-up.js';

/** The first second a read of `range` reads from (a coarse slot it reads starts before range.from). */
export function readsFrom(store: FleetStore, range: Range): number {
  return slotSpan(store, range.tier, range.from, range.to)[0];
}

/** What a read of route series adds up: requests and errors, and, for the reads that show them, aborted requests. */
export interface RouteAcc {
  requests: number;
  errors: number;
  /** requests the clients aborted (summed only when present: most reads do not show them) */
  aborted?: number;
}

/** Adds a route's requests of range [from, to] into acc (and hist). */
export function accRoute(store: FleetStore, r: RouteState, range: Range, from: number, to: number, acc: RouteAcc, hist: StoreHistogram | undefined): void {
  forEachSlot(store, range.tier, from, to, (k, slot) => {
    const s = r.tiers[k].get(slot);
    if (s === undefined) return;
    acc.requests += s.requests;
    acc.errors += s.errors;
    if (acc.aborted !== undefined) acc.aborted += s.aborted;
    if (hist !== undefined) hist.merge(s.hist);
  });
  // requests that caught up on an interruption count over the seconds they were served in (catch-up.ts)
  if (r.catchUps !== undefined) catchUpAdjustment(r.catchUps, ...slotSpan(store, range.tier, from, to), acc, range.to);
}
