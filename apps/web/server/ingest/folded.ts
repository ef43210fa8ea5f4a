// The requests (and aborted requests) of series or nodes folded by a cap: counted in the service's `other` route.
import { Attrs, Metrics, type Attributes, type HistogramDataPoint, type Metric } from '@perf/metrics';
import type { SparseDelta } from '../store/delta.js';
import type { ServiceState } from '../store/FleetStore.js';
import { FOLDED_ROUTE } from '../store/FleetStore.js';
import { expDelta, explicitDelta, newState, type DeltaOutcome } from './series.js';
import { histogramProblem } from './domain.js';
import { explicitProblem, noteSpreadError } from './explicit-buckets.js';
import { LEGACY_HTTP_DURATION, rescale, unitFactor } from './units.js';
import { counterSlot } from './counters.js';
import type { Applier, ApplyResult } from './apply.js';

type FoldablePoint = { attributes: Attributes };


/** The delta request points (and aborted-request counts) of a node folded by the instance cap, into the service's `other` route. */
export function foldedNode(applier: Applier, service: ServiceState, m: Metric, now: number, result: ApplyResult): void {
  if (m.type === 'sum' && m.monotonic && m.temporality === 'delta' && m.name === Metrics.httpServerAbortedRequests) {
    for (const p of m.points) {
      const t = counterSlot(applier, p, true, now, result);
      if (t !== undefined && p.value > 0) foldedAborted(applier, service, t, p.value);
    }
    return;
  }
  if (m.type !== 'exponentialHistogram' && m.type !== 'histogram') return;
  if (m.temporality !== 'delta' || (m.name !== Metrics.httpServerRequestDuration && m.name !== LEGACY_HTTP_DURATION)) return;
  const factor = unitFactor(m.unit, m.name);
  const exponential = m.type === 'exponentialHistogram';
  for (const p of m.points) {
    const bad = (exponential ? undefined : explicitProblem(p as HistogramDataPoint)) ?? histogramProblem(p, exponential, true, factor);
    if (bad !== undefined) {
      applier.reject(result, bad);
      continue;
    }
    if ((p.flags & 1) === 1) continue;
    const t = applier.slotOf(p.timeUnixNano, now, result);
    if (t !== undefined) foldedHttp(applier, service, m, p, t, factor);
  }
}

export function foldedHttp(applier: Applier, service: ServiceState, m: Metric, p: FoldablePoint, t: number, factor: number): void {
  const st = newState();
  let outcome: DeltaOutcome;
  let delta: SparseDelta;
  if (m.type === 'exponentialHistogram') {
    outcome = expDelta(p as Extract<Metric, { type: 'exponentialHistogram' }>['points'][number], 'delta', st, true, true, applier.delta, applier.store.options.fleetScale);
    delta = factor !== 1 ? rescale(applier, applier.delta, factor) : applier.delta;
  } else {
    outcome = explicitDelta(p as Extract<Metric, { type: 'histogram' }>['points'][number], 'delta', st, true, true, factor, applier.spread, applier.store.options.fleetScale);
    delta = applier.converted.fromHistogram(applier.spread);
  }
  if (outcome !== 'delta' || !(delta.count > 0)) return;
  const status = Number(p.attributes[Attrs.httpStatusCode] ?? 0);
  const route = applier.store.route(service, '*', FOLDED_ROUTE);
  if (m.type === 'histogram') noteSpreadError(route, t, applier.spread.spreadError);
  applier.store.addRequests(route, undefined, t, delta, status >= 500);
}

/** Aborted requests of a series or node folded by a cap: in the service's `other` route, as folded requests are. */
export function foldedAborted(applier: Applier, service: ServiceState, t: number, count: number): void {
  applier.store.addAborted(applier.store.route(service, '*', FOLDED_ROUTE), undefined, t, count);
}
