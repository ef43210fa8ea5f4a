// Pure functions behind the routes table.
import type { RouteRow } from '../../server/api/types.js';

export const ROUTE_COLUMNS = ['method', 'route', 'service', 'rps', 'errorRate', 'aborted', 'p50', 'p90', 'p99', 'timeShare'] as const;
export type RouteColumn = (typeof ROUTE_COLUMNS)[number];

export function routeValue(r: RouteRow, c: RouteColumn): number | string | null {
  switch (c) {
    case 'method':
      return r.method;
    case 'route':
      return r.route;
    case 'service':
      return r.service;
    case 'rps':
      return r.rps;
    case 'errorRate':
      return r.errorRate;
    case 'aborted':
      return r.aborted;
    case 'p50':
      return r.latency.p50;
    case 'p90':
      return r.latency.p90;
    case 'p99':
      return r.latency.p99;
    case 'timeShare':
      return r.timeShare;
  }
}

export function filterRoutes(routes: readonly RouteRow[], text: string): RouteRow[] {
  const q = text.trim().toLowerCase();
  if (!q) return [...routes];
  return routes.filter((r) => `${r.method} ${r.route} ${r.service}`.toLowerCase().includes(q));
}

/** Stable sort; nulls last in both directions. */
export function sortRoutes(routes: readonly RouteRow[], column: RouteColumn, dir: 'asc' | 'desc'): RouteRow[] {
  const sign = dir === 'asc' ? 1 : -1;
  return routes
    .map((r, i) => ({ r, i, v: routeValue(r, column) }))
    .sort((a, b) => {
      if (a.v === null || b.v === null) return a.v === b.v ? a.i - b.i : a.v === null ? 1 : -1;
      const d = typeof a.v === 'string' ? a.v.localeCompare(b.v as string) : a.v - (b.v as number);
      return d !== 0 ? sign * d : a.i - b.i;
    })
    .map((x) => x.r);
}
