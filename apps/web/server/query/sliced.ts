// Reads that give the event loop back: a long read (a chart's hour, a heatmap) is a generator that yields after each
// point, and the API runs it in slices of SLICE_MS, so OTLP ingest, the live stream and the alerts' tick go on while
// it is computed (one read held the loop 100–200 ms and more, bench:reads); everything else reads it in one go.

/** A read computed in steps: it yields between points and returns its answer. */
export type Sliced<T> = Generator<void, T, void>;

/** How long a slice of a read holds the event loop, ms, at most (one point past it). */
export const SLICE_MS = 8;

/** The whole read, now (the alerts, the finder, the stream and tests: short windows). */
export function runSync<T>(read: Sliced<T>): T {
  for (;;) {
    const r = read.next();
    if (r.done) return r.value;
  }
}

/**
 * The read in slices of `sliceMs`, the event loop free between them (setImmediate: I/O that came in meanwhile runs
 * first). `gone()` is asked between slices: once the asker has gone (its connection closed: a chart's range changed
 * and the browser aborted the fetch), the rest is not computed and the answer is undefined.
 */
export async function runSliced<T>(read: Sliced<T>, gone: () => boolean = () => false, sliceMs = SLICE_MS, clock: () => number = performance.now.bind(performance)): Promise<T | undefined> {
  let until = clock() + sliceMs;
  for (;;) {
    const r = read.next();
    if (r.done) return r.value;
    if (clock() < until) continue;
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (gone()) {
      read.return(undefined as T);
      return undefined;
    }
    until = clock() + sliceMs;
  }
}
