// The wire-level half of the protobuf reader: one WireReader per decode holds the bytes, the position and
// the budgets from DecodeLimits; the message readers (read-*.ts) call its primitives. Every primitive
// checks the bytes it needs against `end` (the end of the enclosing message) before reading, and every
// failure is a DecodeFailure carrying the byte offset.
import { DecodeFailure, OtlpErrorCode as Code, type OtlpErrorCode } from '../errors.js';
import { CountsArena } from '../counts.js';
import type { DecodeLimits } from '../limits.js';

const TWO_32 = 4294967296;
// 64-bit values that round to 2^64 (unsigned) or 2^63 (signed) as doubles read as the largest double
// below, so every decoded number encodes back to the same wire value (found by the fuzz test).
const U64_TOP = 18446744073709549568; // 2^64 - 2048
const I64_TOP = 9223372036854774784; // 2^63 - 1024
/** Deeper recursion than this could exhaust the stack, whatever DecodeLimits says. */
const HARD_MAX_DEPTH = 64;
// fatal: invalid UTF-8 is refused (PERF_OTLP_BAD_UTF8) as protobuf-go does; ignoreBOM keeps a leading BOM as data.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

// Short ASCII strings (attribute keys, routes, methods, metric names) repeat in every point and every
// request: they come from a small direct-mapped cache keyed by a hash of their bytes, so a repeated key
// costs one pass over its bytes and allocates nothing (and every point shares one string instance).
// Building them per point (char by char, or through TextDecoder) put the garbage collector at ~40% of
// the decode time in bench:decode (56 → 200 MB/s with the cache).
const CACHE_BITS = 12;
const cache: string[] = new Array<string>(1 << CACHE_BITS).fill('');

export class WireReader {
  readonly buf: Uint8Array;
  readonly view: DataView;
  pos = 0;
  pointsLeft: number;
  metricsLeft: number;
  readonly maxBuckets: number;
  readonly maxDepth: number;
  /** Where this request's bucket counts go (see counts.ts). */
  readonly counts = new CountsArena();

  constructor(bytes: Uint8Array, limits: Required<DecodeLimits>) {
    this.buf = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pointsLeft = limits.maxPoints;
    this.metricsLeft = limits.maxMetrics;
    this.maxBuckets = limits.maxBuckets;
    this.maxDepth = Math.min(limits.maxDepth, HARD_MAX_DEPTH);
  }

  fail(code: OtlpErrorCode, detail: string): never {
    throw new DecodeFailure(code, detail, this.pos);
  }

  truncated(): never {
    this.fail(Code.TRUNCATED, 'the input ends inside a value');
  }

  tooManyBuckets(): never {
    this.fail(Code.TOO_MANY_BUCKETS, `more than ${this.maxBuckets} buckets in one histogram point (DecodeLimits.maxBuckets)`);
  }

  /** Low 32 bits of a varint as an unsigned number: tags, uint32, enums (int32 callers apply `| 0`). */
  varint32(end: number): number {
    if (this.pos >= end) this.truncated();
    const b = this.buf[this.pos++];
    return b < 0x80 ? b : this.varint32Slow(b, end);
  }

  private varint32Slow(first: number, end: number): number {
    let v = first & 0x7f;
    for (let shift = 7; shift <= 63; shift += 7) {
      if (this.pos >= end) this.truncated();
      const b = this.buf[this.pos++];
      if (shift < 32) v |= (b & 0x7f) << shift;
      if (b < 0x80) {
        if (shift === 63 && b > 1) this.fail(Code.VARINT_TOO_LONG, 'varint overflows 64 bits');
        return v >>> 0;
      }
    }
    this.fail(Code.VARINT_TOO_LONG, 'varint longer than 10 bytes');
  }

  /** A uint64 varint as a number (exact up to 2^53). */
  uvarint64(end: number): number {
    if (this.pos >= end) this.truncated();
    const b = this.buf[this.pos++];
    return b < 0x80 ? b : this.varint64Slow(b, end, false);
  }

  /** An int64 varint (two's complement) as a number. */
  svarint64(end: number): number {
    if (this.pos >= end) this.truncated();
    const b = this.buf[this.pos++];
    return b < 0x80 ? b : this.varint64Slow(b, end, true);
  }

