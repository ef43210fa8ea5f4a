import type { Attributes, ExponentialHistogramDataPoint, HistogramDataPoint, Temporality } from '@perf/metrics';
import type { StoreHistogram } from '../store/histogram.js';
import type { SparseDelta } from '../store/delta.js';
import { MAX_CUMULATIVE_COUNT } from '../store/domain.js';

/**
 * Per-series ingest state: the last point seen (for duplicates and out-of-order points) and, for
 * cumulative histograms, the last cumulative snapshot (to turn the next one into a delta).
 */
export interface SeriesState {
  /** ns of the last accepted point */
  time: number;
  /** ns start time of the last cumulative point */
  start: number;
  count: number;
  sum: number;
  /** last cumulative exponential buckets */
  exp: CumulativeBuckets | undefined;
  /** last cumulative explicit bucket counts and their bounds */
  explicit: Float64Array | undefined;
  bounds: number[] | undefined;
  /** the last point was invalid: the next cumulative point only re-establishes the state */
  rebase: boolean;
  /** where this series' requests go, resolved on its first point (ingest's cache; opaque here) */
  target: unknown;
  /** whether this series counts as errors (5xx) */
  isError: boolean;
  /** the series' attributes as last decoded, and how many (ingest's per-position cache checks them) */
  attrs: Attributes | undefined;
  attrCount: number;
  /**
   * min and max of the last cumulative point (NaN: unknown, e.g. restored from the data file): a point whose max
   * rose had its maximum in this interval, so the delta's max is exact, not its top bucket's bound (min alike)
   */
  min: number;
  max: number;
}

/**
 * A cumulative snapshot's buckets, compact: Uint32 counts while they fit (4 bytes a bucket; a bucket
 * passes 2^32 only after years at thousands of requests a second), Float64 after.
 */
export interface CumulativeBuckets {
  scale: number;
  offset: number;
  length: number;
  counts: Uint32Array | Float64Array;
  zeroCount: number;
}

/** Most buckets a cumulative series' state spans: 256 KiB of counts. */
const MAX_STATE_BUCKETS = 1 << 16;

/** `invalid`: negative, non-finite or inconsistent counts (the point is rejected; the series re-baselines). */
export type DeltaOutcome = 'delta' | 'baseline' | 'duplicate' | 'outOfOrder' | 'reset' | 'invalid';

export function newState(): SeriesState {
  return { time: 0, start: 0, count: 0, sum: 0, exp: undefined, explicit: undefined, bounds: undefined, rebase: false, target: undefined, isError: false, attrs: undefined, attrCount: 0, min: NaN, max: NaN };
}

export function stateBytes(s: SeriesState): number {
  return 120 + s.attrCount * 48 + (s.exp ? 48 + s.exp.counts.byteLength : 0) + (s.explicit?.byteLength ?? 0);
}

/**
 * Turns an exponential histogram point into a sparse delta in `out`, at the point's scale capped at
 * `maxScale` (everything downstream is capped there, and downscaling commutes with subtraction, so the
 * state is kept at the cap). `fresh` says whether a first-seen cumulative series started after this
 * receiver did (then its first point is all new data; otherwise it is only a baseline).
 *
 * Cumulative points take one pass over their buckets: each bucket is compared with the state and the
 * state overwritten in place (a reset needs the current values anyway), emitting only buckets that grew.
 */
