// What a read covers: the services, nodes and route series a service filter selects.
import type { NodeState } from '../store/node.js';
import type { FleetStore, RouteState, ServiceState } from '../store/FleetStore.js';

/** What every read of the fleet takes: an optional service filter and a window in seconds. */
export interface Scope {
  service?: string;
  /** seconds; default 60 */
  window?: number;
  /** Unix ms the window ends at (default: now) */
  now?: number;
}

/** Services in scope (all, or the one named; none when it is unknown). */
export function servicesOf(store: FleetStore, service: string | undefined): ServiceState[] {
  if (service === undefined || service === '') return [...store.services.values()];
  const s = store.services.get(service);
  return s === undefined ? [] : [s];
}

/** Every node in scope. */
export function nodeStates(store: FleetStore, service?: string): NodeState[] {
  const out: NodeState[] = [];
  for (const s of servicesOf(store, service)) for (const n of s.nodes.values()) out.push(n);
  return out;
}

/**
 * Every route series in scope; with `since` (Unix s), only those holding data from then on (the rest have nothing in a
 * read starting there: the live stream's reads, every second, skip the routes the coarse tiers keep for a week).
 */
export function routeStates(store: FleetStore, service?: string, since = -Infinity): RouteState[] {
  const out: RouteState[] = [];
  for (const s of servicesOf(store, service)) {
    if (since > -Infinity && since >= store.recentFrom) {
      // all of them are among the recent ones; in the routes' own order, as a walk of every route gives them
      const mine: RouteState[] = [];
      for (const r of s.recentRoutes) if (r.lastData >= since) mine.push(r);
      mine.sort((a, b) => a.seq - b.seq);
      for (const r of mine) out.push(r);
    } else for (const r of s.routes.values()) if (r.lastData >= since) out.push(r);
  }
  return out;
}
