// Encodes the model to ExportMetricsServiceRequest protobuf bytes (the simulator and the tests send it).
// One growable buffer; a length-delimited field reserves one byte for its length and, when the content
// turns out to be 128 bytes or more, shifts the content right once (copyWithin) to make room.
// Proto3 defaults (0, '', false, +0.0) are not written; optional fields (sum/min/max) are written when
// defined, even when 0; -0.0 is written so that it survives a round trip.
import type {
  AttributeValue,
  Attributes,
  ExponentialBuckets,
  ExponentialHistogramDataPoint,
  ExportMetricsRequest,
  HistogramDataPoint,
  Metric,
  NumberDataPoint,
  ResourceMetrics,
  ScopeMetrics,
  SummaryDataPoint,
  Temporality,
} from '../model.js';

const TWO_32 = 4294967296;
const utf8 = new TextEncoder();

let buf = new Uint8Array(64 * 1024);
let view = new DataView(buf.buffer);
let pos = 0;

/** Encodes an `ExportMetricsServiceRequest` to protobuf bytes. Counts and timestamps must be non-negative integers. */
export function encodeProtobuf(request: ExportMetricsRequest): Uint8Array {
  pos = 0;
  for (const rm of request.resourceMetrics) {
    tag(0x0a);
    const s = begin();
    writeResourceMetrics(rm);
    finish(s);
  }
  const out = buf.slice(0, pos);
  if (buf.length > 4 * 1024 * 1024) {
    // do not keep a huge scratch buffer alive after one big request
    buf = new Uint8Array(64 * 1024);
    view = new DataView(buf.buffer);
  }
  return out;
}

// ---- primitives -----------------------------------------------------------------------------------------

function ensure(n: number): void {
  if (pos + n <= buf.length) return;
  let size = buf.length * 2;
  while (size < pos + n) size *= 2;
  const next = new Uint8Array(size);
  next.set(buf.subarray(0, pos));
  buf = next;
  view = new DataView(buf.buffer);
}

function tag(t: number): void {
  ensure(11); // the tag plus the largest fixed-size value that may follow without its own ensure
  if (t < 0x80) buf[pos++] = t;
  else uvarint(t);
}