export function expDelta(
  p: ExponentialHistogramDataPoint,
  temporality: Temporality,
  st: SeriesState,
  firstSeen: boolean,
  fresh: boolean,
  out: SparseDelta,
  maxScale: number,
): DeltaOutcome {
  if (!firstSeen && p.timeUnixNano <= st.time) return p.timeUnixNano === st.time ? 'duplicate' : 'outOfOrder';
  const pc = p.positive.bucketCounts;
  const po = p.positive.offset;
  const n = pc.length;
  if (temporality === 'delta') {
    st.time = p.timeUnixNano;
    const scale = Math.min(p.scale, maxScale);
    const shift = p.scale - scale;
    out.reset(scale);
    let j = NaN;
    let acc = 0;
    let total = p.zeroCount;
    for (let i = 0; i < n; i++) {
      const c = pc[i];
      if (c === 0) continue;
      if (!(c > 0)) return 'invalid';
      total += c;
      const m = (po + i) >> shift;
      if (m !== j) {
        if (acc !== 0) out.push(j, acc);
        j = m;
        acc = 0;
      }
      acc += c;
    }
    if (acc !== 0) out.push(j, acc);
    // the proto says count = zero + positive + negative buckets (negative ones are not kept here)
    if (!sameCount(total + negativeTotal(p), p.count) || !(p.zeroCount >= 0)) return 'invalid';
    out.zeroCount = p.zeroCount;
    out.count = p.count;
    out.sum = p.sum ?? 0;
    if (p.min !== undefined && p.max !== undefined) {
      out.min = p.min;
      out.max = p.max;
    }
    out.boundFromBuckets();
    return 'delta';
  }
  if (!firstSeen && st.explicit !== undefined) switchedKind(st, p);
  let sb = st.exp;
  if (
    sb !== undefined &&
    !firstSeen &&
    !st.rebase &&
    p.count === st.count &&
    p.startTimeUnixNano === st.start &&
    p.zeroCount === sb.zeroCount &&
    (p.sum ?? 0) === st.sum &&
    validBuckets(p.positive.bucketCounts, p.count - p.zeroCount - negativeTotal(p))
  ) {
    // nothing recorded since the last point (an idle series): no state work, an empty delta
    st.time = p.timeUnixNano;
    out.reset(sb.scale);
    return 'delta';
  }
  let scale = Math.min(p.scale, maxScale);
  if (sb !== undefined && sb.scale !== scale) {
    if (sb.scale > scale) downscaleState(sb, sb.scale - scale);
    else scale = sb.scale; // the state is coarser (an earlier point was): map the input down to it
  }
  const shift = p.scale - scale;
  const lo = n > 0 ? po >> shift : 0;
  const hi = n > 0 ? (po + n - 1) >> shift : -1;
  if (sb === undefined) {
    sb = { scale, offset: lo, length: 0, counts: new Uint32Array(0), zeroCount: 0 };
    st.exp = sb;
  }
  let negative = false;
  // buckets the state holds outside the new range must be empty, or counts went down (a reset)
  const sEnd = sb.offset + sb.length;
  for (let j = sb.offset; j < sEnd; j++) {
    if (j >= lo && j <= hi) {
      j = hi;
      continue;
    }
    if (sb.counts[j - sb.offset] !== 0) {
      negative = true;
      sb.counts[j - sb.offset] = 0;
    }
  }
  if (n > 0 && (sb.length === 0 || lo < sb.offset || hi >= sb.offset + sb.length)) {
    // (ingest's domain bounds a series to ≈ 3,500 buckets at scale 6: this guards the state against anything past it)
    const from = sb.length === 0 ? lo : Math.min(lo, sb.offset);
    const to = sb.length === 0 ? hi : Math.max(hi, sb.offset + sb.length - 1);
    if (to - from >= MAX_STATE_BUCKETS) {
      st.exp = undefined;
      st.rebase = true;
      return 'invalid';
    }
    ensureStateRange(sb, lo, hi);
  }
  out.reset(scale);
  const sc = sb.counts;
  const so = sb.offset;
  let total = p.zeroCount;
  let bad = !(p.zeroCount >= 0);
  if (shift === 0) {
    // the common case (input at the state's scale): point bucket i is state bucket at0 + i, and most
    // buckets did not change since the last point
    const at0 = po - so;
    let wide = sc instanceof Float64Array;
    for (let i = 0; i < n; i++) {
      const c = pc[i];
      total += c;
      const prev = sc[at0 + i];
      if (c === prev) continue;
      const d = c - prev;
      if (d > 0) out.push(po + i, d);
      else negative = true;
      if (!(c >= 0)) bad = true;
      else if (c > 0xffffffff && !wide) {
        widen(sb);
        wide = true;
      }
      sb.counts[at0 + i] = c;
    }
  } else {
    // input finer than the state: each run of 2^shift point buckets sums into one state bucket
    let i = 0;
    while (i < n) {
      const j = (po + i) >> shift;
      const groupEnd = Math.min(n, ((j + 1) << shift) - po);
      let acc = 0;
      for (; i < groupEnd; i++) {
        const c = pc[i];
        if (!(c >= 0)) bad = true;
        acc += c;
      }
      total += acc;
      const at = j - so;
      const prev = sc[at];
      if (acc === prev) continue;
      const d = acc - prev;
      if (d > 0) out.push(j, d);
      else negative = true;
      if (acc > 0xffffffff && sb.counts instanceof Uint32Array) widen(sb);
      sb.counts[at] = acc;
    }
  }
  if (bad || !sameCount(total + negativeTotal(p), p.count)) {
    // the state now holds garbage: the next point re-establishes it without counting anything
    st.rebase = true;
    return 'invalid';
  }
  const dz = p.zeroCount - sb.zeroCount;
  sb.zeroCount = p.zeroCount;
  const isReset = !firstSeen && (p.startTimeUnixNano !== st.start || p.count < st.count || negative || dz < 0);
  let outcome: DeltaOutcome;
  if ((firstSeen && !fresh) || st.rebase) {
    outcome = 'baseline';
    st.rebase = false;
  } else if (firstSeen || isReset) {
    outcome = firstSeen ? 'delta' : 'reset';
    // the whole current snapshot is the delta (the state now holds exactly it)
    out.reset(scale);
    for (let i = 0; i < sb.length; i++) if (sb.counts[i] !== 0) out.push(sb.offset + i, sb.counts[i]);
    out.zeroCount = p.zeroCount;
    out.count = p.count;
    out.sum = p.sum ?? 0;
  } else {
    outcome = 'delta';
    out.zeroCount = dz;
    out.count = p.count - st.count;
    out.sum = (p.sum ?? 0) - st.sum;
  }
  if (outcome !== 'baseline') {
    out.boundFromBuckets();
    exactExtremes(out, p.min, p.max, outcome === 'delta' && !firstSeen ? st : undefined, 1);
  }
  st.time = p.timeUnixNano;
  st.start = p.startTimeUnixNano;
  st.count = p.count;
  st.sum = p.sum ?? 0;
  st.min = p.min ?? NaN;
  st.max = p.max ?? NaN;
  return outcome;
}

