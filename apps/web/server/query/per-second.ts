// Per-second rows of the nodes and routes in scope, as the store holds them at its finest tier.
import { NodeField, type NodeFieldName } from '../store/node.js';
import type { FleetStore } from '../store/FleetStore.js';
import { nodeStates, routeStates, type Scope } from './scope.js';
import { isUp } from './liveness.js';
import { q } from './quantiles.js';

/** Per-second rows of one node, for rules that look at shapes over time (the finder, alerts). */
export interface NodeSeconds {
  instance: string;
  service: string;
  host: string;
  up: boolean;
  /** second starts (Unix ms) */
  times: number[];
  /** field → value per second (null when the node sent nothing for it) */
  values: Record<NodeFieldName, (number | null)[]>;
}

/** Per-second fleet-level numbers of one route. */
export interface RouteSeconds {
  service: string;
  method: string;
  route: string;
  times: number[];
  requests: number[];
  errors: number[];
  p50: (number | null)[];
  p99: (number | null)[];
}

/** Per-second rows of each node in scope over the window (at most the finest tier's retention). */
export function nodeSeconds(store: FleetStore, scope: Scope & { instance?: string } = {}): NodeSeconds[] {
  const now = scope.now ?? Date.now();
  const window = Math.min(scope.window ?? 60, store.options.tiers[0].retention);
  const to = Math.floor(now / 1000) - 1;
  const from = to - window + 1;
  const names = Object.keys(NodeField) as NodeFieldName[];
  const out: NodeSeconds[] = [];
  for (const n of nodeStates(store, scope.service)) {
    if (scope.instance !== undefined && n.meta.instance !== scope.instance) continue;
    const times: number[] = [];
    const values = {} as Record<NodeFieldName, (number | null)[]>;
    for (const f of names) values[f] = [];
    for (let t = from; t <= to; t++) {
      times.push(t * 1000);
      for (const f of names) {
        const v = n.tiers[0].get(t, NodeField[f]);
        values[f].push(Number.isNaN(v) ? null : v);
      }
    }
    out.push({ instance: n.meta.instance, service: n.meta.service, host: n.meta.host, up: isUp(store, n, now), times, values });
  }
  return out;
}

/** Per-second fleet-level numbers of each route in scope over the window. */
export function routeSeconds(store: FleetStore, scope: Scope = {}): RouteSeconds[] {
  const now = scope.now ?? Date.now();
  const window = Math.min(scope.window ?? 60, store.options.tiers[0].retention);
  const to = Math.floor(now / 1000) - 1;
  const from = to - window + 1;
  const out: RouteSeconds[] = [];
  for (const r of routeStates(store, scope.service)) {
    const row: RouteSeconds = { service: r.service, method: r.method, route: r.route, times: [], requests: [], errors: [], p50: [], p99: [] };
    for (let t = from; t <= to; t++) {
      const s = r.tiers[0].get(t);
      row.times.push(t * 1000);
      row.requests.push(s?.requests ?? 0);
      row.errors.push(s?.errors ?? 0);
      row.p50.push(s !== undefined ? q(s.hist, 0.5) : null);
      row.p99.push(s !== undefined ? q(s.hist, 0.99) : null);
    }
    out.push(row);
  }
  return out;
}