/** Unsigned varint of a non-negative integer (up to 2^64); negative integers as 64-bit two's complement. */
function uvarint(v: number): void {
  ensure(10);
  if (v >= 0 && v < 0x80000000) {
    while (v > 0x7f) {
      buf[pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[pos++] = v;
    return;
  }
  const h = Math.floor(v / TWO_32);
  let lo = (v - h * TWO_32) >>> 0;
  let hi = h >>> 0;
  while (hi !== 0 || lo > 0x7f) {
    buf[pos++] = (lo & 0x7f) | 0x80;
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>>= 7;
  }
  buf[pos++] = lo;
}

function sint32(v: number): void {
  uvarint(((v << 1) ^ (v >> 31)) >>> 0);
}

/** fixed64 and sfixed64 (two's complement for negatives). */
function fixed64(v: number): void {
  ensure(8);
  const h = Math.floor(v / TWO_32);
  view.setUint32(pos, (v - h * TWO_32) >>> 0, true);
  view.setUint32(pos + 4, h >>> 0, true);
  pos += 8;
}

function double(v: number): void {
  ensure(8);
  view.setFloat64(pos, v, true);
  pos += 8;
}

function string(t: number, s: string): void {
  tag(t);
  if (s.length < 0x80) {
    ensure(1 + s.length);
    let i = 0;
    const start = pos + 1;
    for (; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      buf[start + i] = c;
    }
    if (i === s.length) {
      buf[pos] = i;
      pos = start + i;
      return;
    }
  }
  const s0 = begin();
  ensure(s.length * 3);
  pos += utf8.encodeInto(s, buf.subarray(pos)).written;
  finish(s0);
}

/** Reserves one byte for a length; `finish` writes it (shifting the content when it needs more bytes). */
function begin(): number {
  ensure(1);
  return pos++;
}

function finish(start: number): void {
  const len = pos - start - 1;
  if (len < 0x80) {
    buf[start] = len;
    return;
  }
  let extra = 1;
  for (let v = len >>> 14; v > 0; v >>>= 7) extra++;
  ensure(extra);
  buf.copyWithin(start + 1 + extra, start + 1, pos);
  const end = pos + extra;
  pos = start;
  uvarint(len);
  pos = end;
}

function isPositiveZero(v: number): boolean {
  return v === 0 && 1 / v > 0;
}

function temporalityNumber(t: Temporality): number {
  return t === 'cumulative' ? 2 : t === 'delta' ? 1 : 0;
}

// ---- messages ---------------------------------------------------------------------------------------------

function writeResourceMetrics(rm: ResourceMetrics): void {
  const r = rm.resource;
  tag(0x0a);
  const s = begin();
  writeAttributes(0x0a, r.attributes);
  if (r.droppedAttributesCount !== 0) {
    tag(0x10);
    uvarint(r.droppedAttributesCount);
  }
  finish(s);
  for (const sm of rm.scopeMetrics) {
    tag(0x12);
    const s2 = begin();
    writeScopeMetrics(sm);
    finish(s2);
  }
  if (rm.schemaUrl !== '') string(0x1a, rm.schemaUrl);
}

function writeScopeMetrics(sm: ScopeMetrics): void {
  const sc = sm.scope;
  tag(0x0a);
  const s = begin();
  if (sc.name !== '') string(0x0a, sc.name);
  if (sc.version !== '') string(0x12, sc.version);
  writeAttributes(0x1a, sc.attributes);
  if (sc.droppedAttributesCount !== 0) {
    tag(0x20);
    uvarint(sc.droppedAttributesCount);
  }
  finish(s);
  for (const m of sm.metrics) {
    tag(0x12);
    const s2 = begin();
    writeMetric(m);
    finish(s2);
  }
  if (sm.schemaUrl !== '') string(0x1a, sm.schemaUrl);
}

function writeAttributes(t: number, attrs: Attributes): void {
  for (const key of Object.keys(attrs)) {
    tag(t);
    const s = begin();
    writeKeyValue(key, attrs[key]);
    finish(s);
  }
}

function writeKeyValue(key: string, value: AttributeValue): void {
  if (key !== '') string(0x0a, key);
  if (value !== null) {
    tag(0x12);
    const s = begin();
    writeAnyValue(value);
    finish(s);
  }
}

function writeAnyValue(v: AttributeValue): void {
  if (typeof v === 'string') string(0x0a, v);
  else if (typeof v === 'number') {
    // Safe integers travel as int_value, everything else (fractions, -0, NaN, ±Infinity, huge) as double_value.
    if (Number.isSafeInteger(v) && !(v === 0 && 1 / v < 0)) {
      tag(0x18);
      uvarint(v);
    } else {
      tag(0x21);
      double(v);
    }
  } else if (typeof v === 'boolean') {
    tag(0x10);
    buf[pos++] = v ? 1 : 0;
  } else if (Array.isArray(v)) {
    tag(0x2a);
    const s = begin();
    for (const item of v) {
      tag(0x0a);
      const s2 = begin();
      if (item !== null) writeAnyValue(item);
      finish(s2);
    }
    finish(s);
  } else if (v !== null && typeof v === 'object') {
    tag(0x32);
    const s = begin();
    writeAttributes(0x0a, v);
    finish(s);
  }
}

function writeMetric(m: Metric): void {
  if (m.name !== '') string(0x0a, m.name);
  if (m.description !== '') string(0x12, m.description);
  if (m.unit !== '') string(0x1a, m.unit);
  switch (m.type) {
    case 'gauge': {
      tag(0x2a);
      const s = begin();
      for (const p of m.points) writeNumberPoint(p);
      finish(s);
      break;
    }
    case 'sum': {
      tag(0x3a);
      const s = begin();
      for (const p of m.points) writeNumberPoint(p);
      writeTemporality(m.temporality);
      if (m.monotonic) {
        tag(0x18);
        buf[pos++] = 1;
      }
      finish(s);
      break;
    }
    case 'histogram': {
      tag(0x4a);
      const s = begin();
      for (const p of m.points) writeHistogramPoint(p);
      writeTemporality(m.temporality);
      finish(s);
      break;
    }
    case 'exponentialHistogram': {
      tag(0x52);
      const s = begin();
      for (const p of m.points) writeExponentialPoint(p);
      writeTemporality(m.temporality);
      finish(s);
      break;
    }
    case 'summary': {
      tag(0x5a);
      const s = begin();
      for (const p of m.points) writeSummaryPoint(p);
      finish(s);
      break;
    }
    case 'empty':
      break;
  }
}

function writeTemporality(t: Temporality): void {
  const n = temporalityNumber(t);
  if (n !== 0) {
    tag(0x10);
    buf[pos++] = n;
  }
}

function writeTimes(start: number, time: number): void {
  if (start !== 0) {
    tag(0x11);
    fixed64(start);
  }
  if (time !== 0) {
    tag(0x19);
    fixed64(time);
  }
}

function writeFlags(t: number, flags: number): void {
  if (flags !== 0) {
    tag(t);
    uvarint(flags >>> 0);
  }
}

function writeOptionalDouble(t: number, v: number | undefined): void {
  if (v !== undefined) {
    tag(t);
    double(v);
  }
}

function writeNumberPoint(p: NumberDataPoint): void {
  tag(0x0a);
  const s = begin();
  writeAttributes(0x3a, p.attributes);
  writeTimes(p.startTimeUnixNano, p.timeUnixNano);
  if (p.isInt) {
    tag(0x31);
    fixed64(p.value);
  } else {
    tag(0x21);
    double(p.value);
  }
  writeFlags(0x40, p.flags);
  finish(s);
}

function writeHistogramPoint(p: HistogramDataPoint): void {
  tag(0x0a);
  const s = begin();
  writeAttributes(0x4a, p.attributes);
  writeTimes(p.startTimeUnixNano, p.timeUnixNano);
  if (p.count !== 0) {
    tag(0x21);
    fixed64(p.count);
  }
  writeOptionalDouble(0x29, p.sum);
  if (p.bucketCounts.length > 0) {
    tag(0x32);
    uvarint(p.bucketCounts.length * 8);
    const counts = p.bucketCounts;
    for (let i = 0; i < counts.length; i++) fixed64(counts[i]);
  }
  if (p.explicitBounds.length > 0) {
    tag(0x3a);
    uvarint(p.explicitBounds.length * 8);
    for (const b of p.explicitBounds) double(b);
  }
  writeFlags(0x50, p.flags);
  writeOptionalDouble(0x59, p.min);
  writeOptionalDouble(0x61, p.max);
  finish(s);
}

function writeExponentialPoint(p: ExponentialHistogramDataPoint): void {
  tag(0x0a);
  const s = begin();
  writeAttributes(0x0a, p.attributes);
  writeTimes(p.startTimeUnixNano, p.timeUnixNano);
  if (p.count !== 0) {
    tag(0x21);
    fixed64(p.count);
  }
  writeOptionalDouble(0x29, p.sum);
  if (p.scale !== 0) {
    tag(0x30);
    sint32(p.scale);
  }
  if (p.zeroCount !== 0) {
    tag(0x39);
    fixed64(p.zeroCount);
  }
  writeBuckets(0x42, p.positive);
  writeBuckets(0x4a, p.negative);
  writeFlags(0x50, p.flags);
  writeOptionalDouble(0x61, p.min);
  writeOptionalDouble(0x69, p.max);
  if (!isPositiveZero(p.zeroThreshold)) {
    tag(0x71);
    double(p.zeroThreshold);
  }
  finish(s);
}

function writeBuckets(t: number, b: ExponentialBuckets): void {
  if (b.offset === 0 && b.bucketCounts.length === 0) return;
  tag(t);
  const s = begin();
  if (b.offset !== 0) {
    tag(0x08);
    sint32(b.offset);
  }
  if (b.bucketCounts.length > 0) {
    tag(0x12);
    const s2 = begin();
    const counts = b.bucketCounts;
    for (let i = 0; i < counts.length; i++) uvarint(counts[i]);
    finish(s2);
  }
  finish(s);
}

function writeSummaryPoint(p: SummaryDataPoint): void {
  tag(0x0a);
  const s = begin();
  writeAttributes(0x3a, p.attributes);
  writeTimes(p.startTimeUnixNano, p.timeUnixNano);
  if (p.count !== 0) {
    tag(0x21);
    fixed64(p.count);
  }
  if (!isPositiveZero(p.sum)) {
    tag(0x29);
    double(p.sum);
  }
  for (const q of p.quantileValues) {
    tag(0x32);
    const s2 = begin();
    if (!isPositiveZero(q.quantile)) {
      tag(0x09);
      double(q.quantile);
    }
    if (!isPositiveZero(q.value)) {
      tag(0x11);
      double(q.value);
    }
    finish(s2);
  }
  writeFlags(0x40, p.flags);
  finish(s);
}