/**
 * A cumulative series whose points changed kind (exponential ↔ explicit buckets): the other kind's state is let go, and
 * unless the series restarted (a new start, a count that went down: then the whole point is new, a reset) the point
 * only re-establishes the state. It was counted whole as a reset, and the series' 30 requests read 40 (an outside
 * audit: exponential 10, explicit 20, exponential 30).
 */
function switchedKind(st: SeriesState, p: { startTimeUnixNano: number; count: number }): void {
  st.exp = undefined;
  st.explicit = undefined;
  st.bounds = undefined;
  if (p.startTimeUnixNano === st.start && p.count >= st.count) st.rebase = true;
}

/**
 * A cumulative point's min and max where they are this delta's: all of them when the delta is the whole point (a
 * new series, a reset: `prev` undefined) or min = max (every value was that one), else the max when it rose since the
 * last point (the maximum came in this interval) and the min when it fell. Elsewhere the bounds from the buckets stay (OTLP cumulative min/max cover
 * the whole series, not the interval). `factor` converts units (ms → s).
 */
function exactExtremes(out: { min: number; max: number }, min: number | undefined, max: number | undefined, prev: { min: number; max: number } | undefined, factor: number): void {
  // every value since the start was this one, so every value of the interval is (a series of 30 ms requests read
  // 30.09 ms from its second point on; verification round)
  if (min !== undefined && min === max && min >= 0) {
    out.min = out.max = min * factor;
    return;
  }
  if (max !== undefined && max >= 0 && (prev === undefined || max > prev.max)) out.max = max * factor;
  if (min !== undefined && min >= 0 && (prev === undefined || min < prev.min)) out.min = min * factor;
}

