// How far back the dashboard keeps data (the longest tier of PERF_TIERS, from `/api/v1/status`), asked once per
// tab: a range longer than that is answered 400 by every endpoint, so the range picker offers only the ranges that
// fit and a link to a longer one opens the longest that does (with `PERF_TIERS=1s:15m,10s:6h,1m:1d`, the README's
// own example, "Last 7 d" was a page of errors).
import { useSyncExternalStore } from 'react';
import type { Status } from '../server/api/types.js';
import { apiGet } from './api.js';
import { RANGES, RANGE_SPECS, type RangeKey } from './url-state.js';

let longest: number | null = null;
let asked = false;
const listeners = new Set<() => void>();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (!asked) {
    asked = true;
    apiGet<Status>('status').then(
      (s) => {
        const tiers = s.store?.tiers ?? [];
        if (tiers.length === 0) return;
        longest = Math.max(...tiers.map((t) => t.retention));
        for (const l of listeners) l();
      },
      // unknown (the server unreachable, a token not given yet): every range is offered, as before; asked again later
      () => {
        asked = false;
      },
    );
  }
  return () => listeners.delete(listener);
}

/** The longest retention in seconds, null until known. */
export function useLongestRetention(): number | null {
  return useSyncExternalStore(
    subscribe,
    () => longest,
    () => null,
  );
}

/** Whether a range reaches back no further than the data is kept (every range while that is not known). */
export function rangeFits(range: RangeKey, retention: number | null): boolean {
  return retention === null || RANGE_SPECS[range].seconds <= retention;
}

/** The range itself when it fits, else the longest one that does (the shortest when none does). */
export function fittingRange(range: RangeKey, retention: number | null): RangeKey {
  if (rangeFits(range, retention)) return range;
  const fitting = RANGES.filter((r) => rangeFits(r, retention));
  return fitting.length > 0 ? fitting[fitting.length - 1] : RANGES[0];
}
