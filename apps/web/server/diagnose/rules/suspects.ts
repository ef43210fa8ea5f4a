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
  /** recent requests per second (NaN without data) */
  rps: number;
}

/** a rise worth naming: twice its past and 5 ms more */
const RISE_MULTIPLE = 2;
const RISE_MIN_S = 0.005;

/** A route's recent mean (or p50) latency and its past: the lower of the window's past and its usual level. */
function riseOf(r: RouteWindow): Suspect | undefined {
  const series = r.latencyMean ?? r.latencyP50;
  const mean = recent(series);
  if (Number.isNaN(mean)) return undefined;
  // the lower of the window's past and the route's usual level (the window's past can be an earlier incident's)
  const windowPast = baseline(series, 5);
  const usual = r.usual === undefined ? NaN : r.latencyMean !== undefined ? r.usual.mean : r.usual.p50;
  const before = usual < windowPast ? usual : windowPast;
  return { name: routeName(r), mean, before, score: Number.isNaN(before) ? mean : mean / Math.max(before, 0.001), rps: recent(r.rps) };
}

/** Routes whose latency rose with the trouble, most suspect first (`affected` narrows the candidates). */
export function risingRoutes(routes: readonly RouteWindow[], affected: (r: RouteWindow) => boolean = () => true): Suspect[] {
  const out: Suspect[] = [];
  for (const r of routes) {
    if (!affected(r)) continue;
    const s = riseOf(r);
    if (s === undefined || (!Number.isNaN(s.before) && !(s.mean >= Math.max(RISE_MULTIPLE * s.before, s.before + RISE_MIN_S)))) continue;
    out.push(s);
  }
  return out.sort((a, b) => b.score - a.score);
}

/** the route named must have risen this many times as much as any other (in seconds added) */
export const STAND_OUT = 2;
/**
 * …on a saturated loop (busy ≥ 90%): queueing makes the rises, and a route that waits twice (a timer or I/O callback
 * queues behind the work again) rose 2× as much as the route doing the work (an outside audit: 80 ms of CPU in POST
 * /api/orders at 96% of a core, and GET /api/users/:id, a 5 ms timer, named for 6 s); a route whose every request
 * carries the work (the zoo's 100 ms of CPU per order) rises many times as much as the rest
 */
export const STAND_OUT_SATURATED = 4;

const added = (x: Suspect) => x.mean - (Number.isNaN(x.before) ? 0 : x.before);

/**
 * The part of a route's rise that can be work on the loop: a loop holds at most `loopSeconds` a second (its ELU, summed
 * over the nodes), so a route's requests can add at most that much time a second by their own work; the rest of a rise is
 * waiting. On a loop held all the time, a route that waits for it (a timer, an I/O callback) rose more than the route
 * doing the work (a CPU-starved zoo: GET /api/users/:id, 60 requests a second, +137 ms in the fleet's mean, against GET
 * /api/report, 12 a second, +99 ms), i.e. 8 s of added time a second for a loop that held 1: no route was named.
 */
function workPart(x: Suspect, loopSeconds: number | undefined): number {
  const rise = added(x);
  return loopSeconds === undefined || !(x.rps > 0) ? rise : Math.min(rise, loopSeconds / x.rps);
}

/**
 * The suspect that stands out, or none: on a saturated or stalled loop every route queues behind the work and rises
 * by about the same time, the route doing the work included; naming the one whose latency rose most then named
 * whichever route was fastest before (an outside audit was sent to GET /api/users/:id for pbkdf2 in GET /api/search).
 * A route is named only when it rose `factor`× as much as any other of `routes` (every route with data, candidate or
 * not: a route that blocks the loop rises by its whole work on every request; the others only when they arrive during
 * a stall). Against the other suspects only when `routes` is not given.
 *
 * With `loopSeconds` (the seconds a second the loops in question were busy), a rise counts up to what work on those
 * loops could add (workPart) first. When that names none, the whole rises decide, as long as the route they name is
 * also the one that could have done the most work: work done in slices that yield to each other (a loop shared by many
 * requests each needing 100 ms) makes each request wait in proportion to its own work, so the working route's rise is
 * many times the others' but, like theirs, past its cap, where only the routes' rates then tell the caps apart (the
 * zoo's cpu-heavy node on a slower machine: POST /api/orders +200 ms and GET /api/users/:id +13 ms in the fleet's mean
 * counted 37 ms against 13 ms, and no route was named).
 */
