// Data points: NumberDataPoint, HistogramDataPoint, ExponentialHistogramDataPoint, SummaryDataPoint
// (metrics/v1). Exemplars are skipped. Each point counts against DecodeLimits.maxPoints and each bucket
// array against maxBuckets, checked before the array is allocated. Bucket counts are views into the
// request's shared chunks (counts.ts).
import { NO_COUNTS } from '../counts.js';
import { OtlpErrorCode as Code, within } from '../errors.js';
import type {
  ExponentialBuckets,
  ExponentialHistogramDataPoint,
  HistogramDataPoint,
  NumberDataPoint,
  SummaryDataPoint,
  ValueAtQuantile,
} from '../model.js';
import { readKeyValue } from './read-attributes.js';
import { where, type WireReader } from './reader.js';

function countPoint(r: WireReader): void {
  if (--r.pointsLeft < 0) r.fail(Code.TOO_MANY_POINTS, 'more data points than DecodeLimits.maxPoints');
}

const F_NUMBER_POINT = ['', '', 'start_time_unix_nano', 'time_unix_nano', 'as_double', 'exemplars', 'as_int', 'attributes', 'flags'];
export function readNumberPoint(r: WireReader, end: number): NumberDataPoint {
  countPoint(r);
  const p: NumberDataPoint = { attributes: {}, startTimeUnixNano: 0, timeUnixNano: 0, flags: 0, value: 0, isInt: false };
  let tag = 0;
  try {
    while (r.pos < end) {
      tag = 0;
      tag = r.varint32(end);
      switch (tag) {
        case 0x3a:
          readKeyValue(r, p.attributes, r.lenEnd(end), 0);
          break;
        case 0x11:
          p.startTimeUnixNano = r.fixed64(end);
          break;
        case 0x19:
          p.timeUnixNano = r.fixed64(end);
          break;
        case 0x21:
          p.value = r.double(end);
          p.isInt = false;
          break;
        case 0x31:
          p.value = r.sfixed64(end);
          p.isInt = true;
          break;
        case 0x2a: // exemplars: skipped
          r.skipLen(end);
          break;
        case 0x40:
          p.flags = r.varint32(end);
          break;
        default:
          r.skipField(tag, end, 0b111111100);
      }
    }
  } catch (e) {
    throw within(e, where('NumberDataPoint', F_NUMBER_POINT, tag));
  }
  return p;
}

const F_HISTOGRAM_POINT = [
  '', '', 'start_time_unix_nano', 'time_unix_nano', 'count', 'sum', 'bucket_counts', 'explicit_bounds', 'exemplars', 'attributes', 'flags', 'min', 'max',
];
export function readHistogramPoint(r: WireReader, end: number): HistogramDataPoint {
  countPoint(r);
  const p: HistogramDataPoint = {
    attributes: {}, startTimeUnixNano: 0, timeUnixNano: 0, flags: 0,
    count: 0, sum: undefined, min: undefined, max: undefined, bucketCounts: NO_COUNTS, explicitBounds: [],
  };
  let tag = 0;
  try {
    while (r.pos < end) {
      tag = 0;
      tag = r.varint32(end);
      switch (tag) {
        case 0x4a:
          readKeyValue(r, p.attributes, r.lenEnd(end), 0);
          break;
        case 0x11:
          p.startTimeUnixNano = r.fixed64(end);
          break;
        case 0x19:
          p.timeUnixNano = r.fixed64(end);
          break;
        case 0x21:
          p.count = r.fixed64(end);
          break;
        case 0x29:
          p.sum = r.double(end);
          break;
        case 0x32:
          p.bucketCounts = r.counts.concat(p.bucketCounts, r.packedFixed64(end, r.maxBuckets - p.bucketCounts.length), r.buf.length - r.pos);
          break;
        case 0x31: // unpacked: one element per tag
          if (p.bucketCounts.length >= r.maxBuckets) r.tooManyBuckets();
          p.bucketCounts = r.counts.push(p.bucketCounts, r.fixed64(end), r.buf.length - r.pos);
          break;
        case 0x3a:
          p.explicitBounds = r.packedDouble(p.explicitBounds, end);
          break;
        case 0x39:
          if (p.explicitBounds.length >= r.maxBuckets) r.tooManyBuckets();
          p.explicitBounds.push(r.double(end));
          break;
        case 0x42: // exemplars: skipped
          r.skipLen(end);
          break;
        case 0x50:
          p.flags = r.varint32(end);
          break;
        case 0x59:
          p.min = r.double(end);
          break;
        case 0x61:
          p.max = r.double(end);
          break;
        default:
          r.skipField(tag, end, 0b1111111111100);
      }
    }
  } catch (e) {
    throw within(e, where('HistogramDataPoint', F_HISTOGRAM_POINT, tag));
  }
  return p;
}

