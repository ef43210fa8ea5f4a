import { Metrics, type ExponentialHistogramDataPoint, type HistogramDataPoint } from '@perf/metrics';
import { NodeField, NODE_FIELDS } from '../store/node.js';
import { MAX_BYTES, MAX_CORES, MAX_CUMULATIVE_COUNT, MAX_DELTA_COUNT, MAX_DURATION, MAX_OBJECTS, UTILISATION_EPSILON } from '../store/domain.js';

/**
 * Values a metric cannot have, though valid OTLP (outside audit: a request count of 2^64 − 1 made the fleet read
 * 1.8e19 requests and 3.6e17 req/s, an ELU of −5 a fleet ELU of −2.48). Points outside are refused with one of the
 * reasons below (they are keys of /api/v1/status's rejectedByReason: no values in them). The bounds are the store's
 * (store/domain.ts), which load checks rows against: what ingest accepts, a restart loads.
 */

export const COUNT_OVER_2_53 = 'cumulative count over 2^53 (counts past it lose precision: a sender bug or a wrapped counter)';
export const DELTA_TOO_LARGE = 'count grew by more than 10^12 in one interval';
export const DURATION_OUT_OF_DOMAIN = `duration histogram with values below 0 or above ${MAX_DURATION} s (116 days)`;
export const SUM_OUT_OF_DOMAIN = 'histogram sum not finite, negative, or larger than its count times its highest populated bucket bound';
export const SUM_WENT_DOWN = 'cumulative histogram sum went down while its count did not';
export const COUNTER_OUT_OF_DOMAIN = 'counter value over 2^53, or grew by more than 10^12 in one interval';
export const CPU_OUT_OF_DOMAIN = `process CPU utilisation below 0 or above ${MAX_CORES} cores`;

/** Slack on a histogram's sum against count × top bound: float rounding and SDKs' bucket mapping at a bound. */
const SUM_SLACK = 1.01;

/** Most a gauge kept in each node field can be, in the unit ingest receives it in (index: NodeField; 0: no gauge). */
const GAUGE_MAX = new Float64Array(NODE_FIELDS);
/** Why a gauge kept in each node field is refused. */
const GAUGE_REASON: string[] = [];
function gauge(field: number, max: number, what: string): void {
  GAUGE_MAX[field] = max;
  GAUGE_REASON[field] = `${what} below 0 or above ${max}`;
}
gauge(NodeField.elu, 1 + UTILISATION_EPSILON, `${Metrics.eventLoopUtilization} (a share of time)`);
gauge(NodeField.cpu, MAX_CORES, `${Metrics.cpuUtilization} (cores)`);
gauge(NodeField.cpuLimit, MAX_CORES, `${Metrics.cpuLimit} (cores)`);
gauge(NodeField.heapUsed, MAX_BYTES, 'heap bytes');
gauge(NodeField.heapLimit, MAX_BYTES, 'heap limit bytes');
gauge(NodeField.rss, MAX_BYTES, `${Metrics.memoryUsage} bytes`);
gauge(NodeField.handles, MAX_OBJECTS, Metrics.activeHandles);
gauge(NodeField.fds, MAX_OBJECTS, Metrics.openFds);
gauge(NodeField.fdLimit, MAX_OBJECTS, Metrics.fdLimit);
gauge(NodeField.listenQueue, MAX_OBJECTS, 'connections in accept queues');
gauge(NodeField.inFlight, MAX_OBJECTS, `${Metrics.httpServerActiveRequests} (requests in flight)`);
gauge(NodeField.elMax, MAX_DURATION, 'event-loop delay (s)');
gauge(NodeField.elP50, MAX_DURATION, 'event-loop delay (s)');
gauge(NodeField.elP99, MAX_DURATION, 'event-loop delay (s)');

/** Whether `v` (finite) is a value node field `field`'s gauge can have. */
export function gaugeInDomain(field: number, v: number): boolean {
  return v >= 0 && v <= GAUGE_MAX[field];
}

