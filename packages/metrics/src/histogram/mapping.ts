// Value → bucket-index mapping of the OpenTelemetry base-2 exponential histogram, bit for bit as
// @opentelemetry/sdk-metrics (aggregator/exponential-histogram/mapping) computes it, so our bucket indices
// agree with what the OpenTelemetry SDKs and the Collector produce:
// - scale > 0 (LogarithmMapping): floor(ln(v) · 2^scale / ln 2), with exact powers of two placed in the
//   bucket below (bucket i holds (base^i, base^(i+1)]);
// - scale ≤ 0 (ExponentMapping): the float's exponent bits shifted right by −scale, powers of two again
//   corrected by −1.
// The logarithm is computed at scale 0 and multiplied by 2^scale, an exact operation, so index(s − 1) =
// index(s) >> 1 holds exactly across all scales > 0: downscaling buckets and recording at the lower scale
// agree, which is what makes merge exact. (At the boundary between the two mappings, a value within a few
// ulps below a power of two can differ by one bucket, as in the SDK.)

export const MIN_SCALE = -10;
export const MAX_SCALE = 20;

/** Smallest normal double, 2^−1022: smaller (subnormal) magnitudes all map to the lowest bucket. */
export const MIN_NORMAL_VALUE = 2 ** -1022;
const MIN_NORMAL_EXPONENT = -1022;
const MAX_NORMAL_EXPONENT = 1023;

// One shared 8-byte view to read a double's bits (exported for the histogram's inlined fast path); every
// read is synchronous, so sharing is safe.
export const f64 = new Float64Array(1);
export const u32 = new Uint32Array(f64.buffer);
/** Word of `u32` holding sign, exponent and the top 20 significand bits ([1] on little-endian machines). */
export const HI = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;
export const LO = 1 - HI;

/** The unbiased binary exponent of a positive normal double (2^e ≤ v < 2^(e+1)). */
export function exponentOf(value: number): number {
  f64[0] = value;
  return ((u32[HI] >>> 20) & 0x7ff) - 1023;
}

/** True when `value` is a positive power of two (significand bits all zero). */
export function isPowerOfTwo(value: number): boolean {
  f64[0] = value;
  return (u32[HI] & 0xfffff) === 0 && u32[LO] === 0;
}

/** ln(v) · this factor = the (real) bucket position at `scale`, for scale > 0. */
export function scaleFactor(scale: number): number {
  return Math.LOG2E * 2 ** scale;
}

/** Lowest index any value maps to at `scale` (where subnormals and 2^−1022 itself go, as in the SDK). */
export function minIndex(scale: number): number {
  if (scale > 0) return MIN_NORMAL_EXPONENT * 2 ** scale - 1;
  const shift = -scale;
  return shift < 2 ? (MIN_NORMAL_EXPONENT >> shift) - 1 : MIN_NORMAL_EXPONENT >> shift;
}

/** Highest index a finite value maps to at `scale`. */
export function maxIndex(scale: number): number {
  return scale > 0 ? (MAX_NORMAL_EXPONENT + 1) * 2 ** scale - 1 : MAX_NORMAL_EXPONENT >> -scale;
}

/**
 * The exact OpenTelemetry bucket index of a positive finite value at `scale` (−10..20). Used by the slow
 * path and by tests; the histogram's record() inlines the common case.
 */
export function mapToIndex(value: number, scale: number): number {
  if (scale > 0) {
    if (value <= MIN_NORMAL_VALUE) return minIndex(scale);
    if (isPowerOfTwo(value)) return exponentOf(value) * 2 ** scale - 1;
    const index = Math.floor(Math.log(value) * scaleFactor(scale));
    const max = maxIndex(scale);
    return index >= max ? max : index;
  }
  if (value < MIN_NORMAL_VALUE) return minIndex(scale);
  return (exponentOf(value) - (isPowerOfTwo(value) ? 1 : 0)) >> -scale;
}

/**
 * The lower boundary base^index of bucket `index` at `scale` (the bucket holds (lower, base^(index+1)]).
 * Exact for scale ≤ 0 and for indices on a power of two; otherwise within a few ulps. Beyond the double
 * range it returns 0 or Infinity rather than throwing (callers clamp to min/max).
 */
export function lowerBoundary(index: number, scale: number): number {
  if (scale <= 0) return 2 ** (index * 2 ** -scale);
  const per = 2 ** scale;
  if (index % per === 0) return 2 ** (index / per);
  return Math.exp((index * Math.LN2) / per);
}

/**
 * Lookup tables that replace the logarithm for scales ≤ TABLE_MAX_SCALE (Math.log alone costs 6–14 ns
 * here; the table path ~2 ns). Only the high word of the double is read: its top 20 significand bits `m20`
 * split each octave into 2^(scale+2) cells, and a bucket is wider than a cell (≥ ln2·2^−scale of the
 * octave vs 2^−scale/4), so at most one bucket boundary lies within reach of a cell. For cell c:
 * `bnd[c]` is that boundary's m20 (floor of its significand / 2^32; 2^31−1 when none), `sub[c]` the
 * bucket just below it. A value with m20 ≥ bnd + 2 is above the boundary, m20 ≤ bnd − 2 below it; with m20
 * within ±1 of it (3 in 2^20 of the octave per boundary, or exactly a power of two) the value takes
 * mapToIndex(), the SDK's own computation. Everywhere else the value is at least 2^32 significand units
 * (a relative 2^−20) from any boundary, far beyond the logarithm's rounding (≤ 2^(scale−40) of an index),
 * so table and SDK agree on every value.
 */
export const TABLE_MAX_SCALE = 10;

export interface IndexTable {
  /** bits to shift m20 right to get the cell */
  cellShift: number;
  sub: Int32Array;
  bnd: Int32Array;
}

const tables: (IndexTable | undefined)[] = [];

/** The (cached, built on first use) lookup table for 0 ≤ scale ≤ TABLE_MAX_SCALE. */
export function indexTable(scale: number): IndexTable {
  const cached = tables[scale];
  if (cached) return cached;
  const perOctave = 2 ** scale;
  const bits = scale + 2;
  const cells = 2 ** bits;
  const cellWidth = 2 ** (20 - bits); // in m20 units
  // m20 of boundary j of the octave (significand 2^52·(2^(j/2^scale) − 1) / 2^32); j = 0 and perOctave exact.
  const boundary = (j: number) => (j === 0 ? 0 : j === perOctave ? 2 ** 20 : Math.floor(2 ** 20 * (2 ** (j / perOctave) - 1)));
  const sub = new Int32Array(cells);
  const bnd = new Int32Array(cells);
  let j = 0; // the first boundary at or above the current cell's start − 2
  for (let c = 0; c < cells; c++) {
    const start = c * cellWidth;
    while (boundary(j) < start - 2) j++;
    sub[c] = j - 1;
    // A boundary up to 2 units beyond the cell still decides its last values; else the cell is in bucket j − 1.
    bnd[c] = boundary(j) <= start + cellWidth + 1 ? boundary(j) : 0x7fffffff;
  }
  const table = { cellShift: 20 - bits, sub, bnd };
  tables[scale] = table;
  return table;
}
