// The scope's merged latency and event-loop histograms over a window.
import { StoreHistogram } from '../store/histogram.js';
import type { FleetStore } from '../store/FleetStore.js';
import { forEachSlot, rangeFor } from './window.js';
import { routeStates, servicesOf, type Scope } from './scope.js';
import { accRoute, readsFrom } from './route-reads.js';

/** The merged latency histogram of the scope (optionally one route or one node), over the window. */
export function latencyHistogram(store: FleetStore, scope: Scope & { route?: string; method?: string }): StoreHistogram {
  const now = scope.now ?? Date.now();
  const range = rangeFor(store, now, scope.window ?? 60);
  const h = new StoreHistogram(store.options.fleetScale, 2048, 0);
  const acc = { requests: 0, errors: 0 };
  for (const r of routeStates(store, scope.service, readsFrom(store, range))) {
    if (scope.route !== undefined && r.route !== scope.route) continue;
    if (scope.method !== undefined && r.method !== scope.method) continue;
    accRoute(store, r, range, range.from, range.to, acc, h);
  }
  return h;
}

/** The merged fleet event-loop delay histogram over the window. */
export function eventLoopHistogram(store: FleetStore, scope: Scope): StoreHistogram {
  const now = scope.now ?? Date.now();
  const range = rangeFor(store, now, scope.window ?? 60);
  const h = new StoreHistogram(store.options.fleetScale, 2048, 0);
  for (const s of servicesOf(store, scope.service)) {
    forEachSlot(store, range.tier, range.from, range.to, (k, slot) => {
      const e = s.el[k].get(slot);
      if (e !== undefined) h.merge(e);
    });
  }
  return h;
}