export function gaugeReason(field: number): string {
  return GAUGE_REASON[field];
}

/** 2^−scale for the OTLP scales −10..20, by scale + 10: Math.pow with a fractional exponent costs ~50 ns (measured) */
const BUCKET_WIDTH_LOG2 = Float64Array.from({ length: 31 }, (_, i) => Math.pow(2, -(i - 10)));
/** 2^e for the integers e of a double's range, by e + 1074 */
const POW2 = Float64Array.from({ length: 1074 + 1024 }, (_, i) => Math.pow(2, i - 1074));
/** log2(MAX_DURATION / factor) for the last unit factor seen (one per metric: the same every call in practice) */
let limitFactor = 1;
let limitLog2 = Math.log2(MAX_DURATION);

/**
 * Why a duration histogram point (request, event-loop delay or GC durations; values × `factor` are seconds) cannot be,
 * or undefined. O(1) but for the walk back from the last bucket to the highest populated one (senders trim empty
 * buckets at the ends, so it is one step for exponential points). Measured: ~40 ns a point of the ingest bench (from ~120 with two fractional Math.pow), ~1% of its profile.
 */
export function histogramProblem(p: HistogramDataPoint | ExponentialHistogramDataPoint, exponential: boolean, delta: boolean, factor: number): string | undefined {
  const count = p.count;
  if (delta ? count > MAX_DELTA_COUNT : count > MAX_CUMULATIVE_COUNT) return delta ? DELTA_TOO_LARGE : COUNT_OVER_2_53;
  // an upper bound on the point's values (in its unit): the highest populated bucket's, for exponential buckets rounded
  // up to a power of two (at most 2× more slack on the sum)
  let top: number;
  if (exponential) {
    const ep = p as ExponentialHistogramDataPoint;
    const neg = ep.negative.bucketCounts;
    for (let i = 0; i < neg.length; i++) if (neg[i] !== 0) return DURATION_OUT_OF_DOMAIN;
    const pc = ep.positive.bucketCounts;
    let i = pc.length - 1;
    while (i >= 0 && pc[i] === 0) i--;
    if (i >= 0) {
      const width = BUCKET_WIDTH_LOG2[ep.scale + 10] ?? Math.pow(2, -ep.scale);
      // log2 of the bucket's upper bound, compared exactly with the limit's
      const e = (ep.positive.offset + i + 1) * width;
      if (factor !== limitFactor) {
        limitFactor = factor;
        limitLog2 = Math.log2(MAX_DURATION / factor);
      }
      if (e > limitLog2) return DURATION_OUT_OF_DOMAIN;
      const k = Math.ceil(e);
      top = k < -1074 ? 0 : POW2[k + 1074];
    } else top = ep.zeroCount > 0 ? ep.zeroThreshold : 0;
  } else {
    const hp = p as HistogramDataPoint;
    const counts = hp.bucketCounts;
    const bounds = hp.explicitBounds;
    let i = counts.length - 1;
    while (i >= 0 && counts[i] === 0) i--;
    if (i < 0) top = counts.length === 0 ? (hp.max ?? MAX_DURATION / factor) : 0;
    // the overflow bucket is bounded by the point's max; without one, by nothing this side of the domain (a 60 s request
    // above a last bound of 10 s is real: its sum must not make the point refused)
    else if (i === bounds.length) top = hp.max ?? MAX_DURATION / factor;
    else top = bounds[i];
  }
  if (top * factor > MAX_DURATION * (exponential ? 2 : 1) || (p.max !== undefined && p.max * factor > MAX_DURATION)) return DURATION_OUT_OF_DOMAIN;
  const sum = p.sum;
  if (sum !== undefined && !(sum >= 0 && sum <= count * Math.max(top, 0) * SUM_SLACK)) return SUM_OUT_OF_DOMAIN;
  return undefined;
}
