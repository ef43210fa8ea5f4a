import type { StoreHistogram } from '../store/histogram.js';
import type { NodeState } from '../store/node.js';
import type { FleetStore, RouteState } from '../store/FleetStore.js';
import type { Fleet, Heatmap, NodeRow, RouteRow, Series, ServiceInfo } from '../api/types.js';
import type { Range } from './window.js';
import { nodeStates, routeStates, type Scope } from './scope.js';
import { downAfterMs, downAtStop, isDown, isUp, restartGraceMs, silenceMs, silentPast } from './liveness.js';
import { eventLoopHistogram, latencyHistogram } from './scope-histograms.js';
import { nodeHistograms } from './node-reads.js';
import { fleet, fleetSliced } from './fleet-summary.js';
import { nodeRow, nodes, nodesSliced } from './node-rows.js';
import { routes, routesSliced } from './route-rows.js';
import { services } from './service-rows.js';
import { series, seriesSliced, type SeriesQuery } from './series.js';
import { nodeSeconds, routeSeconds, type NodeSeconds, type RouteSeconds } from './per-second.js';
import { heatmap, heatmapSliced, type HeatmapQuery } from './heatmap.js';
import type { Sliced } from './sliced.js';

export type { Scope } from './scope.js';
export type { SeriesQuery } from './series.js';
export type { HeatmapQuery } from './heatmap.js';
export type { NodeSeconds, RouteSeconds } from './per-second.js';
export { SERIES_METRICS, ROUTE_METRICS } from './series-metrics.js';
export { SERIES_MAX_POINTS } from './series.js';
export { RESTART_GRACE_MS } from './liveness.js';

/**
 * The read interface over the store, shared by the REST API, the SSE stream, the finder and the alerts
 * engine. Fleet and route percentiles come from merged histograms; node rows from each node's own data.
 * Every method is synchronous and bounded by (nodes + routes) × slots in the window.
 */
export class FleetView {
  constructor(readonly store: FleetStore) {}

  /** The store's source cannot be read now (see FleetStore.sourceTrouble). */
  sourceTrouble(): { source: string; error: string; since: number } | undefined {
    return this.store.sourceTrouble;
  }

  /** How long a node may be silent and still be up, ms: its limit, or its restart grace when longer, plus the ingest lag (liveness.ts). */
  downAfterMs(node: NodeState): number {
    return downAfterMs(this.store, node);
  }

  /** How long this process has not heard from the node, ms (liveness.ts); `downAfterMs` as for restartGraceMs. */
  silenceMs(node: NodeState, now = Date.now(), downAfterMs?: number): number {
    return silenceMs(this.store, node, now, downAtStop(this.store, node, downAfterMs));
  }

  /**
   * The silence, ms, a node not yet heard from since this process opened may keep without being down (liveness.ts): 0
   * for a node already down when the dashboard stopped (silent longer than `downAfterMs`, by default its own limit).
   */
  restartGraceMs(node: NodeState, downAfterMs?: number): number {
    return restartGraceMs(this.store, node, downAtStop(this.store, node, downAfterMs));
  }

  /**
   * Whether the node has been silent longer than `downAfterMs` (ms) and than its restart grace: what silenceMs(node,
   * now, downAfterMs) > max(downAfterMs, restartGraceMs(node, downAfterMs)) says, with whether the node was down at the
   * dashboard's stop worked out once, not twice.
   */
  silentPast(node: NodeState, now: number, downAfterMs: number): boolean {
    return silentPast(this.store, node, now, downAfterMs);
  }

  /** Heard from within downAfterMs (since the store opened, at the earliest) and not stopped (see NodeState.stoppedAt). */
  isUp(node: NodeState, now = Date.now()): boolean {
    return isUp(this.store, node, now);
  }

  /** Silent past downAfterMs without having said it stops: a node that died or cannot reach the dashboard. */
  isDown(node: NodeState, now = Date.now()): boolean {
    return isDown(this.store, node, now);
  }

  /** Every node in scope. */
  nodeStates(service?: string): NodeState[] {
    return nodeStates(this.store, service);
  }

  /**
   * Every route series in scope; with `since` (Unix s), only those holding data from then on (the rest have nothing in a
   * read starting there).
   */
  routeStates(service?: string, since = -Infinity): RouteState[] {
    return routeStates(this.store, service, since);
  }

  /** The merged latency histogram of the scope (optionally one route or one node), over the window. */
  latencyHistogram(scope: Scope & { route?: string; method?: string }): StoreHistogram {
    return latencyHistogram(this.store, scope);
  }

  /** The merged fleet event-loop delay histogram over the window. */
  eventLoopHistogram(scope: Scope): StoreHistogram {
    return eventLoopHistogram(this.store, scope);
  }

  fleet(scope: Scope = {}): Fleet {
    return fleet(this.store, scope);
  }

  /** fleet() as a read in steps, for runSliced (sliced.ts). */
  fleetSliced(scope: Scope = {}): Sliced<Fleet> {
    return fleetSliced(this.store, scope);
  }

  /** The node's merged latency and event-loop histograms over the range (10 s granularity, plus open seconds). */
  nodeHistograms(n: NodeState, range: Range): { lat: StoreHistogram; el: StoreHistogram } {
    return nodeHistograms(this.store, n, range);
  }

  nodeRow(n: NodeState, range: Range, now: number): NodeRow {
    return nodeRow(this.store, n, range, now);
  }

  nodes(scope: Scope = {}): NodeRow[] {
    return nodes(this.store, scope);
  }

  /** nodes() as a read in steps, for runSliced (sliced.ts). */
  nodesSliced(scope: Scope & { instance?: string } = {}): Sliced<NodeRow[]> {
    return nodesSliced(this.store, scope);
  }

  routes(scope: Scope = {}): RouteRow[] {
    return routes(this.store, scope);
  }

  /** routes() as a read in steps, for runSliced (sliced.ts). */
  routesSliced(scope: Scope = {}): Sliced<RouteRow[]> {
    return routesSliced(this.store, scope);
  }

  services(now = Date.now()): ServiceInfo[] {
    return services(this.store, now);
  }

  /** Chart series: one line per fleet / service / node / route, one point per step. */
  series(query: SeriesQuery): Series {
    return series(this.store, query);
  }

  /** series() as a read in steps, for runSliced (sliced.ts): a long range without holding the event loop. */
  seriesSliced(query: SeriesQuery): Sliced<Series> {
    return seriesSliced(this.store, query);
  }

  /** Per-second rows of each node in scope over the window (at most the finest tier's retention). */
  nodeSeconds(scope: Scope & { instance?: string } = {}): NodeSeconds[] {
    return nodeSeconds(this.store, scope);
  }

  /** Per-second fleet-level numbers of each route in scope over the window. */
  routeSeconds(scope: Scope = {}): RouteSeconds[] {
    return routeSeconds(this.store, scope);
  }

  /** Request counts per latency bucket per step (log-spaced buckets, 4 per doubling), from merged histograms. */
  heatmap(query: HeatmapQuery = {}): Heatmap {
    return heatmap(this.store, query);
  }

  /** heatmap() as a read in steps, for runSliced (sliced.ts). */
  heatmapSliced(query: HeatmapQuery = {}): Sliced<Heatmap> {
    return heatmapSliced(this.store, query);
  }
}
