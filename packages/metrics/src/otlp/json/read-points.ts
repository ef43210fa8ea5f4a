// Data points in the OTLP/JSON mapping. Each point counts against DecodeLimits.maxPoints and each bucket
// array against maxBuckets.
import { NO_COUNTS } from '../counts.js';
import { DecodeFailure, OtlpErrorCode as Code, within } from '../errors.js';
import type {
  ExponentialBuckets,
  ExponentialHistogramDataPoint,
  HistogramDataPoint,
  NumberDataPoint,
  SummaryDataPoint,
  ValueAtQuantile,
} from '../model.js';
import { readAttributes } from './read-attributes.js';
import { bad, budget, dbl, I32, I64, list, object, optionalDbl, U32, U64 } from './values.js';

function countPoint(): void {
  if (--budget.pointsLeft < 0) throw new DecodeFailure(Code.TOO_MANY_POINTS, 'more data points than DecodeLimits.maxPoints', '');
}

/** Fields every point type shares; returns true when `k` was one of them. */
function readCommon(p: NumberDataPoint | HistogramDataPoint | ExponentialHistogramDataPoint | SummaryDataPoint, k: string, x: unknown): boolean {
  switch (k) {
    case 'attributes':
      readAttributes(p.attributes, x, '.attributes', 0);
      return true;
    case 'startTimeUnixNano':
    case 'start_time_unix_nano':
      p.startTimeUnixNano = U64(x, '.startTimeUnixNano');
      return true;
    case 'timeUnixNano':
    case 'time_unix_nano':
      p.timeUnixNano = U64(x, '.timeUnixNano');
      return true;
    case 'flags':
      p.flags = U32(x, '.flags');
      return true;
  }
  return false;
}

export function readNumberPoint(v: unknown): NumberDataPoint {
  countPoint();
  const o = object(v, '');
  const p: NumberDataPoint = { attributes: {}, startTimeUnixNano: 0, timeUnixNano: 0, flags: 0, value: 0, isInt: false };
  if (o === null) return p;
  let valueKey = '';
  for (const k in o) {
    const x = o[k];
    if (readCommon(p, k, x)) continue;
    if (x === null || x === undefined) continue;
    if (k === 'asDouble' || k === 'as_double') {
      p.value = dbl(x, '.asDouble');
      p.isInt = false;
    } else if (k === 'asInt' || k === 'as_int') {
      p.value = I64(x, '.asInt');
      p.isInt = true;
    } else continue;
    if (valueKey !== '') throw new DecodeFailure(Code.BAD_FIELD, 'a point holds both asDouble and asInt', `.${k}`);
    valueKey = k;
  }
  return p;
}

/** Bucket counts, as a view into the request's counts (counts.ts). */
function readCounts(v: unknown, at: string, room: number): Float64Array {
  if (v === null || v === undefined) return NO_COUNTS;
  const n = listLength(v, at, room);
  const counts = budget.counts;
  const c = counts.reserve(n, budget.countsLeft);
  budget.countsLeft -= n;
  const from = counts.used;
  for (let i = 0; i < n; i++) c[from + i] = element((v as unknown[])[i], at, i, U64);
  return counts.take(c, from, n);
}

function readBounds(v: unknown, at: string, room: number): number[] {
  if (v === null || v === undefined) return [];
  const n = listLength(v, at, room);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = element((v as unknown[])[i], at, i, dbl);
  return out;
}

function listLength(v: unknown, at: string, room: number): number {
  if (!Array.isArray(v)) bad(at, 'an array', v);
  if (v.length > room) throw new DecodeFailure(Code.TOO_MANY_BUCKETS, `more than ${budget.maxBuckets} buckets in one histogram point (DecodeLimits.maxBuckets)`, at);
  return v.length;
}

function element(x: unknown, at: string, i: number, read: (x: unknown, at: string) => number): number {
  // Fast paths for what exporters send: plain non-negative integers (OpenTelemetry JS) and short
  // decimal strings (the proto3 mapping); anything else goes through the general reader.
  if (typeof x === 'number') {
    if (x >= 0 && Number.isInteger(x)) return x;
  } else if (typeof x === 'string' && x.length > 0 && x.length <= 15) {
    let n = 0;
    let k = 0;
    for (; k < x.length; k++) {
      const d = x.charCodeAt(k) - 48;
      if (d < 0 || d > 9) break;
      n = n * 10 + d;
    }
    if (k === x.length) return n;
  }
  return read(x, `${at}[${i}]`);
}

