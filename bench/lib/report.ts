// Shared helpers for benchmarks: every benchmark prints ratios against a baseline measured in the same run,
// because these machines are shared and noisy (absolute times drift from run to run).
import os from 'node:os';

/** Median of a list of numbers (the list is sorted in place). */
export function median(xs: number[]): number {
  xs.sort((a, b) => a - b);
  const n = xs.length;
  return n === 0 ? NaN : n % 2 ? xs[(n - 1) / 2] : (xs[n / 2 - 1] + xs[n / 2]) / 2;
}

/** Runs fn(iterations) `rounds` times and returns the median nanoseconds per iteration. */
export function nsPerOp(fn: (iterations: number) => void, iterations: number, rounds = 7): number {
  fn(Math.min(iterations, 10_000)); // warm up the JIT
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    fn(iterations);
    samples.push(Number(process.hrtime.bigint() - t0) / iterations);
  }
  return median(samples);
}

/** One line that identifies the machine, printed at the top of every benchmark. */
export function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown cpu';
  return `${cpu} × ${os.cpus().length}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node.js ${process.version}, ${new Date().toISOString().slice(0, 10)}`;
}

/** Prints a Markdown table (so the output can be pasted into BENCHMARKS.md as is). */
export function table(headers: string[], rows: (string | number)[][]): void {
  const fmt = (v: string | number) => (typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toPrecision(4)) : v);
  console.log(`| ${headers.join(' | ')} |`);
  console.log(`| ${headers.map(() => '---').join(' | ')} |`);
  for (const r of rows) console.log(`| ${r.map(fmt).join(' | ')} |`);
}
