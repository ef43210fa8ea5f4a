// How far back the dashboard keeps data (the longest tier of PERF_TIERS, from `/api/v1/status`), asked once per
// tab: a range longer than that is answered 400 by every endpoint, so the range picker offers only the ranges that
// fit and a link to a longer one opens the longest that does (with `PERF_TIERS=1s:15m,10s:6h,1m:1d`, the README's
// own example, "Last 7 d" was a page of errors).
import { useSyncExternalStore } from 'react';
import type { Status } from '../server/api/types.js';
import { apiGet } from './api.js';
import { MIN_RETENTION } from '../server/store/config.js';
import { RANGES, RANGE_SPECS, type RangeKey } from './url-state.js';

const STORAGE_KEY = 'perf.retention';
/** the last answer this tab had (a reload knows it at once); asked again all the same */
let longest: number | null = (() => {
  try {
    const v = Number(typeof window === 'undefined' ? NaN : window.sessionStorage.getItem(STORAGE_KEY));
    return v > 0 ? v : null;
  } catch {
    return null;
  }
})();
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
        try {
          window.sessionStorage.setItem(STORAGE_KEY, String(longest));
        } catch {
          // storage off: asked again on the next load
        }
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

/**
 * The range itself when it fits, else the longest one that does (the shortest when none does). While the retention is
 * not known (the first moments of a tab), what every dashboard keeps (PERF_TIERS refuses less): a link to "Last 7 d"
 * reads the last 5 min until the answer comes, not 400s.
 */
export function fittingRange(range: RangeKey, retention: number | null): RangeKey {
  const kept = retention ?? MIN_RETENTION;
  if (rangeFits(range, kept)) return range;
  return RANGES.filter((r) => rangeFits(r, kept)).at(-1) ?? RANGES[0];
}