  private varint64Slow(first: number, end: number, signed: boolean): number {
    let lo = first & 0x7f;
    let hi = 0;
    for (let shift = 7; shift <= 63; shift += 7) {
      if (this.pos >= end) this.truncated();
      const b = this.buf[this.pos++];
      if (shift < 28) lo |= (b & 0x7f) << shift;
      else if (shift === 28) {
        lo |= (b & 0x0f) << 28;
        hi = (b & 0x7f) >>> 4;
      } else hi |= (b & 0x7f) << (shift - 32);
      if (b < 0x80) {
        if (shift === 63 && b > 1) this.fail(Code.VARINT_TOO_LONG, 'varint overflows 64 bits');
        lo >>>= 0;
        if (signed && hi < 0) return hi * TWO_32 + lo;
        const v = (hi >>> 0) * TWO_32 + lo;
        return v < I64_TOP || (!signed && v < U64_TOP) ? v : signed ? I64_TOP : U64_TOP;
      }
    }
    this.fail(Code.VARINT_TOO_LONG, 'varint longer than 10 bytes');
  }

  bool(end: number): boolean {
    return this.uvarint64(end) !== 0;
  }

  sint32(end: number): number {
    const v = this.varint32(end);
    return (v >>> 1) ^ -(v & 1);
  }

  fixed64(end: number): number {
    const p = this.pos;
    if (end - p < 8) this.truncated();
    const v = this.view.getUint32(p + 4, true) * TWO_32 + this.view.getUint32(p, true);
    this.pos = p + 8;
    return v < U64_TOP ? v : U64_TOP;
  }

  sfixed64(end: number): number {
    const p = this.pos;
    if (end - p < 8) this.truncated();
    const v = this.view.getInt32(p + 4, true) * TWO_32 + this.view.getUint32(p, true);
    this.pos = p + 8;
    return v < I64_TOP ? v : I64_TOP;
  }

  double(end: number): number {
    const p = this.pos;
    if (end - p < 8) this.truncated();
    this.pos = p + 8;
    return this.view.getFloat64(p, true);
  }

  /** Reads a length prefix and returns where the field ends, checked against its enclosing message. */
  lenEnd(end: number): number {
    if (this.pos >= end) this.truncated();
    const b = this.buf[this.pos++];
    const len = b < 0x80 ? b : this.varint64Slow(b, end, false);
    if (len > end - this.pos) this.fail(Code.LENGTH_OUT_OF_RANGE, `length ${len} exceeds the ${end - this.pos} bytes left in the enclosing message`);
    return this.pos + len;
  }

  /** Skips a length-delimited field (exemplars, metadata). */
  skipLen(end: number): void {
    this.pos = this.lenEnd(end);
  }

  string(end: number): string {
    const stop = this.lenEnd(end);
    const start = this.pos;
    this.pos = stop;
    const n = stop - start;
    if (n > 64) return this.utf8(start, stop);
    const b8 = this.buf;
    // hash and ASCII test four bytes at a time
    let h = n;
    let high = 0;
    let i = start;
    for (; i + 4 <= stop; i += 4) {
      const w = b8[i] | (b8[i + 1] << 8) | (b8[i + 2] << 16) | (b8[i + 3] << 24);
      high |= w;
      h = Math.imul(h ^ w, 0x9e3779b1);
    }
    for (; i < stop; i++) {
      high |= b8[i];
      h = Math.imul(h ^ b8[i], 0x01000193);
    }
    if ((high & 0x80808080) !== 0) return this.utf8(start, stop);
    const slot = (h ^ (h >>> 16)) & ((1 << CACHE_BITS) - 1);
    const hit = cache[slot];
    if (hit.length === n) {
      let k = 0;
      while (k < n && hit.charCodeAt(k) === b8[start + k]) k++;
      if (k === n) return hit;
    }
    const s = n === 0 ? '' : String.fromCharCode.apply(null, b8.subarray(start, stop) as unknown as number[]);
    cache[slot] = s;
    return s;
  }

  private utf8(start: number, stop: number): string {
    try {
      return utf8.decode(this.buf.subarray(start, stop));
    } catch {
      throw new DecodeFailure(Code.BAD_UTF8, 'a string field is not valid UTF-8', start);
    }
  }

