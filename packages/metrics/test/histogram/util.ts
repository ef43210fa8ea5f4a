// Seeded, reproducible generators for the histogram property tests. A failing property prints its seed;
// rerun just that case with PERF_SEED=<seed>.
import { quantileRank } from '../../src/histogram/quantile.js';
import { mulberry32 } from '../../src/random.js';

/** mulberry32: a small, fast, seeded PRNG returning [0, 1). */
export const prng = mulberry32;

export type Rnd = () => number;

export function int(rnd: Rnd, lo: number, hi: number): number {
  return lo + Math.floor(rnd() * (hi - lo + 1));
}

export function pick<T>(rnd: Rnd, xs: readonly T[]): T {
  return xs[Math.floor(rnd() * xs.length)];
}

/** The next double above x (x > 0 finite). */
export function nextUp(x: number): number {
  const f = new Float64Array([x]);
  const u = new BigUint64Array(f.buffer);
  u[0] += 1n;
  return f[0];
}

/** The next double below x (x > 0 finite). */
export function nextDown(x: number): number {
  const f = new Float64Array([x]);
  const u = new BigUint64Array(f.buffer);
  u[0] -= 1n;
  return f[0];
}

export interface ValueOptions {
  negatives?: boolean;
  zeros?: boolean;
  /**
   * Include the doubles next to a power of two (one ulp above and below). The SDK's logarithm mapping
   * (scale > 0) files some of them one bucket off, its exponent mapping (scale ≤ 0) does not, so a
   * histogram that recorded such a value above scale 0 and was downscaled below it differs by one count
   * from one that recorded it below scale 0. That is OpenTelemetry's mapping, kept bit for bit; properties that compare
   * histograms with different scale histories leave these values out.
   */
  powerOfTwoNeighbours?: boolean;
}

/**
 * One value from a mix that covers what histograms meet: log-uniform over 1e-9..1e9, clusters, exact
 * powers of two and their neighbours (the bucket boundaries), zeros, and negatives of all of these.
 */
export function value(rnd: Rnd, opts: ValueOptions = {}): number {
  const { negatives = true, zeros = true, powerOfTwoNeighbours = true } = opts;
  const r = rnd();
  let v: number;
  if (zeros && r < 0.05) return 0;
  if (r < 0.15) {
    const p = 2 ** int(rnd, -30, 30);
    v = powerOfTwoNeighbours ? pick(rnd, [p, nextUp(p), nextDown(p)]) : p;
  } else if (r < 0.3) {
    v = 0.001 * (1 + rnd()); // a narrow cluster (one octave)
  } else {
    v = 10 ** (-9 + 18 * rnd());
  }
  return negatives && rnd() < 0.25 ? -v : v;
}

/** A data set of n values drawn with one of several shapes (so some stay narrow and keep a high scale). */
export function values(rnd: Rnd, n: number, opts: ValueOptions = {}): number[] {
  const shape = int(rnd, 0, 3);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    if (shape === 0) out.push(value(rnd, opts));
    else if (shape === 1) out.push(value(rnd, { ...opts, negatives: false, zeros: false }));
    else if (shape === 2) out.push(0.05 * (1 + rnd() * 0.1)); // 0.05..0.055: a very narrow range
    else out.push(rnd() < 0.5 ? -(10 ** (-3 + 4 * rnd())) : 10 ** (-3 + 4 * rnd()));
  }
  return out;
}

/** The exact q-quantile of the values: the ⌈q·n⌉-th smallest (the rank histograms use). */
export function exactQuantile(sorted: readonly number[], q: number): number {
  return sorted[quantileRank(q, sorted.length) - 1];
}

/**
 * Runs `cases` seeded cases of a property; on failure, rethrows with the seed in the message. With
 * PERF_SEED set, runs only that seed.
 */
export function forAllSeeds(cases: number, base: number, fn: (rnd: Rnd, seed: number) => void): void {
  const only = process.env.PERF_SEED;
  const seeds = only ? [Number(only)] : Array.from({ length: cases }, (_, i) => base + i);
  for (const seed of seeds) {
    try {
      fn(prng(seed), seed);
    } catch (err) {
      console.error(`property failed at seed ${seed}; rerun with PERF_SEED=${seed}`);
      const e = err as Error;
      e.message = `[seed ${seed}; rerun with PERF_SEED=${seed}] ${e.message}`;
      throw e;
    }
  }
}
