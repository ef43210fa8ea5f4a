// Where decoded bucket counts live: the counts of one request go into a few large Float64Arrays (chunks),
// and each point's `bucketCounts` is a view of its part. Measured in bench:decode (standalone, same bodies,
// MB/s at ~90 / ~370 / ~1,500 buckets per point): a `number[]` per point 231 / 96 / 106 (the collector copies
// every array in each scavenge, and at 370+ buckets V8 falls into full collections); a Float64Array per point
// 129 / 203 / 230 (each one over 64 bytes gets its own off-heap backing store: allocating and sweeping
// 3,150 of them per request costs more than the arrays' contents); views of shared chunks 242 / 287 / 257,
// and 282 / 377 / 259 with the decoders' other changes (no counting pass, chunks not zero-filled). Views made
// by `new Float64Array(buffer, byteOffset, length)`: `subarray` was no faster in any bench:decode run.
//
// A chunk is not zero-filled: its unwritten tail holds whatever that memory held before, reachable through a
// view's `.buffer` (as with Buffer.allocUnsafe). Read the views; never hand their `.buffer` on.
//
// A view keeps its whole chunk alive, i.e. the counts of up to CHUNK other buckets of the same request:
// whoever holds decoded points past the request they came in (none of apps/web does) should `slice()` the
// counts they keep.

/** The counts of a point (or sign) without buckets. Shared: never write to it. */
export const NO_COUNTS = new Float64Array(0);

/** Doubles per chunk (512 KiB): a few chunks per large request; a small request gets a smaller one. */
const CHUNK = 65536;

export class CountsArena {
  /** The chunk being filled, and how many of its doubles are taken. */
  chunk: Float64Array = NO_COUNTS;
  used = 0;

  /**
   * A chunk with room for `n` counts from `this.used` (a new chunk when the current one is full). `left`
   * bounds how many counts the rest of the request can still hold (e.g. its bytes left): a new chunk is
   * no larger than that, so a small request does not take a whole CHUNK.
   */
  reserve(n: number, left: number): Float64Array {
    if (n <= this.chunk.length - this.used) return this.chunk;
    const size = Math.max(n, Math.min(CHUNK, left));
    // Not zero-filled: a zeroed Float64Array of 64 Ki doubles took 97 µs to allocate, this 6 µs (11.5 Ki, a
    // per-node export's chunk: 13 against 1.8 µs). Only the parts already written are ever viewed.
    this.chunk = new Float64Array(Buffer.allocUnsafeSlow(size * 8).buffer, 0, size);
    this.used = 0;
    return this.chunk;
  }

  /** The view of `n` counts written into `chunk` (the current one) from `at`, which become taken. */
  take(chunk: Float64Array, at: number, n: number): Float64Array {
    this.used = at + n;
    return new Float64Array(chunk.buffer, at * 8, n);
  }

  /**
   * `prev` with `v` appended (unpacked repeated counts, one per field: legal, rare). Grows in place while
   * `prev` is the last view taken, so n appends cost O(n) copies in all.
   */
  push(prev: Float64Array, v: number, left: number): Float64Array {
    const n = prev.length;
    let c = this.chunk;
    let at = prev.byteOffset / 8;
    if (prev.buffer !== c.buffer || at + n !== this.used || this.used === c.length) {
      c = this.reserve(2 * n + 8, left);
      at = this.used;
      c.set(prev, at);
    }
    c[at + n] = v;
    return this.take(c, at, n + 1);
  }

  /** `a` followed by `b` (a second packed field for the same counts: legal, rare). */
  concat(a: Float64Array, b: Float64Array, left: number): Float64Array {
    if (a.length === 0) return b;
    const c = this.reserve(a.length + b.length, left);
    const at = this.used;
    c.set(a, at);
    c.set(b, at + a.length);
    return this.take(c, at, a.length + b.length);
  }
}
