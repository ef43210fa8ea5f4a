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
    const before = baseline(series, 5);
    if (!Number.isNaN(before) && !(mean >= Math.max(RISE_MULTIPLE * before, before + RISE_MIN_S))) continue;
    out.push({ name: routeName(r), mean, before, score: Number.isNaN(before) ? mean : mean / Math.max(before, 0.001) });
  }
  return out.sort((a, b) => b.score - a.score);
}
