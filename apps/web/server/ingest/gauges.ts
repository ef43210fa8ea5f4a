// Gauges kept in node fields (event-loop utilisation, CPU, heap, memory, handles, file descriptors, …): the
// last value of each export, or the sum of its points for the gauges reported per heap space or port.
import { Attrs, Metrics, type GaugeMetric, type Metric, type NumberDataPoint } from '@perf/metrics';
import { NodeField, type NodeState } from '../store/node.js';
import { gaugeInDomain, gaugeReason } from './domain.js';
import type { Applier, ApplyResult } from './apply.js';
import { nameOf } from './names.js';

/** gauge metric name → node field */
const GAUGE_FIELDS = new Map<string, number>([
  [Metrics.eventLoopUtilization, NodeField.elu],
  [Metrics.cpuUtilization, NodeField.cpu],
  [Metrics.heapUsed, NodeField.heapUsed],
  [Metrics.heapLimit, NodeField.heapLimit],
  [Metrics.memoryUsage, NodeField.rss],
  [Metrics.activeHandles, NodeField.handles],
  [Metrics.openFds, NodeField.fds],
  [Metrics.fdLimit, NodeField.fdLimit],
  [Metrics.eventLoopDelayMax, NodeField.elMax],
  // @opentelemetry/instrumentation-runtime-node sends percentiles as gauges, no histogram (a node's own, then: they
  // do not merge into the fleet's); settle() lets a histogram's, where there is one, win
  ['nodejs.eventloop.delay.p50', NodeField.elP50],
  ['nodejs.eventloop.delay.p99', NodeField.elP99],
  [Metrics.listenQueue, NodeField.listenQueue],
  [Metrics.cpuLimit, NodeField.cpuLimit],
  [Metrics.httpServerActiveRequests, NodeField.inFlight],
]);
/** gauges reported per heap space (or per listening port, or per request method): the node value is their sum */
const SUMMED_GAUGES = new Set<string>([Metrics.heapUsed, Metrics.heapLimit, Metrics.listenQueue, Metrics.httpServerActiveRequests]);

const DELTA_LEVEL = 'a level (gauge or up-down counter) sent as a delta sum: its points are changes, not the level; send it cumulative';

/** A gauge (or non-monotonic sum) into its node field, when it is one the node keeps. */
export function gauge(applier: Applier, node: NodeState, m: Extract<Metric, { type: 'gauge' | 'sum' }>, now: number, result: ApplyResult): void {
  const name = m.name;
  const field = GAUGE_FIELDS.get(name);
  // a delta up-down counter's points are changes, not the level the field keeps (SDKs keep up-down counters cumulative
  // whatever their temporality preference)
  if (field === undefined) return;
  if (m.type === 'sum' && m.temporality === 'delta') {
    // refused, so its sender learns why (outside audit Q: a delta http.server.active_requests left inFlight null silently)
    if (m.points.length > 0) applier.reject(result, DELTA_LEVEL, m.points.length);
    return;
  }
  const summed = SUMMED_GAUGES.has(name);
  let total = 0;
  let last: NumberDataPoint | undefined;
  let accepted = 0;
  for (const p of m.points) {
    if (!Number.isFinite(p.value)) {
      applier.reject(result, 'gauge value is not a finite number');
      continue;
    }
    if (!gaugeInDomain(field, p.value)) {
      applier.reject(result, gaugeReason(field));
      continue;
    }
    total += p.value;
    accepted++;
    if (last === undefined || p.timeUnixNano >= last.timeUnixNano) last = p;
  }
  if (last === undefined) return;
  if (summed && !gaugeInDomain(field, total)) {
    // each heap space (or port) in its domain, their sum not
    applier.reject(result, gaugeReason(field), accepted);
    return;
  }
  const t = applier.slotOf(last.timeUnixNano, now, result);
  if (t === undefined) return;
  node.setField(t, field, summed ? total : last.value);
}

/** routes kept per node from `perf.http.server.active_requests.by_route` (the agent sends at most 21) */
export const IN_FLIGHT_ROUTES_MAX = 20;

/**
 * `perf.http.server.active_requests.by_route` (the agent's requests in flight per method and route, sent while it
 * holds 10 or more) as the node's last list, with the second it was measured in: what the diagnosis names a node's
 * stuck requests by. An export without it leaves the list to age (readers take it only for the node's latest second).
 */
export function inFlightRoutes(applier: Applier, node: NodeState, m: GaugeMetric, now: number, result: ApplyResult): void {
  // (method, route) → its requests in flight, and of them those whose response has begun (the agent sends the two apart)
  const byRoute = new Map<string, { method: string; route: string; count: number; answering: number }>();
  let last: NumberDataPoint | undefined;
  for (const p of m.points) {
    if (!Number.isFinite(p.value) || !gaugeInDomain(NodeField.inFlight, p.value)) {
      applier.reject(result, gaugeReason(NodeField.inFlight));
      continue;
    }
    if (last === undefined || p.timeUnixNano >= last.timeUnixNano) last = p;
    if (!(p.value > 0)) continue;
    const method = nameOf(p.attributes[Attrs.httpMethod]) ?? '*';
    const route = nameOf(p.attributes[Attrs.httpRoute]) ?? '(no route)';
    const key = `${method} ${route}`;
    let r = byRoute.get(key);
    if (r === undefined) byRoute.set(key, (r = { method, route, count: 0, answering: 0 }));
    r.count += p.value;
    const started = p.attributes[Attrs.responseStarted];
    // (a boolean over OTLP; "true" as a Prometheus label)
    if (started === true || started === 'true') r.answering += p.value;
  }
  if (last === undefined) return;
  const t = applier.slotOf(last.timeUnixNano, now, result);
  if (t === undefined) return;
  const routes = [...byRoute.values()].sort((a, b) => b.count - a.count);
  node.inFlightRoutes = { t, routes: routes.slice(0, IN_FLIGHT_ROUTES_MAX) };
}
