// Request, event-loop delay and GC duration histograms (exponential or explicit buckets, cumulative or delta) into
// per-second deltas: of the request's route and node, of the service's event loop, of the node's GC time.
import { Attrs, Metrics, type HistogramDataPoint, type Metric } from '@perf/metrics';
import type { SparseDelta } from '../store/delta.js';
import { countedFrom, isCatchUp } from '../store/catch-up.js';
import { NodeField, type NodeState } from '../store/node.js';
import type { RouteState, ServiceState } from '../store/FleetStore.js';
import { MAX_DELTA_COUNT } from '../store/domain.js';
import { expDelta, explicitDelta, type DeltaOutcome } from './series.js';
import { DELTA_TOO_LARGE, SUM_WENT_DOWN, histogramProblem } from './domain.js';
import { INVALID, explicitProblem, noteSpreadError } from './explicit-buckets.js';
import { LEGACY_HTTP_DURATION, rescale, unitFactor } from './units.js';
import { cachedState, seriesCacheOf } from './series-cache.js';
import { SHARED_SERIES, acrossDowntime, dashboardSec, isFresh, startsEarlier } from './series-start.js';
import { foldedHttp } from './folded.js';
import type { Applier, ApplyResult } from './apply.js';

/** The duration histograms of one metric of a node's export; metrics other than these three are left out. */
export function histograms(applier: Applier, service: ServiceState, node: NodeState, m: Extract<Metric, { type: 'exponentialHistogram' | 'histogram' }>, now: number, result: ApplyResult): void {
  const name = m.name;
  const isHttp = name === Metrics.httpServerRequestDuration || name === LEGACY_HTTP_DURATION;
  const isEl = name === Metrics.eventLoopDelay;
  const isGc = name === Metrics.gcDuration;
  if (!isHttp && !isEl && !isGc) return;
  const factor = unitFactor(m.unit, name);
  const cache = seriesCacheOf(node, name);
  const points = m.points;
  const exponential = m.type === 'exponentialHistogram';
  const isDeltaTemporality = m.temporality === 'delta';
  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    // exponential points' buckets are checked in the same pass that de-cumulates them; the values' domain before
    // (a refused cumulative point leaves its series' state as it was)
    const bad = (exponential ? undefined : explicitProblem(p as HistogramDataPoint)) ?? histogramProblem(p, exponential, isDeltaTemporality, factor);
    if (bad !== undefined) {
      applier.reject(result, bad);
      continue;
    }
    if ((p.flags & 1) === 1) continue; // no recorded value
    const t = applier.slotOf(p.timeUnixNano, now, result);
    if (t === undefined) continue;
    const st = cachedState(applier, service, node, name, cache, i, p.attributes);
    const firstSeen = applier.firstSeen;
    const fresh = isFresh(applier, p.startTimeUnixNano, node);
    if (st === undefined) {
      // folded: delta points still count towards the service's `other` route; cumulative ones cannot
      if (isHttp && m.temporality === 'delta') foldedHttp(applier, service, m, p, t, factor);
      continue;
    }
    if (!firstSeen && m.temporality !== 'delta' && startsEarlier(p.startTimeUnixNano, st)) {
      applier.reject(result, SHARED_SERIES);
      continue;
    }
    // the series' previous point, before the delta moves it on: a delta spanning an interruption is spread by reads
    const prevSec = !isHttp || firstSeen || m.temporality === 'delta' ? 0 : dashboardSec(node, st.time);
    let outcome: DeltaOutcome;
    let delta: SparseDelta;
    if (m.type === 'exponentialHistogram') {
      const ep = p as (typeof m.points)[number];
      outcome = expDelta(ep, m.temporality, st, firstSeen, fresh, applier.delta, applier.store.options.fleetScale);
      delta = applier.delta;
      if (factor !== 1 && (outcome === 'delta' || outcome === 'reset')) delta = rescale(applier, delta, factor);
    } else {
      const hp = p as (typeof m.points)[number] & { explicitBounds: number[] };
      outcome = explicitDelta(hp, m.temporality, st, firstSeen, fresh, factor, applier.spread, applier.store.options.fleetScale);
      delta = applier.converted.fromHistogram(applier.spread);
    }
    if (outcome === 'invalid') {
      applier.reject(result, INVALID);
      continue;
    }
    if ((outcome === 'delta' || outcome === 'reset') && (delta.count > MAX_DELTA_COUNT || delta.sum < 0)) {
      // each point was in its domain, the difference between two is not (checked on the delta: no second pass over
      // the buckets); the state now holds this point, so the next one re-establishes it without counting anything
      applier.reject(result, delta.count > MAX_DELTA_COUNT ? DELTA_TOO_LARGE : SUM_WENT_DOWN);
      st.rebase = true;
      continue;
    }
    applier.count(outcome);
    if (outcome !== 'delta' && outcome !== 'reset') continue;
    // the node's first request delta after an interruption (0 requests included): counted again from there
    // (after the dashboard's own crash, its seconds before are unknown: see query/unknown.ts)
    // (every series of the node's first export with deltas: their previous points are before it is counted again);
    // a delta across the dashboard's downtime (series-start.ts) is spread from 1 s on
    const spansDowntime = isHttp && acrossDowntime(applier, node, prevSec);
    const pointSec = dashboardSec(node, p.timeUnixNano);
    if (isHttp && node.countedFrom === undefined) node.countedFrom = countedFrom(prevSec, pointSec, t, node.exportIntervalMs, spansDowntime);
    if (!(delta.count > 0)) continue;
    if (isHttp) {
      // the route is resolved once per series; a route dropped by the store (no data left) is re-resolved
      let route = st.target as RouteState | undefined;
      if (route === undefined || route.dropped) {
        const a = p.attributes;
        st.isError = Number(a[Attrs.httpStatusCode] ?? a['http.status_code'] ?? 0) >= 500;
        route = applier.routeOf(service, a);
        st.target = route;
      }
      if (m.type === 'histogram') noteSpreadError(route, t, applier.spread.spreadError);
      applier.store.addRequests(route, node, t, delta, st.isError);
      // spread over the seconds from the previous point to its own (not to where it arrived: an export retried across
      // a restart arrives late, and the next one's span begins at its time)
      if (outcome === 'delta' && isCatchUp(prevSec, pointSec, node.exportIntervalMs, spansDowntime)) applier.store.noteCatchUp(route, node, prevSec + 1, pointSec, t, delta.count, st.isError ? delta.count : 0);
    } else if (isEl) {
      applier.store.addEventLoop(service, node, t, delta);
    } else {
      node.addField(t, NodeField.gcTime, delta.sum);
      if (delta.max > 0 && !(node.tiers[0].get(t, NodeField.gcPauseMax) >= delta.max)) node.setField(t, NodeField.gcPauseMax, delta.max);
    }
  }
}