const F_EXPONENTIAL_POINT = [
  '', 'attributes', 'start_time_unix_nano', 'time_unix_nano', 'count', 'sum', 'scale', 'zero_count', 'positive', 'negative',
  'flags', 'exemplars', 'min', 'max', 'zero_threshold',
];
export function readExponentialPoint(r: WireReader, end: number): ExponentialHistogramDataPoint {
  countPoint(r);
  const p: ExponentialHistogramDataPoint = {
    attributes: {}, startTimeUnixNano: 0, timeUnixNano: 0, flags: 0,
    count: 0, sum: undefined, min: undefined, max: undefined, scale: 0, zeroCount: 0, zeroThreshold: 0,
    positive: { offset: 0, bucketCounts: NO_COUNTS }, negative: { offset: 0, bucketCounts: NO_COUNTS },
  };
  let tag = 0;
  try {
    while (r.pos < end) {
      tag = 0;
      tag = r.varint32(end);
      switch (tag) {
        case 0x0a:
          readKeyValue(r, p.attributes, r.lenEnd(end), 0);
          break;
        case 0x11:
          p.startTimeUnixNano = r.fixed64(end);
          break;
        case 0x19:
          p.timeUnixNano = r.fixed64(end);
          break;
        case 0x21:
          p.count = r.fixed64(end);
          break;
        case 0x29:
          p.sum = r.double(end);
          break;
        case 0x30:
          p.scale = r.sint32(end);
          break;
        case 0x39:
          p.zeroCount = r.fixed64(end);
          break;
        case 0x42:
          readBuckets(r, p.positive, r.lenEnd(end), r.maxBuckets - p.negative.bucketCounts.length);
          break;
        case 0x4a:
          readBuckets(r, p.negative, r.lenEnd(end), r.maxBuckets - p.positive.bucketCounts.length);
          break;
        case 0x50:
          p.flags = r.varint32(end);
          break;
        case 0x5a: // exemplars: skipped
          r.skipLen(end);
          break;
        case 0x61:
          p.min = r.double(end);
          break;
        case 0x69:
          p.max = r.double(end);
          break;
        case 0x71:
          p.zeroThreshold = r.double(end);
          break;
        default:
          r.skipField(tag, end, 0b111111111111110);
      }
    }
  } catch (e) {
    throw within(e, where('ExponentialHistogramDataPoint', F_EXPONENTIAL_POINT, tag));
  }
  return p;
}

function readBuckets(r: WireReader, b: ExponentialBuckets, end: number, budget: number): void {
  let tag = 0;
  try {
    while (r.pos < end) {
      tag = 0;
      tag = r.varint32(end);
      if (tag === 0x12) {
        const counts = r.packedUvarint(end, budget - b.bucketCounts.length);
        // a second bucket_counts field in one Buckets message (legal, never seen in practice) appends
        b.bucketCounts = b.bucketCounts.length === 0 ? counts : r.counts.concat(b.bucketCounts, counts, r.buf.length - r.pos);
      } else if (tag === 0x08) b.offset = r.sint32(end);
      else if (tag === 0x10) {
        if (b.bucketCounts.length >= budget) r.tooManyBuckets();
        b.bucketCounts = r.counts.push(b.bucketCounts, r.uvarint64(end), r.buf.length - r.pos);
      } else r.skipField(tag, end, 0b110);
    }
  } catch (e) {
    throw within(e, where('Buckets', ['', 'offset', 'bucket_counts'], tag));
  }
}

const F_SUMMARY_POINT = ['', '', 'start_time_unix_nano', 'time_unix_nano', 'count', 'sum', 'quantile_values', 'attributes', 'flags'];
export function readSummaryPoint(r: WireReader, end: number): SummaryDataPoint {
  countPoint(r);
  const p: SummaryDataPoint = { attributes: {}, startTimeUnixNano: 0, timeUnixNano: 0, flags: 0, count: 0, sum: 0, quantileValues: [] };
  let tag = 0;
  try {
    while (r.pos < end) {
      tag = 0;
      tag = r.varint32(end);
      switch (tag) {
        case 0x3a:
          readKeyValue(r, p.attributes, r.lenEnd(end), 0);
          break;
        case 0x11:
          p.startTimeUnixNano = r.fixed64(end);
          break;
        case 0x19:
          p.timeUnixNano = r.fixed64(end);
          break;
        case 0x21:
          p.count = r.fixed64(end);
          break;
        case 0x29:
          p.sum = r.double(end);
          break;
        case 0x32:
          if (p.quantileValues.length >= r.maxBuckets) r.tooManyBuckets();
          p.quantileValues.push(readQuantile(r, r.lenEnd(end)));
          break;
        case 0x40:
          p.flags = r.varint32(end);
          break;
        default:
          r.skipField(tag, end, 0b111111100);
      }
    }
  } catch (e) {
    throw within(e, where('SummaryDataPoint', F_SUMMARY_POINT, tag));
  }
  return p;
}

function readQuantile(r: WireReader, end: number): ValueAtQuantile {
  const q: ValueAtQuantile = { quantile: 0, value: 0 };
  let tag = 0;
  try {
    while (r.pos < end) {
      tag = 0;
      tag = r.varint32(end);
      if (tag === 0x09) q.quantile = r.double(end);
      else if (tag === 0x11) q.value = r.double(end);
      else r.skipField(tag, end, 0b110);
    }
  } catch (e) {
    throw within(e, where('ValueAtQuantile', ['', 'quantile', 'value'], tag));
  }
  return q;
}
