import { NodeField, NODE_FIELDS } from './node.js';

/**
 * What each stored number can be: the bounds ingest refuses points outside of (ingest/domain.ts) and the ones load
 * (persist.ts) refuses damaged rows outside of. One table for both, so that whatever ingest lets into the store a
 * restart loads back, and load refuses nothing ingest could have written (an outside audit's 2^64 − 1 request
 * count was answered `200 {}`, read back as 1.8e19 requests in the fleet's totals, then refused at load as damage).
 */

/** Longest duration stored (s): a year. Load refuses a histogram whose max or a node second whose percentile is over it. */
export const MAX_STORED_DURATION = 86_400 * 365;
/**
 * Longest duration ingest accepts (s): ≈ 116 days, a third of MAX_STORED_DURATION, so that a bucket's upper bound
 * (the store's max where a point has none; after the store halves a histogram's resolution a bucket spans up to 2×)
 * stays under what load accepts.
 */
export const MAX_DURATION = 1e7;
/** Largest byte gauge (heap used or limit, RSS): 1 PiB. */
export const MAX_BYTES = 2 ** 50;
/** Largest count gauge (handles, file descriptors and their limit, connections in accept queues): 2^32. */
export const MAX_OBJECTS = 2 ** 32;
/** Most cores a CPU utilisation (of one core) or a CPU quota can be. */
export const MAX_CORES = 1024;
/** Rounding headroom above 1 for a utilisation (an agent's ELU from two nearly equal readings). */
export const UTILISATION_EPSILON = 1e-3;
/**
 * Largest cumulative count (a histogram's or a counter's): 2^53. Counts arrive as uint64 read into doubles, exact only
 * up to here; past it differences between points are rounding, not requests.
 */
export const MAX_CUMULATIVE_COUNT = Number.MAX_SAFE_INTEGER;
/** Most a counter (a histogram's count included) can grow in one interval: 10^12, 11 days at a million a second. */
export const MAX_DELTA_COUNT = 1e12;
/** Largest float32: a node-second field summed over a slot (requests, seconds in GC) is only bounded by what it can hold. */
const FLOAT32_MAX = 3.4028234663852886e38;

/** Lowest and highest value of each node-second field, in the unit the store keeps it in (index: NodeField). */
export const FIELD_MIN = new Float64Array(NODE_FIELDS);
export const FIELD_MAX = new Float64Array(NODE_FIELDS).fill(FLOAT32_MAX);
function bound(fields: number[], max: number): void {
  // as a float32 holds it: a value ingest accepts (≤ max) rounds to at most this
  for (const f of fields) FIELD_MAX[f] = Math.fround(max);
}
bound([NodeField.elu], 1 + UTILISATION_EPSILON);
bound([NodeField.cpu, NodeField.cpuLimit], MAX_CORES);
bound([NodeField.heapUsed, NodeField.heapLimit, NodeField.rss], MAX_BYTES);
bound([NodeField.handles, NodeField.fds, NodeField.fdLimit, NodeField.listenQueue, NodeField.inFlight], MAX_OBJECTS);
// the percentiles are clamped to their histogram's max; elMax and gcPauseMax are a max
bound(
  [NodeField.p50, NodeField.p90, NodeField.p99, NodeField.p999, NodeField.elP50, NodeField.elP99, NodeField.elMax, NodeField.gcPauseMax],
  MAX_STORED_DURATION,
);
// the rest are summed over the seconds of a slot (requests, errors, seconds in GC, latency sum, counters' increments):
// non-negative and finite

/** Whether a node-second row holds only values its fields can have (NaN: no value). */
export function saneNodeRow(row: Float32Array): boolean {
  const n = Math.min(row.length, NODE_FIELDS);
  for (let i = 0; i < n; i++) {
    const v = row[i];
    if (v !== v) continue;
    if (!(v >= FIELD_MIN[i] && v <= FIELD_MAX[i])) return false;
  }
  return true;
}
