// Interleaved measurement: each round runs every contender once, in turn, so that a noisy neighbour on a
// shared machine slows all of them alike instead of whichever happened to run at that moment.
import { median } from './report.js';
import { mulberry32 } from '@perf/metrics';

export interface Contender {
  name: string;
  /** Runs the measured operation `iterations` times. */
  run: (iterations: number) => void;
}

/**
 * ns per iteration of each contender over `rounds` interleaved rounds (after one warm-up round): the
 * median, or with `quantile` < 0.5 a low percentile of the rounds. On a machine other jobs share, short
 * rounds and a low percentile (e.g. 0.1) measure the code rather than the time it spent descheduled.
 */
export function interleaved(contenders: Contender[], iterations: number, rounds = 9, quantile = 0.5): Map<string, number> {
  for (const c of contenders) c.run(iterations); // warm up the JIT on the real sizes
  const samples = new Map<string, number[]>(contenders.map((c) => [c.name, []]));
  for (let r = 0; r < rounds; r++) {
    for (const c of contenders) {
      const t0 = process.hrtime.bigint();
      c.run(iterations);
      samples.get(c.name)!.push(Number(process.hrtime.bigint() - t0) / iterations);
    }
  }
  const pick = (xs: number[]) => (quantile === 0.5 ? median(xs) : xs.sort((a, b) => a - b)[Math.floor(quantile * (xs.length - 1))]);
  return new Map([...samples].map(([name, xs]) => [name, pick(xs)]));
}

/** Seeded PRNG (mulberry32): reproducible benchmark inputs. */
export const prng = mulberry32;

/**
 * Latency-like values in seconds: log-normal around `median` with shape `sigma`, clamped to [lo, hi]
 * (default: median 5 ms, σ = 1.2, 100 µs..1 s).
 */
export function latencies(n: number, seed = 1, median = 0.005, sigma = 1.2, lo = 1e-4, hi = 1): Float64Array {
  const rnd = prng(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u1 = rnd() || 1e-12;
    const u2 = rnd();
    const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    out[i] = Math.min(hi, Math.max(lo, median * Math.exp(sigma * z)));
  }
  return out;
}