/** Whether bucket counts are non-negative numbers adding up to `expected`. */
function validBuckets(counts: Float64Array, expected: number): boolean {
  let total = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i];
    if (!(c >= 0)) return false;
    total += c;
  }
  return sameCount(total, expected);
}

/** The negative range's count of an exponential point (latencies have none; 0 without an array allocation). */
function negativeTotal(p: ExponentialHistogramDataPoint): number {
  const counts = p.negative.bucketCounts;
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i];
  return total;
}

/**
 * Whether a point's buckets add up to its count, as the OTLP data model requires. Counts are uint64 read into
 * doubles: exact up to 2^53, so the tolerance only covers rounding beyond that.
 */
export function sameCount(total: number, count: number): boolean {
  return Math.abs(total - count) <= count * 1e-12;
}

/**
 * Grows the state's buffer to cover indexes lo..hi. A series' range widens at both ends as its tails
 * fill in, so a reallocation leaves headroom on the side that grew (an eighth of the span, at least 8
 * buckets): a warm series rarely reallocates. Headroom buckets are zeros inside offset..length.
 */
function ensureStateRange(sb: CumulativeBuckets, lo: number, hi: number): void {
  const cap = sb.counts.length;
  if (sb.length === 0) {
    const span = hi - lo + 1;
    const pad = Math.max(8, span >> 3);
    if (cap < span + 2 * pad) sb.counts = new Uint32Array(span + 2 * pad);
    else sb.counts.fill(0);
    sb.offset = lo - pad;
    sb.length = span + pad;
    return;
  }
  const end = sb.offset + sb.length;
  if (lo >= sb.offset && hi < sb.offset + cap) {
    if (hi >= end) sb.length = hi + 1 - sb.offset;
    return;
  }
  const newLo = Math.min(lo, sb.offset);
  const newHi = Math.max(hi, end - 1);
  const pad = Math.max(8, (newHi - newLo + 1) >> 3);
  const base = lo < sb.offset ? newLo - pad : newLo;
  const len = newHi - base + 1;
  const next = sb.counts instanceof Uint32Array ? new Uint32Array(len + pad) : new Float64Array(len + pad);
  next.set(sb.counts.subarray(0, sb.length), sb.offset - base);
  sb.counts = next;
  sb.offset = base;
  sb.length = len;
}

function widen(sb: CumulativeBuckets): void {
  sb.counts = Float64Array.from(sb.counts);
}

/** Halves the state's resolution `by` times (the sender lowered its scale; rare). */
function downscaleState(sb: CumulativeBuckets, by: number): void {
  if (sb.length === 0) {
    sb.scale -= by;
    sb.offset = 0;
    return;
  }
  const lo = sb.offset >> by;
  const hi = (sb.offset + sb.length - 1) >> by;
  const next = new Float64Array(hi - lo + 1 + 8);
  for (let i = 0; i < sb.length; i++) next[((sb.offset + i) >> by) - lo] += sb.counts[i];
  sb.counts = next;
  sb.offset = lo;
  sb.length = hi - lo + 1;
  sb.scale -= by;
}

/**
 * Turns an explicit-bucket point into a delta spread over `out`'s exponential buckets (values × factor).
 * Bounds that change mean a reset.
 */
