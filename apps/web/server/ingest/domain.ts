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
export const DURATION_BELOW_1NS = 'duration histogram with values below 1 ns (no clock measures them: a zero duration belongs in the zero bucket)';
export const SCALE_OUT_OF_RANGE =
  'exponential histogram scale outside 0..20 (OTLP allows -10..20; below 0 a bucket spans more than a doubling, and merged with other nodes\' histograms it would make every percentile as coarse)';
export const ZERO_THRESHOLD_BAD = 'exponential histogram zero_threshold negative or not a number';
export const EXTREMES_OUT_OF_DOMAIN = 'histogram min or max negative, not a number, min above max, or outside the point\'s own populated buckets';
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
/**
 * Shortest duration a histogram's buckets may hold (s): no clock measures less than a nanosecond. Besides being
 * impossible, values far below it spread a series over billions of bucket indexes (an outside audit: a cumulative
 * series whose first point held one count at offset −2^31 at scale 6, "about 0 s", stalled the receiver 25 s on each
 * point and its state could not be saved).
 */
const MIN_DURATION = 1e-9;
/** 2^k for an integer k, 0 below a double's range and Infinity above */
function pow2(k: number): number {
  return k < -1074 ? 0 : k > 1023 ? Infinity : POW2[k + 1074];
}
/** log2(MAX_DURATION / factor) and log2(MIN_DURATION / factor) for the last unit factor seen (one per metric: the same every call in practice) */
let limitFactor = 1;
let limitLog2 = Math.log2(MAX_DURATION);
let floorLog2 = Math.log2(MIN_DURATION);

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
  if (factor !== limitFactor) {
    limitFactor = factor;
    limitLog2 = Math.log2(MAX_DURATION / factor);
    floorLog2 = Math.log2(MIN_DURATION / factor);
  }
  const min = p.min;
  const max = p.max;
  // min and max where a point has them and values: in the domain, in order (NaN fails every comparison)
  const extremes = count > 0 && (min !== undefined || max !== undefined);
  if (extremes && ((min !== undefined && !(min >= 0)) || (max !== undefined && !(max >= 0)) || (min !== undefined && max !== undefined && !(min <= max)))) return EXTREMES_OUT_OF_DOMAIN;
  let top: number;
  if (exponential) {
    const ep = p as ExponentialHistogramDataPoint;
    // (the decoder gives an integer; JSON may give anything)
    if (!(Number.isInteger(ep.scale) && ep.scale >= 0 && ep.scale <= 20)) return SCALE_OUT_OF_RANGE;
    if (!(ep.zeroThreshold >= 0)) return ZERO_THRESHOLD_BAD;
    const neg = ep.negative.bucketCounts;
    for (let i = 0; i < neg.length; i++) if (neg[i] !== 0) return DURATION_OUT_OF_DOMAIN;
    const pc = ep.positive.bucketCounts;
    let i = pc.length - 1;
    while (i >= 0 && pc[i] === 0) i--;
    if (i >= 0) {
      const width = BUCKET_WIDTH_LOG2[ep.scale + 10];
      const offset = ep.positive.offset;
      // log2 of the bucket's upper bound, compared exactly with the limit's
      const e = (offset + i + 1) * width;
      if (e > limitLog2) return DURATION_OUT_OF_DOMAIN;
      let j = 0;
      while (pc[j] === 0) j++;
      // the lowest populated bucket's upper bound: a bucket wholly under a nanosecond
      if ((offset + j + 1) * width < floorLog2) return DURATION_BELOW_1NS;
      // the extremes within a bucket of the populated ones (an SDK's index of a value at a bound may be one off), to the
      // power of two outside (a table lookup: Math.log2 of each made this check 40 → 106 ns a point): a min and max of
      // 1 ns beside one bucket of 8–16 ms made the route's percentiles 1 ns (an outside audit)
      if (extremes) {
        if (max !== undefined && max < pow2(Math.floor((offset + i - 1) * width))) return EXTREMES_OUT_OF_DOMAIN;
        if (min !== undefined && (ep.zeroCount > 0 ? min > ep.zeroThreshold : min > pow2(Math.ceil((offset + j + 2) * width)))) return EXTREMES_OUT_OF_DOMAIN;
      }
      top = pow2(Math.ceil(e));
    } else top = ep.zeroCount > 0 ? ep.zeroThreshold : 0;
  } else {
    const hp = p as HistogramDataPoint;
    const counts = hp.bucketCounts;
    const bounds = hp.explicitBounds;
    let i = counts.length - 1;
    while (i >= 0 && counts[i] === 0) i--;
    if (i < 0) top = counts.length === 0 ? (max ?? MAX_DURATION / factor) : 0;
    else {
      let j = 0;
      while (counts[j] === 0) j++;
      // a bucket whose upper bound is below 0 holds negative durations; one whose lower bound is over the domain
      // (the overflow bucket above a last bound of 1e300: its route read 2.25e300 s; an outside audit), longer ones
      if (j < bounds.length && bounds[j] < 0) return DURATION_OUT_OF_DOMAIN;
      if (i > 0 && bounds[i - 1] * factor > MAX_DURATION) return DURATION_OUT_OF_DOMAIN;
      if (extremes && ((max !== undefined && i > 0 && max < bounds[i - 1]) || (min !== undefined && j < bounds.length && min > bounds[j]))) return EXTREMES_OUT_OF_DOMAIN;
      // the overflow bucket is bounded by the point's max; without one, by nothing this side of the domain (a 60 s
      // request above a last bound of 10 s is real: its sum must not make the point refused)
      top = i === bounds.length ? (max ?? MAX_DURATION / factor) : bounds[i];
    }
  }
  if (top * factor > MAX_DURATION * (exponential ? 2 : 1) || (max !== undefined && max * factor > MAX_DURATION)) return DURATION_OUT_OF_DOMAIN;
  const sum = p.sum;
  if (sum !== undefined && !(sum >= 0 && sum <= count * Math.max(top, 0) * SUM_SLACK)) return SUM_OUT_OF_DOMAIN;
  return undefined;
}
