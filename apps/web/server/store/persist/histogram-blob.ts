// Store histograms as SQLite blobs: the bytes a slot's histogram is written as, and read back from, checked.
import { StoreHistogram } from '../histogram.js';
import { MAX_STORED_DURATION } from '../domain.js';

/** A stored row that cannot be what it claims (skipped at load, and counted). */
export class RowDamage extends Error {}

const HEADER = 8;
/** 'PH2\0': a histogram blob whose counts are stored in the width the store holds them (version 2) */
const HIST_MAGIC = 0x00324850;
/** bytes before a version-2 blob's float64 header: the magic, the counts' kind, padding */
const PREFIX = 8;
const KINDS = [undefined, Uint16Array, Uint32Array, Float64Array] as const;

/**
 * Histogram → bytes: the magic and the counts' kind (1 Uint16, 2 Uint32, 3 Float64), 8 float64 header fields
 * (scale, offset, length, zero, count, sum, min, max), then the counts in that kind. Settled slots are sealed
 * (whole counts in 16 or 32 bits), so a slot costs 2–4 bytes a bucket on disk as in memory (Float64 throughout
 * made a busy route's week a 127 MB file).
 */
export function encodeHist(h: StoreHistogram): Buffer {
  const counts = h.counts.subarray(0, h.length);
  const kind = counts instanceof Uint16Array ? 1 : counts instanceof Uint32Array ? 2 : 3;
  const buf = Buffer.allocUnsafe(PREFIX + HEADER * 8 + counts.byteLength);
  buf.writeUInt32LE(HIST_MAGIC, 0);
  buf.writeUInt32LE(kind, 4);
  const head = new Float64Array([h.scale, h.offset, h.length, h.zeroCount, h.count, h.sum, h.min, h.max]);
  buf.set(new Uint8Array(head.buffer), PREFIX);
  buf.set(new Uint8Array(counts.buffer, counts.byteOffset, counts.byteLength), PREFIX + HEADER * 8);
  return buf;
}

/**
 * Bytes → histogram, or a RowDamage when they cannot be one: SQLite's integrity check sees the file's structure, not
 * what a blob holds, and a damaged one made every start fail, or set the percentiles of a whole window to null, or
 * spun the process at 100% CPU (durability audit). Reads version-2 blobs and the Float64-only ones written before.
 */
export function decodeHist(buf: Buffer, maxBuckets = 2048): StoreHistogram {
  let head: Float64Array;
  let counts: Float64Array | Uint32Array | Uint16Array;
  if (buf.byteLength >= PREFIX + HEADER * 8 && buf.readUInt32LE(0) === HIST_MAGIC) {
    const Kind = KINDS[buf.readUInt32LE(4)];
    const body = buf.byteLength - PREFIX - HEADER * 8;
    if (Kind === undefined || body % Kind.BYTES_PER_ELEMENT !== 0) throw new RowDamage(`a histogram of ${buf.byteLength} bytes`);
    head = new Float64Array(buf.buffer.slice(buf.byteOffset + PREFIX, buf.byteOffset + PREFIX + HEADER * 8));
    // a copy of the bytes (aligned for the typed array; the Buffer may sit at any offset of a shared pool)
    counts = new Kind(Uint8Array.prototype.slice.call(buf, PREFIX + HEADER * 8).buffer);
  } else {
    if (buf.byteLength % 8 !== 0 || buf.byteLength < HEADER * 8) throw new RowDamage(`a histogram of ${buf.byteLength} bytes`);
    const a = new Float64Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
    head = a.subarray(0, HEADER);
    counts = a.slice(HEADER);
  }
  const [scale, offset, length, zeroCount, count, sum, min, max] = head;
  const sane =
    Number.isInteger(scale) &&
    scale >= -10 &&
    scale <= 20 &&
    Number.isInteger(offset) &&
    Math.abs(offset) < 2 ** 30 &&
    length === counts.length &&
    length <= maxBuckets &&
    zeroCount >= 0 &&
    count >= 0 &&
    Number.isFinite(count) &&
    Number.isFinite(sum) &&
    (Number.isFinite(min) ? min >= 0 : min === Infinity) &&
    (Number.isFinite(max) ? max >= 0 && max <= MAX_STORED_DURATION : max === -Infinity);
  if (!sane) throw new RowDamage('a histogram whose header is not one');
  // no bucket holds more than the whole histogram (a little over it: buckets and count are summed in different orders)
  const most = count * (1 + 1e-9) + 1e-9;
  if (counts instanceof Float64Array) for (let i = 0; i < counts.length; i++) if (!(counts[i] >= 0 && counts[i] <= most)) throw new RowDamage('a histogram with a bad count');
  const h = new StoreHistogram(scale, maxBuckets, 0);
  h.offset = offset;
  h.length = length;
  h.zeroCount = zeroCount;
  h.count = count;
  h.sum = sum;
  h.min = min;
  h.max = max;
  h.counts = counts;
  // as the store keeps settled slots: whole counts in 16 or 32 bits (read back as Float64 they took 2–4× the memory)
  if (counts instanceof Float64Array) h.seal();
  return h;
}
