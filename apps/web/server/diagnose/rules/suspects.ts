// Which routes a node-level problem is about, when the store has no per-node route detail: every route of
// a struggling node slows, but the route doing the work slows the most against its own past (the mean
// latency of a route that blocks or burns CPU rises by the whole cost of that work on every request).

import type { RouteWindow } from '../types.js';
import { baseline, recent, routeName } from '../window.js';

export interface Suspect {
  name: string;
  /** recent mean (or p50) latency, seconds, and the same before */
  mean: number;
  before: number;
  /** how much it rose (or the latency itself when there is no past to compare with) */
  score: number;
}

/** a rise worth naming: twice its past and 5 ms more */
const RISE_MULTIPLE = 2;
const RISE_MIN_S = 0.005;

/** Routes whose latency rose with the trouble, most suspect first (`affected` narrows the candidates). */
export function risingRoutes(routes: readonly RouteWindow[], affected: (r: RouteWindow) => boolean = () => true): Suspect[] {
  const out: Suspect[] = [];
  for (const r of routes) {
    if (!affected(r)) continue;
    const series = r.latencyMean ?? r.latencyP50;
    const mean = recent(series);
    if (Number.isNaN(mean)) continue;
    // the lower of the window's past and the route's usual level (the window's past can be an earlier incident's)
    const windowPast = baseline(series, 5);
    const usual = r.usual === undefined ? NaN : r.latencyMean !== undefined ? r.usual.mean : r.usual.p50;
    const before = usual < windowPast ? usual : windowPast;
    if (!Number.isNaN(before) && !(mean >= Math.max(RISE_MULTIPLE * before, before + RISE_MIN_S))) continue;
    out.push({ name: routeName(r), mean, before, score: Number.isNaN(before) ? mean : mean / Math.max(before, 0.001) });
  }
  return out.sort((a, b) => b.score - a.score);
}

/** the route named must have risen this many times as much as the next one (in seconds added) */
const STAND_OUT = 2;

/**
 * The suspect that stands out, or none: on a saturated or stalled loop every route queues behind the work and rises
 * by about the same time, the route doing the work included; naming the one whose latency rose most then named
 * whichever route was fastest before (an outside audit was sent to GET /api/users/:id for pbkdf2 in GET /api/search).
 * A route is named only when it rose STAND_OUT× as much as any other (a route that blocks the loop rises by its whole
 * work on every request; the others only when they arrive during a stall).
 */
export function standingOut(suspects: readonly Suspect[]): Suspect[] {
  const added = (x: Suspect) => x.mean - (Number.isNaN(x.before) ? 0 : x.before);
  const sorted = [...suspects].sort((a, b) => added(b) - added(a));
  if (sorted.length >= 2 && added(sorted[0]) < STAND_OUT * added(sorted[1])) return [];
  return sorted.slice(0, 1);
}