export function readHistogramPoint(v: unknown): HistogramDataPoint {
  countPoint();
  const o = object(v, '');
  const p: HistogramDataPoint = {
    attributes: {}, startTimeUnixNano: 0, timeUnixNano: 0, flags: 0,
    count: 0, sum: undefined, min: undefined, max: undefined, bucketCounts: NO_COUNTS, explicitBounds: [],
  };
  if (o === null) return p;
  for (const k in o) {
    const x = o[k];
    if (readCommon(p, k, x)) continue;
    switch (k) {
      case 'count':
        p.count = U64(x, '.count');
        break;
      case 'sum':
        p.sum = optionalDbl(x, '.sum');
        break;
      case 'min':
        p.min = optionalDbl(x, '.min');
        break;
      case 'max':
        p.max = optionalDbl(x, '.max');
        break;
      case 'bucketCounts':
      case 'bucket_counts':
        p.bucketCounts = readCounts(x, '.bucketCounts', budget.maxBuckets);
        break;
      case 'explicitBounds':
      case 'explicit_bounds':
        p.explicitBounds = readBounds(x, '.explicitBounds', budget.maxBuckets);
        break;
    }
  }
  return p;
}

export function readExponentialPoint(v: unknown): ExponentialHistogramDataPoint {
  countPoint();
  const o = object(v, '');
  const p: ExponentialHistogramDataPoint = {
    attributes: {}, startTimeUnixNano: 0, timeUnixNano: 0, flags: 0,
    count: 0, sum: undefined, min: undefined, max: undefined, scale: 0, zeroCount: 0, zeroThreshold: 0,
    positive: { offset: 0, bucketCounts: NO_COUNTS }, negative: { offset: 0, bucketCounts: NO_COUNTS },
  };
  if (o === null) return p;
  for (const k in o) {
    const x = o[k];
    if (readCommon(p, k, x)) continue;
    switch (k) {
      case 'count':
        p.count = U64(x, '.count');
        break;
      case 'sum':
        p.sum = optionalDbl(x, '.sum');
        break;
      case 'min':
        p.min = optionalDbl(x, '.min');
        break;
      case 'max':
        p.max = optionalDbl(x, '.max');
        break;
      case 'scale':
        p.scale = I32(x, '.scale');
        break;
      case 'zeroCount':
      case 'zero_count':
        p.zeroCount = U64(x, '.zeroCount');
        break;
      case 'zeroThreshold':
      case 'zero_threshold':
        p.zeroThreshold = dbl(x, '.zeroThreshold');
        break;
      case 'positive':
        p.positive = readBuckets(x, '.positive', budget.maxBuckets - p.negative.bucketCounts.length);
        break;
      case 'negative':
        p.negative = readBuckets(x, '.negative', budget.maxBuckets - p.positive.bucketCounts.length);
        break;
    }
  }
  return p;
}

function readBuckets(v: unknown, at: string, room: number): ExponentialBuckets {
  const b: ExponentialBuckets = { offset: 0, bucketCounts: NO_COUNTS };
  try {
    const o = object(v, '');
    if (o === null) return b;
    for (const k in o) {
      if (k === 'offset') b.offset = I32(o[k], '.offset');
      else if (k === 'bucketCounts' || k === 'bucket_counts') b.bucketCounts = readCounts(o[k], '.bucketCounts', room);
    }
  } catch (e) {
    throw within(e, at);
  }
  return b;
}

export function readSummaryPoint(v: unknown): SummaryDataPoint {
  countPoint();
  const o = object(v, '');
  const p: SummaryDataPoint = { attributes: {}, startTimeUnixNano: 0, timeUnixNano: 0, flags: 0, count: 0, sum: 0, quantileValues: [] };
  if (o === null) return p;
  for (const k in o) {
    const x = o[k];
    if (readCommon(p, k, x)) continue;
    if (k === 'count') p.count = U64(x, '.count');
    else if (k === 'sum') p.sum = dbl(x, '.sum');
    else if (k === 'quantileValues' || k === 'quantile_values') {
      if (Array.isArray(x) && x.length > budget.maxBuckets) {
        throw new DecodeFailure(Code.TOO_MANY_BUCKETS, `more than ${budget.maxBuckets} quantiles in one summary point (DecodeLimits.maxBuckets)`, '.quantileValues');
      }
      list(x, '.quantileValues', p.quantileValues, readQuantile);
    }
  }
  return p;
}

function readQuantile(v: unknown): ValueAtQuantile {
  const o = object(v, '');
  const q: ValueAtQuantile = { quantile: 0, value: 0 };
  if (o === null) return q;
  for (const k in o) {
    if (k === 'quantile') q.quantile = dbl(o[k], '.quantile');
    else if (k === 'value') q.value = dbl(o[k], '.value');
  }
  return q;
}