export function explicitDelta(
  p: HistogramDataPoint,
  temporality: Temporality,
  st: SeriesState,
  firstSeen: boolean,
  fresh: boolean,
  factor: number,
  out: StoreHistogram,
  scale: number,
): DeltaOutcome {
  if (!firstSeen && p.timeUnixNano <= st.time) return p.timeUnixNano === st.time ? 'duplicate' : 'outOfOrder';
  out.resetTo(scale);
  const n = p.bucketCounts.length;
  if (temporality === 'delta') {
    st.time = p.timeUnixNano;
    spreadExplicit(out, p.explicitBounds, p.bucketCounts, undefined, p.min, p.max, factor);
    out.addSummary(p.count, p.sum === undefined ? undefined : p.sum * factor, p.min === undefined ? undefined : p.min * factor, p.max === undefined ? undefined : p.max * factor, 0);
    out.boundFromBuckets();
    return 'delta';
  }
  if (!firstSeen && st.exp !== undefined) switchedKind(st, p);
  const prev = st.explicit;
  const sameBounds = st.bounds !== undefined && st.bounds.length === p.explicitBounds.length && st.bounds.every((b, i) => b === p.explicitBounds[i]);
  // other bounds in the same run of the series (same start, count not down): its buckets cannot be subtracted from the
  // last ones and its count holds what was counted already, so it only re-establishes the state, as a change of kind
  if (!firstSeen && prev !== undefined && !sameBounds && p.startTimeUnixNano === st.start && p.count >= st.count) st.rebase = true;
  let outcome: DeltaOutcome;
  const isReset = !firstSeen && (p.startTimeUnixNano !== st.start || p.count < st.count || !sameBounds);
  let minusPrev: Float64Array | undefined;
  if ((firstSeen && !fresh) || st.rebase) {
    // the last point was refused after it moved the state on (histograms.ts: a delta out of its domain)
    outcome = 'baseline';
    st.rebase = false;
  } else if (firstSeen || isReset || prev === undefined || prev.length !== n) outcome = firstSeen ? 'delta' : 'reset';
  else {
    outcome = 'delta';
    for (let i = 0; i < n; i++) if (p.bucketCounts[i] < prev[i]) outcome = 'reset';
    if (outcome === 'delta') minusPrev = prev;
  }
  if (outcome !== 'baseline') {
    // a cumulative point's min and max hold every value since its start, so they bound this delta's values too
    spreadExplicit(out, p.explicitBounds, p.bucketCounts, minusPrev, p.min, p.max, factor);
    out.count = p.count - (minusPrev !== undefined ? st.count : 0);
    out.sum = ((p.sum ?? 0) - (minusPrev !== undefined ? st.sum : 0)) * factor;
    out.boundFromBuckets();
    exactExtremes(out, p.min, p.max, minusPrev !== undefined ? st : undefined, factor);
  }
  st.time = p.timeUnixNano;
  st.start = p.startTimeUnixNano;
  st.count = p.count;
  st.sum = p.sum ?? 0;
  st.min = p.min ?? NaN;
  st.max = p.max ?? NaN;
  if (st.explicit === undefined || st.explicit.length !== n) st.explicit = new Float64Array(n);
  for (let i = 0; i < n; i++) st.explicit[i] = p.bucketCounts[i];
  if (!sameBounds) st.bounds = p.explicitBounds.slice();
  return outcome;
}

/** The ratio of the first two bounds when both are positive and it is between 1 and 4, else 4. */
function firstRatio(bounds: readonly number[]): number {
  const r = bounds.length >= 2 && bounds[0] > 0 ? bounds[1] / bounds[0] : 4;
  return r > 1 && r < 4 ? r : 4;
}

function spreadExplicit(
  out: StoreHistogram,
  bounds: number[],
  counts: Float64Array,
  minus: Float64Array | undefined,
  min: number | undefined,
  max: number | undefined,
  factor: number,
): void {
  const n = counts.length;
  for (let i = 0; i < n; i++) {
    const c = counts[i] - (minus === undefined ? 0 : minus[i]);
    if (!(c > 0)) continue;
    let lower = i === 0 ? (min !== undefined && min > 0 ? min : NaN) : bounds[i - 1];
    let upper = i < bounds.length ? bounds[i] : max !== undefined && max > bounds[bounds.length - 1] ? max : bounds[bounds.length - 1] * 2;
    // the first bucket, (0, b₀] without a min: the bounds' own ratio continued downwards (√2 for Prometheus-style
    // bounds), at most 4 (a value there is then within 3× of where it is placed, where nothing else is known)
    if (i === 0 && !(lower > 0)) lower = upper > 0 ? upper / firstRatio(bounds) : NaN;
    if (min !== undefined && min > lower && min <= upper) lower = min;
    // (max == min: every value is that one, and the bucket narrows to it)
    if (max !== undefined && max < upper && max >= lower) upper = max;
    if (!(upper > 0)) {
      out.zeroCount += c;
      continue;
    }
    // a value estimated anywhere in (lower, upper] is within (upper − lower) / lower of one that lies there
    const error = lower > 0 ? (upper - lower) / lower : 1;
    if (error > out.spreadError) out.spreadError = error;
    out.addSpread(lower * factor, upper * factor, c);
  }
  // count is set by the caller; bucket mass from the spread already matches it
}

