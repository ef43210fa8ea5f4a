import { mulberry32 } from '@perf/metrics';

/** Seeded PRNG (@perf/metrics' mulberry32) and the distributions the simulator draws from. Deterministic per seed. */
export class Random {
  /** uniform in [0, 1) */
  readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed >>> 0 || 1);
  }
  /** standard normal (Box–Muller) */
  normal(): number {
    let u = this.next();
    while (u === 0) u = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
  /** lognormal with the given median and shape σ (of ln) */
  lognormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }
}