export function standingOut(suspects: readonly Suspect[], routes?: readonly RouteWindow[], factor = STAND_OUT, loopSeconds?: number): Suspect[] {
  const byWork = standsOut(suspects, routes, factor, loopSeconds);
  if (byWork.length > 0 || loopSeconds === undefined) return byWork;
  const [top] = standsOut(suspects, routes, factor, undefined);
  return top !== undefined && noneAbove(top, workPart(top, loopSeconds), suspects, routes, loopSeconds) ? [top] : [];
}

/** The suspect that rose `factor`× as much as every other route (each rise counted up to its cap with `loopSeconds`), or none. */
function standsOut(suspects: readonly Suspect[], routes: readonly RouteWindow[] | undefined, factor: number, loopSeconds: number | undefined): Suspect[] {
  let top: Suspect | undefined;
  for (const x of suspects) if (top === undefined || workPart(x, loopSeconds) > workPart(top, loopSeconds)) top = x;
  return top !== undefined && noneAbove(top, workPart(top, loopSeconds) / factor, suspects, routes, loopSeconds) ? [top] : [];
}

/**
 * Whether no route but `top` counts more than `bar` (workPart): every other of `routes`, or of the suspects when `routes`
 * is not given. The suspects' rises are known; the other routes' are read here, and only until one counts too much.
 */
function noneAbove(top: Suspect, bar: number, suspects: readonly Suspect[], routes: readonly RouteWindow[] | undefined, loopSeconds: number | undefined): boolean {
  if (routes === undefined) return suspects.every((o) => o === top || workPart(o, loopSeconds) <= bar);
  const known = new Map(suspects.map((x) => [x.name, x]));
  for (const r of routes) {
    const name = routeName(r);
    if (name === top.name) continue;
    const o = known.get(name) ?? riseOf(r);
    if (o !== undefined && workPart(o, loopSeconds) > bar) return false;
  }
  return true;
}

/** a node's excess mean latency counts as its route mix when its share of steady slow routes accounts for this much of it */
const MIX_SLACK = 1.5;

/**
 * Whether a node's mean latency above its peers' can be its share of the service's routes that are slow by design:
 * routes steady against their own past (a long poll, a report), each adding at most its typical request (p50) above the
 * peers' mean, times the part of the node's requests it could be (its service-wide rate against the node's). The live
 * store has no per-node routes, so a node that takes a service's long polls (sticky sessions, a client pinned to it)
 * showed a p99 of 25 s against its peers' milliseconds and was named waiting and imbalanced (an outside audit). A node
 * that waits on its own slows the routes it serves: they rise against their past and explain nothing here, and once
 * the wait is their past, their p50 is still their requests' on the other nodes (most of them).
 */
export function routeMixExplains(rps: number, mean: number, peerMean: number, routes: readonly RouteWindow[], median?: { p50: number; peers: number }): boolean {
  if (!(rps > 0) || !(mean > peerMean)) return false;
  // A median raised well past its peers' (3× and 50 ms more) moves only when most of the node's requests could be slow
  // ones: routes whose typical request is at least half its median, a half of its requests at least. A node whose every
  // fast request waited 400 ms more (median 400 ms against 0.6 ms) beside a report route was excused (the next audit)
  const medianUp = median !== undefined && median.p50 >= Math.max(3 * median.peers, median.peers + 0.05);
  let explained = 0;
  let slowShare = 0;
  for (const r of routes) {
    const s = riseOf(r);
    if (s === undefined || Number.isNaN(s.before) || s.mean >= Math.max(RISE_MULTIPLE * s.before, s.before + RISE_MIN_S)) continue;
    const routeRps = recent(r.rps);
    const typical = recent(r.latencyP50);
    if (!(routeRps > 0)) continue;
    const share = Math.min(routeRps, rps) / rps;
    if (typical > peerMean) explained += share * (typical - peerMean);
    if (medianUp && typical >= 0.5 * median.p50) slowShare += share;
  }
  if (medianUp && slowShare < 0.5) return false;
  return mean - peerMean <= MIX_SLACK * explained;
}
