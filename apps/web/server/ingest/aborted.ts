// Requests the client gave up on, per method and route (http.server.aborted_requests), into per-second counts.
import type { Metric } from '@perf/metrics';
import type { NodeState } from '../store/node.js';
import type { RouteState, ServiceState } from '../store/FleetStore.js';
import { MAX_DELTA_COUNT } from '../store/domain.js';
import { sumDelta } from './sum-delta.js';
import { COUNTER_OUT_OF_DOMAIN } from './domain.js';
import { cachedState, seriesCacheOf } from './series-cache.js';
import { SHARED_SERIES, acrossDowntime, dashboardSec, isFresh, startsEarlier } from './series-start.js';
import { isCatchUp } from '../store/catch-up.js';
import { counterSlot } from './counters.js';
import { foldedAborted } from './folded.js';
import type { Applier, ApplyResult } from './apply.js';

/**
 * `http.server.aborted_requests` (requests the client gave up on before the response finished, per method and
 * route) into per-second counts of the route and the node. Each point is its own series, with the request
 * histograms' rules (sumDelta): counted against the service's series cap, a duplicate adds nothing, a restart's
 * total counts whole, and a series seen first on a node not yet baselined is a baseline. Over the cap, delta points
 * still count in the service's `other` route, as folded request points do.
 */
export function abortedRequests(applier: Applier, service: ServiceState, node: NodeState, m: Extract<Metric, { type: 'sum' }>, now: number, result: ApplyResult): void {
  const name = m.name;
  const isDelta = m.temporality === 'delta';
  const cache = seriesCacheOf(node, name);
  const points = m.points;
  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    if ((p.flags & 1) === 1) continue; // no recorded value
    const t = counterSlot(applier, p, isDelta, now, result);
    if (t === undefined) continue;
    const st = cachedState(applier, service, node, name, cache, i, p.attributes);
    const firstSeen = applier.firstSeen;
    if (st === undefined) {
      if (isDelta && p.value > 0) foldedAborted(applier, service, t, p.value);
      continue;
    }
    if (!firstSeen && !isDelta && startsEarlier(p.startTimeUnixNano, st)) {
      applier.reject(result, SHARED_SERIES);
      continue;
    }
    const fresh = isFresh(applier, p.startTimeUnixNano, node);
    const prevSec = firstSeen || isDelta ? 0 : dashboardSec(node, st.time);
    const outcome = sumDelta(p, m.temporality, st, firstSeen, fresh, applier.sum);
    applier.count(outcome);
    if (outcome !== 'delta' && outcome !== 'reset') continue;
    const n = applier.sum.value;
    if (n > MAX_DELTA_COUNT) {
      // the state has moved on: the next increment is from this total
      applier.reject(result, COUNTER_OUT_OF_DOMAIN);
      continue;
    }
    if (!(n > 0)) continue;
    let route = st.target as RouteState | undefined;
    if (route === undefined || route.dropped) {
      route = applier.routeOf(service, p.attributes);
      st.target = route;
    }
    applier.store.addAborted(route, node, t, n);
    // after an interruption, spread over the seconds since the series' previous point as the requests are (catch-up.ts)
    const pointSec = dashboardSec(node, p.timeUnixNano);
    if (outcome === 'delta' && isCatchUp(prevSec, pointSec, node.exportIntervalMs, acrossDowntime(applier, node, prevSec))) {
      applier.store.noteCatchUp(route, node, prevSec + 1, pointSec, t, 0, 0, n);
    }
  }
}
