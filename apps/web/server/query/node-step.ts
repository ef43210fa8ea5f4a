// One step of a node-derived chart series over a group of nodes.
import { NodeField, type NodeState } from '../store/node.js';
import type { FleetStore } from '../store/FleetStore.js';
import type { SeriesMetric } from '../api/types.js';
import type { Range } from './window.js';
import type { Span } from './unknown.js';
import { isDown } from './liveness.js';
import { inDowntime, readable } from './known-seconds.js';
import { nodeHistograms, nodeMax, nodeMean, nodeSum, nodeTotal } from './node-reads.js';
import { GAUGE_FIELD, NODE_PERCENTILE } from './series-metrics.js';
import { QUANTILE, q } from './quantiles.js';

/**
 * One step of a node-derived metric over a group of nodes (mean across nodes; rps adds up). Request rates are over
 * the seconds each node's requests are known in (`unknown`: see unknown.ts); a group's sum with one node unknown in
 * the step has none.
 */
export function nodeStep(store: FleetStore, nodes: NodeState[], metric: SeriesMetric, range: Range, t: number, unknown: ReadonlyMap<NodeState, Span>): number | null {
  const a = Math.max(t, range.from, store.dataSince);
  const b = Math.min(t + range.step - 1, range.to);
  if (b < a) return null;
  const sub: Range = { from: a, to: b, step: range.step, tier: range.tier };
  const seconds = b - a + 1;
  let sum = 0;
  let n = 0;
  for (const node of nodes) {
    let v: number | null;
    switch (metric) {
      case 'rps':
      case 'errorRate': {
        // no point, not 0, where the node could report nothing
        if (absent(store, node, a, b, range)) {
          v = null;
          break;
        }
        const parts = readable(unknown.get(node), a, b, range.tier);
        if (parts.length !== 1 || parts[0][0] !== a || parts[0][1] !== b) {
          if (nodes.length > 1 && metric === 'rps') return null;
          if (parts.length === 0) {
            v = null;
            break;
          }
        }
        let r = 0;
        let e = 0;
        let known = 0;
        for (const [x, y] of parts) {
          const part: Range = { from: x, to: y, step: range.step, tier: range.tier };
          r += nodeSum(store, node, NodeField.requests, part, range.to);
          if (metric === 'errorRate') e += nodeSum(store, node, NodeField.errors, part, range.to);
          known += y - x + 1;
        }
        if (metric === 'rps') v = r === 0 && inDowntime(store, a, b) ? null : r / known;
        else v = r > 0 ? e / r : null;
        break;
      }
      case 'aborted':
        // as rps: no point before the node's first export, or after its last while it is down; a catch-up span counts
        // in its seconds once it arrived by the read's end (not the step's: it arrives after the seconds it covers)
        v = absent(store, node, a, b, range) ? null : nodeSum(store, node, NodeField.aborted, sub, range.to) / seconds;
        break;
      case 'gcShare':
        v = Math.min(1, nodeSum(store, node, NodeField.gcTime, sub) / seconds);
        break;
      case 'runDelay': {
        // seconds the event-loop thread waited for a CPU, per second (no line where it is not reported)
        const total = nodeTotal(store, node, NodeField.runDelay, sub);
        // a share of wall time is at most 1: an export delayed by a blocked loop carries several seconds' wait
        // into one second (the chart showed 140%); the diagnosis clamps each second the same way
        v = total === null ? null : Math.min(1, total / seconds);
        break;
      }
      case 'cpuThrottled': {
        // share of the cgroup's scheduling periods that were throttled (no line without a CPU quota)
        const periods = nodeSum(store, node, NodeField.cpuPeriods, sub);
        v = periods > 0 ? nodeSum(store, node, NodeField.cpuThrottledPeriods, sub) / periods : null;
        break;
      }
      case 'latency.p50':
      case 'latency.p90':
      case 'latency.p99':
      case 'latency.p999': {
        const field = NODE_PERCENTILE[metric];
        if (seconds >= 10 && range.tier === 0) {
          const h = nodeHistograms(store, node, sub).lat;
          v = h.count > 0 ? q(h, QUANTILE[metric]) : null;
        } else v = nodeMax(store, node, field, sub);
        break;
      }
      case 'eventLoopDelay.p99':
        v = nodeMax(store, node, NodeField.elP99, sub);
        break;
      case 'eventLoopDelay.max':
        v = nodeMax(store, node, NodeField.elMax, sub);
        break;
      default:
        v = nodeMean(store, node, GAUGE_FIELD[metric] ?? NodeField.elu, sub);
    }
    if (v !== null && Number.isFinite(v)) {
      sum += v;
      n++;
    }
  }
  // rates of requests and requests in flight add up across nodes; everything else is the mean per node
  if (n === 0) return null;
  return metric === 'rps' || metric === 'aborted' || metric === 'inFlight' ? sum : sum / n;
}

/**
 * Whether the node could report nothing for the seconds a…b: before its first export, or after its last while it is
 * down (its line drew 0 before it existed and while it was down: live verification).
 */
function absent(store: FleetStore, node: NodeState, a: number, b: number, range: Range): boolean {
  return b * 1000 < node.firstSeen - 1000 || (a * 1000 > node.lastSeen && isDown(store, node, range.to * 1000 + 1000));
}
