// The metrics a chart series can show, and the node field each node-derived one is read from.
import { NodeField } from '../store/node.js';
import type { SeriesMetric } from '../api/types.js';

export const SERIES_METRICS: readonly SeriesMetric[] = [
  'rps',
  'errorRate',
  'latency.p50',
  'latency.p90',
  'latency.p99',
  'latency.p999',
  'eventLoopDelay.p99',
  'eventLoopDelay.max',
  'elu',
  'cpu',
  'heapUsed',
  'rss',
  'gcShare',
  'handles',
  'fds',
  'listenQueue',
  'cpuThrottled',
  'runDelay',
  'aborted',
  'inFlight',
];

/** the metrics a route has (what `by=route` can split): the rest are measured per node or per service */
export const ROUTE_METRICS: readonly SeriesMetric[] = ['rps', 'errorRate', 'latency.p50', 'latency.p90', 'latency.p99', 'latency.p999', 'aborted'];

/** each latency percentile's per-second field of a node (the step's value is the highest of its seconds) */
export const NODE_PERCENTILE: Record<string, number> = { 'latency.p50': NodeField.p50, 'latency.p90': NodeField.p90, 'latency.p99': NodeField.p99, 'latency.p999': NodeField.p999 };
/** node gauges and the field holding each */
export const GAUGE_FIELD: Partial<Record<SeriesMetric, number>> = {
  elu: NodeField.elu,
  cpu: NodeField.cpu,
  heapUsed: NodeField.heapUsed,
  rss: NodeField.rss,
  handles: NodeField.handles,
  fds: NodeField.fds,
  listenQueue: NodeField.listenQueue,
  inFlight: NodeField.inFlight,
};