/** Version of encodeState's layout (a state of another version is not restored: its series re-baseline). */
const STATE_VERSION = 1;
const STATE_HEADER = 13;

/**
 * A series' state → bytes, so a restarted dashboard goes on from where it stopped (persist.ts writes every
 * node's states at shutdown): float64s [version, time, start, count, sum, rebase, exp scale (NaN: none), exp
 * offset, exp length, exp zero count, explicit counts n, bounds m (−1: none), isError], then the exp counts, the n explicit
 * counts and the m bounds. Where a request goes (`target`) and the attribute cache are found again on the next point.
 */
export function encodeState(st: SeriesState): Buffer {
  const exp = st.exp;
  const expLength = exp?.length ?? 0;
  const n = st.explicit?.length ?? 0;
  const m = st.bounds?.length ?? 0;
  const a = new Float64Array(STATE_HEADER + expLength + n + m);
  a[0] = STATE_VERSION;
  a[1] = st.time;
  a[2] = st.start;
  a[3] = st.count;
  a[4] = st.sum;
  a[5] = st.rebase ? 1 : 0;
  a[6] = exp === undefined ? NaN : exp.scale;
  a[7] = exp?.offset ?? 0;
  a[8] = expLength;
  a[9] = exp?.zeroCount ?? 0;
  a[10] = st.explicit === undefined ? -1 : n;
  a[11] = st.bounds === undefined ? -1 : m;
  a[12] = st.isError ? 1 : 0;
  let at = STATE_HEADER;
  if (exp !== undefined) for (let i = 0; i < expLength; i++) a[at++] = exp.counts[i];
  if (st.explicit !== undefined) a.set(st.explicit, at);
  at += n;
  if (st.bounds !== undefined) a.set(st.bounds, at);
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/** encodeState's bytes → a state; undefined for bytes of another version or shape. */
export function decodeState(buf: Uint8Array): SeriesState | undefined {
  if (buf.byteLength % 8 !== 0 || buf.byteLength < STATE_HEADER * 8) return undefined;
  const a = new Float64Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  const expLength = a[8];
  const n = Math.max(0, a[10]);
  const m = Math.max(0, a[11]);
  if (a[0] !== STATE_VERSION || !(Number.isInteger(expLength) && Number.isInteger(a[10]) && Number.isInteger(a[11]) && expLength >= 0 && a[10] >= -1 && a[11] >= -1)) return undefined;
  if (a.length !== STATE_HEADER + expLength + n + m) return undefined;
  // a cumulative count and sum as ingest accepts them (ingest/domain.ts)
  if (!(a[3] >= 0 && a[3] <= MAX_CUMULATIVE_COUNT && Number.isFinite(a[4]))) return undefined;
  const st = newState();
  st.time = a[1];
  st.start = a[2];
  st.count = a[3];
  st.sum = a[4];
  st.rebase = a[5] === 1;
  st.isError = a[12] === 1;
  let at = STATE_HEADER;
  if (!Number.isNaN(a[6])) {
    const counts = a.subarray(at, at + expLength);
    const wide = counts.some((c) => c > 0xffffffff);
    st.exp = { scale: a[6], offset: a[7], length: expLength, counts: wide ? Float64Array.from(counts) : Uint32Array.from(counts), zeroCount: a[9] };
  }
  at += expLength;
  if (a[10] >= 0) st.explicit = Float64Array.from(a.subarray(at, at + n));
  at += n;
  if (a[11] >= 0) st.bounds = Array.from(a.subarray(at, at + m));
  return st;
}
