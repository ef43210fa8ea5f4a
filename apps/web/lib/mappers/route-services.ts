// Which services serve one route, for the route page. Two services may both serve `GET /users/:id`, but
// they are different code on different nodes: the page shows one service's route at a time (every panel
// asks the API with that `service=`), so it must pick one when the URL names none, and offer the others.
import type { RouteRow } from '../../server/api/types.js';

/**
 * The rows of `method route` in a window of every service (`/api/v1/routes` without `service=`), busiest
 * (req/s) first, each with its time share taken within its own service, as the routes table of that
 * service shows it (the API's share is of all the services asked for).
 */
export function routeServices(rows: readonly RouteRow[] | null | undefined, method: string, route: string): RouteRow[] {
  if (!rows) return [];
  const timeOf = (r: RouteRow) => r.requests * (r.mean ?? 0);
  const serviceTime = new Map<string, number>();
  for (const r of rows) serviceTime.set(r.service, (serviceTime.get(r.service) ?? 0) + timeOf(r));
  return rows
    .filter((r) => r.method === method && r.route === route)
    .map((r) => {
      const total = serviceTime.get(r.service) ?? 0;
      return { ...r, timeShare: total > 0 ? timeOf(r) / total : 0 };
    })
    .sort((a, b) => b.rps - a.rps || a.service.localeCompare(b.service));
}

/**
 * The service to show when the URL names none: the one shown before while it still serves the route (so
 * the page does not flip between two services of similar traffic every second), else the busiest; the
 * previous one again when no service served it in the last window (a gap in the data).
 */
export function pickRouteService(served: readonly RouteRow[], previous: string | null): string | null {
  if (previous !== null && (served.length === 0 || served.some((r) => r.service === previous))) return previous;
  return served[0]?.service ?? null;
}
