// The nodes' rows (`/nodes`): each node's rates, percentiles and gauges over a window.
import { NodeField, type NodeState } from '../store/node.js';
import type { FleetStore } from '../store/FleetStore.js';
import type { NodeRow } from '../api/types.js';
import { rangeFor, type Range } from './window.js';
import { overlap } from './unknown.js';
import { nodeStates, type Scope } from './scope.js';
import { isUp } from './liveness.js';
import { covered, nodeUnknown } from './known-seconds.js';
import { nodeHistograms, nodeLast, nodeLastAt, nodeMax, nodeMean, nodeSum } from './node-reads.js';
import { q } from './quantiles.js';
import { runSync, type Sliced } from './sliced.js';

export function nodeRow(store: FleetStore, n: NodeState, range: Range, now: number): NodeRow {
  const since = Math.max(store.dataSince, Math.floor(n.firstSeen / 1000));
  // over the seconds the node's requests are known in (after a crash of the dashboard, from its first counted delta)
  const seconds = covered(store, range, since) - overlap(nodeUnknown(store, n, now), Math.max(range.from, since), range.to);
  const requests = nodeSum(store, n, NodeField.requests, range);
  const errors = nodeSum(store, n, NodeField.errors, range);
  const { lat, el } = nodeHistograms(store, n, range);
  const gc = nodeSum(store, n, NodeField.gcTime, range);
  const elMax = nodeMax(store, n, NodeField.elMax, range) ?? (el.count > 0 && el.max > -Infinity ? el.max : null);
  const elP99 = el.count > 0 ? q(el, 0.99) : nodeMax(store, n, NodeField.elP99, range);
  return {
    instance: n.meta.instance,
    service: n.meta.service,
    host: n.meta.host,
    // NaN (null in JSON) when none is known yet
    rps: seconds > 0 ? requests / seconds : NaN,
    latency: { p50: q(lat, 0.5), p99: q(lat, 0.99) },
    // a histogram's estimate (its bucket's midpoint) can pass the exact max the agent measured: never shown above it
    eventLoopDelay: { p99: elP99 !== null && elMax !== null ? Math.min(elP99, elMax) : elP99 },
    elu: nodeMean(store, n, NodeField.elu, range),
    cpu: nodeMean(store, n, NodeField.cpu, range),
    heapUsed: nodeLast(n, NodeField.heapUsed, range),
    lastSeen: n.lastSeen,
    up: isUp(store, n, now),
    stopped: n.stoppedAt !== undefined,
    pid: n.meta.pid,
    errorRate: requests > 0 ? errors / requests : 0,
    eventLoopDelayMax: elMax,
    rss: nodeLast(n, NodeField.rss, range),
    heapLimit: nodeLast(n, NodeField.heapLimit, range),
    handles: nodeLast(n, NodeField.handles, range),
    fds: nodeLast(n, NodeField.fds, range),
    gcShare: seconds > 0 ? Math.min(gc / seconds, 1) : NaN,
    version: n.meta.version,
    firstSeen: n.firstSeen,
    aborted: nodeSum(store, n, NodeField.aborted, range),
    inFlight: nodeLast(n, NodeField.inFlight, range),
    inFlightRoutes: inFlightRoutes(n, range),
  };
}

/** The routes of the node's requests in flight, when its agent named them at the export `inFlight` is from. */
function inFlightRoutes(n: NodeState, range: Range): NodeRow['inFlightRoutes'] {
  const at = nodeLastAt(n, NodeField.inFlight, range);
  if (at < 0) return null;
  const held = n.inFlightRoutes;
  return held !== undefined && held.t >= at ? held.routes.map((r) => ({ ...r })) : [];
}

export function nodes(store: FleetStore, scope: Scope = {}): NodeRow[] {
  return runSync(nodesSliced(store, scope));
}

/**
 * nodes() as a read that yields after each node (sliced.ts): what the API runs, in slices. With `instance`, only that
 * node's row (a node page asks for it every second: the rows of every node were built for it, 1,000 of them a second).
 */
export function* nodesSliced(store: FleetStore, scope: Scope & { instance?: string } = {}): Sliced<NodeRow[]> {
  const now = scope.now ?? Date.now();
  const range = rangeFor(store, now, scope.window ?? 60);
  const rows: NodeRow[] = [];
  for (const n of nodeStates(store, scope.service)) {
    if (scope.instance !== undefined && n.meta.instance !== scope.instance) continue;
    rows.push(nodeRow(store, n, range, now));
    yield;
  }
  const rate = (r: NodeRow) => (Number.isNaN(r.rps) ? -1 : r.rps);
  rows.sort((a, b) => rate(b) - rate(a) || a.instance.localeCompare(b.instance));
  return rows;
}
