// The seconds a read's rates are over: from where the data starts, less those a node's requests are unknown in after
// the dashboard's own downtime (see unknown.ts), and none of a downtime nothing was spread back into.
import type { NodeState } from '../store/node.js';
import type { FleetStore, RouteState, ServiceState } from '../store/FleetStore.js';
import type { Range } from './window.js';
import { hull, knownParts, overlap, unknownSpan, type Span } from './unknown.js';
import { RESTART_GRACE_MS, isDown } from './liveness.js';
import { accRoute } from './route-reads.js';

/** Whether the seconds a…b all lie in one of the store's downtimes (the dashboard was not running: FleetStore.downtimes). */
export function inDowntime(store: FleetStore, a: number, b: number): boolean {
  for (const d of store.downtimes) if (a >= d.from && b <= d.to) return true;
  return false;
}

/** The seconds the node's requests are unknown in at `now` (ms), after the dashboard's own downtime (see unknown.ts). */
export function nodeUnknown(store: FleetStore, node: NodeState, now: number): Span | undefined {
  if (node.unknownFrom === undefined) return undefined;
  return unknownSpan(node, Math.floor((store.openedAt + RESTART_GRACE_MS) / 1000), isDown(store, node, now));
}

/** The seconds some node of the services is unknown in at `now`: a sum over their nodes is partial there. */
export function scopeUnknown(store: FleetStore, services: Iterable<ServiceState>, now: number): Span | undefined {
  let span: Span | undefined;
  for (const s of services) for (const n of s.nodes.values()) if (n.unknownFrom !== undefined) span = hull(span, nodeUnknown(store, n, now));
  return span;
}

/**
 * The parts of the seconds a…b to read a sum or rate of a subject unknown in `span` over: at a coarse tier, whose
 * slots hold whole steps, none when they overlap it.
 */
export function readable(span: Span | undefined, a: number, b: number, tier: number): Span[] {
  if (overlap(span, a, b) === 0) return [[a, b]];
  return tier === 0 ? knownParts(a, b, span) : [];
}

/**
 * The requests and errors `acc` holds for the routes over the range from `since` on, less those of the seconds in
 * `unknown` (a partial sum there: finest tier only, a coarser one's slots are not split), and the seconds left: what
 * a rate over the window is over (0: none is known).
 */
export function knownRequests(store: FleetStore, routes: Iterable<RouteState>, range: Range, since: number, unknown: Span | undefined, acc: { requests: number; errors: number }): { requests: number; errors: number; seconds: number } {
  const first = Math.max(range.from, since);
  const n = range.tier === 0 ? overlap(unknown, first, range.to) : 0;
  if (n === 0) return { requests: acc.requests, errors: acc.errors, seconds: covered(store, range, since) };
  const part = { requests: 0, errors: 0 };
  for (const r of routes) accRoute(store, r, range, Math.max(first, unknown![0]), Math.min(range.to, unknown![1]), part, undefined);
  return { requests: acc.requests - part.requests, errors: acc.errors - part.errors, seconds: range.to - first + 1 - n };
}

/**
 * Seconds of `range` from `since` (the store's first data, or a node's first sight) on: a rate over a window that
 * reaches back before any data (a fresh dashboard asked for `window=7d`) is over the part that has data, as
 * Prometheus' rate() is over its samples' span, not diluted by the empty rest.
 */
export function covered(store: FleetStore, range: Range, since = store.dataSince): number {
  return Math.max(1, range.to - Math.max(range.from, since) + 1);
}

/**
 * Where a service's rates start: its first data in the store (so /fleet?service= and its nodes' rates agree for a
 * service younger than the window: an outside audit read 4 req/s for the service, 29 for its only node).
 */
export function serviceSince(store: FleetStore, service: string | undefined): number {
  if (service === undefined) {
    // the whole fleet: from the first data of any service (a dashboard that waited 30 s for its first export read
    // 250 req/s for a one-service fleet whose service and only node read 1,000; contract audit)
    let first = Infinity;
    for (const svc of store.services.values()) if (svc.dataSince < first) first = svc.dataSince;
    return Number.isFinite(first) ? Math.max(store.dataSince, first) : store.dataSince;
  }
  const s = store.services.get(service);
  return s !== undefined && Number.isFinite(s.dataSince) ? Math.max(store.dataSince, s.dataSince) : store.dataSince;
}