  /**
   * Skips a field the message reader does not use (forward compatibility), by wire type. `known` has bit
   * n set for each field number n < 32 the message defines: those must arrive with their own wire type.
   */
  skipField(tag: number, end: number, known: number): void {
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field === 0) this.fail(Code.BAD_FIELD, 'field number 0 is invalid');
    if (field < 32 && (known >>> field) & 1) this.fail(Code.BAD_WIRE_TYPE, `field ${field} arrived with wire type ${wt}, which its type cannot have`);
    switch (wt) {
      case 0:
        this.uvarint64(end);
        return;
      case 1:
        if (end - this.pos < 8) this.truncated();
        this.pos += 8;
        return;
      case 2:
        this.pos = this.lenEnd(end);
        return;
      case 5:
        if (end - this.pos < 4) this.truncated();
        this.pos += 4;
        return;
      default:
        this.fail(Code.BAD_WIRE_TYPE, `wire type ${wt} (field ${field}) is not supported`);
    }
  }

  /** Packed doubles (explicit bounds) appended to `prev`. */
  packedDouble(prev: number[], end: number): number[] {
    const stop = this.lenEnd(end);
    const n = this.fixed64Elements(stop);
    if (prev.length + n > this.maxBuckets) this.tooManyBuckets();
    const out = prev.length === 0 ? new Array<number>(n) : prev;
    let i = prev.length;
    const view = this.view;
    for (let p = this.pos; p < stop; p += 8) out[i++] = view.getFloat64(p, true);
    this.pos = stop;
    return out;
  }

  /** Packed fixed64 counts (explicit-bucket histograms), as a view into this request's counts; at most `budget`. */
  packedFixed64(end: number, budget: number): Float64Array {
    const stop = this.lenEnd(end);
    const n = this.fixed64Elements(stop);
    if (n > budget) this.tooManyBuckets();
    const counts = this.counts;
    const c = counts.reserve(n, this.buf.length - this.pos);
    const at = counts.used;
    let i = at;
    const view = this.view;
    for (let p = this.pos; p < stop; p += 8) {
      const hi = view.getUint32(p + 4, true);
      const lo = view.getUint32(p, true);
      c[i++] = hi === 0 ? lo : Math.min(hi * TWO_32 + lo, U64_TOP);
    }
    this.pos = stop;
    return counts.take(c, at, n);
  }

  private fixed64Elements(stop: number): number {
    const bytes = stop - this.pos;
    if ((bytes & 7) !== 0) this.fail(Code.TRUNCATED, `packed 64-bit field of ${bytes} bytes is not a whole number of elements`);
    return bytes >>> 3;
  }

  /** Packed uint64 varints (exponential buckets), as a view into this request's counts; at most `budget`. */
  packedUvarint(end: number, budget: number): Float64Array {
    const stop = this.lenEnd(end);
    const b8 = this.buf;
    let p = this.pos;
    if (stop > p && b8[stop - 1] >= 0x80) {
      this.pos = stop;
      this.fail(Code.TRUNCATED, 'the last varint of a packed field runs past the field');
    }
    // Every element takes at least one byte, so the field's length bounds the count: the elements are
    // decoded straight into the chunk with no counting pass first (counting was ~¼ of this function's
    // time). Only a field longer than the budget is counted, so that a too-long one is refused before
    // anything is allocated for it.
    const bytes = stop - p;
    if (bytes > budget && countVarints(b8, this.view, p, stop) > budget) this.tooManyBuckets();
    const counts = this.counts;
    const c = counts.reserve(bytes < budget ? bytes : budget, b8.length - p);
    const at = counts.used;
    let i = at;
    // The field ends with a terminating byte, so a varint that continues always has its next byte in
    // range: up to 4 bytes (counts < 2^28) are read without bounds checks; longer ones take the general path.
    while (p < stop) {
      let b = b8[p++];
      if (b < 0x80) {
        c[i++] = b;
        continue;
      }
      let v = b & 0x7f;
      b = b8[p++];
      if (b < 0x80) {
        c[i++] = v | (b << 7);
        continue;
      }
      v |= (b & 0x7f) << 7;
      b = b8[p++];
      if (b < 0x80) {
        c[i++] = v | (b << 14);
        continue;
      }
      v |= (b & 0x7f) << 14;
      b = b8[p++];
      if (b < 0x80) {
        c[i++] = v | (b << 21);
        continue;
      }
      this.pos = p - 4;
      c[i++] = this.uvarint64(stop);
      p = this.pos;
    }
    this.pos = p;
    return counts.take(c, at, i - at);
  }
}

/** The varints in b8[p, stop): the bytes without a continuation bit, four at a time (high bits summed by a multiply). */
function countVarints(b8: Uint8Array, view: DataView, p: number, stop: number): number {
  let n = stop - p;
  let i = p;
  for (; i + 4 <= stop; i += 4) n -= Math.imul((view.getUint32(i, true) >>> 7) & 0x01010101, 0x01010101) >>> 24;
  for (; i < stop; i++) n -= b8[i] >>> 7;
  return n;
}

/** Path segment for error messages: `Message.field` for the field being read when the failure happened. */
export function where(message: string, names: readonly string[], tag: number): string {
  if (tag === 0) return message;
  const f = tag >>> 3;
  return `${message}.${names[f] || `field ${f}`}`;
}
