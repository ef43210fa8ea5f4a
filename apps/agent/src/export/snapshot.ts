import type { ExponentialBuckets, Metric } from '@perf/metrics';

/** What the main thread hands the export worker at each collection (structured-cloned, buffers transferred). */
export interface Snapshot {
  metrics: Metric[];
  /** the TCP ports the app's thread has seen listening (the export thread reads their accept queues) */
  listenPorts?: number[];
}

/** The ArrayBuffers of a raw snapshot's bucket windows, to transfer instead of copying them. */
export function transferables(metrics: Metric[]): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const m of metrics) {
    if (m.type !== 'exponentialHistogram') continue;
    for (const p of m.points) {
      const b = p.positive.bucketCounts as unknown;
      if (ArrayBuffer.isView(b)) out.push(b.buffer as ArrayBuffer);
    }
  }
  return out;
}

/** Turns raw bucket counts (Float64Array) back into OTLP buckets (number[], trimmed), in place. */
export function trimBuckets(metrics: Metric[]): Metric[] {
  for (const m of metrics) {
    if (m.type !== 'exponentialHistogram') continue;
    for (const p of m.points) p.positive = trim(p.positive);
  }
  return metrics;
}

function trim(b: ExponentialBuckets): ExponentialBuckets {
  const c = b.bucketCounts as unknown;
  if (!ArrayBuffer.isView(c)) return b;
  const counts = c as Float64Array;
  let first = 0;
  while (first < counts.length && counts[first] === 0) first++;
  let last = counts.length - 1;
  while (last >= first && counts[last] === 0) last--;
  if (last < first) return { offset: 0, bucketCounts: [] };
  return { offset: b.offset + first, bucketCounts: Array.from(counts.subarray(first, last + 1)) };
}
