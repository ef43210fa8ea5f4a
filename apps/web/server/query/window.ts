import type { FleetStore } from '../store/FleetStore.js';

/** A query's time range in whole seconds: [from, to] inclusive, read at tier `tier` with `step` seconds per point. */
export interface Range {
  from: number;
  to: number;
  step: number;
  tier: number;
}

/**
 * The range for `window` seconds ending at the last complete second before `nowMs` (the current second
 * is still filling: counting it would under-report rates). The finest tier that reaches back far enough
 * is used; `step` is rounded up to a multiple of its resolution.
 */
export function rangeFor(store: FleetStore, nowMs: number, window: number, step?: number): Range {
  const tiers = store.options.tiers;
  let tier = tiers.findIndex((t) => t.retention >= window);
  if (tier < 0) tier = tiers.length - 1;
  const res = tiers[tier].step;
  const w = Math.max(Math.min(window, tiers[tier].retention), res);
  let s = step === undefined || !(step > 0) ? Math.max(res, Math.ceil(w / 300)) : step;
  s = Math.max(res, Math.ceil(s / res) * res);
  const to = Math.floor(nowMs / 1000) - 1;
  return { from: to - w + 1, to, step: s, tier };
}

/**
 * Calls fn(slotStartSecond, slotNumber, tierIndex) for every slot that covers [from, to]: slots of tier k
 * where that tier is rolled up, the finest tier for the recent part that is not yet.
 */
export function forEachSlot(store: FleetStore, k: number, from: number, to: number, fn: (tier: number, slot: number) => void): void {
  const tiers = store.options.tiers;
  if (k === 0) {
    for (let t = from; t <= to; t++) fn(0, t);
    return;
  }
  const step = tiers[k].step;
  const rolledSec = store.rolledUntil[k] * step; // seconds < this are in tier k
  const first = Math.floor(from / step);
  const last = Math.floor(to / step);
  for (let s = first; s <= last; s++) {
    if ((s + 1) * step <= rolledSec) fn(k, s);
    else {
      const a = Math.max(s * step, from);
      const b = Math.min((s + 1) * step - 1, to);
      for (let t = a; t <= b; t++) fn(0, t);
    }
  }
}

/**
 * The seconds forEachSlot(store, k, from, to) covers: a coarse slot it visits holds its whole step, also the part
 * outside [from, to].
 */
export function slotSpan(store: FleetStore, k: number, from: number, to: number): [number, number] {
  if (k === 0) return [from, to];
  const step = store.options.tiers[k].step;
  const rolledSec = store.rolledUntil[k] * step;
  const first = Math.floor(from / step);
  const last = Math.floor(to / step);
  return [(first + 1) * step <= rolledSec ? first * step : from, (last + 1) * step <= rolledSec ? (last + 1) * step - 1 : to];
}
