import type { Attributes, ExponentialBuckets, ExponentialHistogramDataPoint, Metric } from '@perf/metrics';

/**
 * Turns the agent's cumulative metrics into deltas since the previous collection, for
 * OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=delta. Monotonic sums and histograms become deltas;
 * gauges and up-down counters stay as they are (what the spec's "lowmemory"/"delta" preferences ask).
 * The agent keeps counting cumulatively, so a lost delta export loses data: that is the user's choice.
 */
export class DeltaConverter {
  private previous = new Map<string, number | ExponentialHistogramDataPoint>();
  private lastTimeUnixNano: number | undefined;

  convert(metrics: Metric[], timeUnixNano: number): Metric[] {
    const start = this.lastTimeUnixNano;
    this.lastTimeUnixNano = timeUnixNano;
    const next = new Map<string, number | ExponentialHistogramDataPoint>();
    const out: Metric[] = [];
    for (const m of metrics) {
      if (m.type === 'sum' && m.monotonic) {
        const points = m.points.map((p) => {
          const key = seriesKey(m.name, p.attributes);
          next.set(key, p.value);
          const prev = this.previous.get(key);
          const value = typeof prev === 'number' && prev <= p.value ? p.value - prev : p.value;
          return { ...p, value, startTimeUnixNano: start ?? p.startTimeUnixNano };
        });
        out.push({ ...m, temporality: 'delta', points });
      } else if (m.type === 'exponentialHistogram') {
        const points: ExponentialHistogramDataPoint[] = [];
        for (const p of m.points) {
          const key = seriesKey(m.name, p.attributes);
          next.set(key, p);
          const prev = this.previous.get(key);
          const d = typeof prev === 'object' ? subtract(p, prev) : p;
          if (d.count > 0) points.push({ ...d, startTimeUnixNano: start ?? p.startTimeUnixNano });
        }
        if (points.length > 0) out.push({ ...m, temporality: 'delta', points });
      } else {
        out.push(m);
      }
    }
    this.previous = next;
    return out;
  }
}

function seriesKey(name: string, attributes: Attributes): string {
  return `${name}\u0000${JSON.stringify(attributes)}`;
}

/** p − prev for two cumulative points of one series (prev's scale ≥ p's: the agent only ever downscales). */
function subtract(p: ExponentialHistogramDataPoint, prev: ExponentialHistogramDataPoint): ExponentialHistogramDataPoint {
  if (prev.count > p.count || prev.scale < p.scale) return p; // a reset: the whole point is new
  const shift = prev.scale - p.scale;
  const positive = subtractBuckets(p.positive, prev.positive, shift);
  if (positive === undefined) return p;
  return {
    ...p,
    count: p.count - prev.count,
    sum: p.sum !== undefined && prev.sum !== undefined ? p.sum - prev.sum : undefined,
    // min/max of the interval are unknown from cumulative data; the cumulative bounds still bound it
    zeroCount: p.zeroCount - prev.zeroCount,
    positive,
  };
}

function subtractBuckets(a: ExponentialBuckets, b: ExponentialBuckets, shift: number): ExponentialBuckets | undefined {
  const counts = a.bucketCounts.slice();
  for (let i = 0; i < b.bucketCounts.length; i++) {
    if (b.bucketCounts[i] === 0) continue;
    const j = ((b.offset + i) >> shift) - a.offset;
    if (j < 0 || j >= counts.length) return undefined;
    counts[j] -= b.bucketCounts[i];
    if (counts[j] < 0) return undefined;
  }
  let first = 0;
  while (first < counts.length && counts[first] === 0) first++;
  let last = counts.length - 1;
  while (last >= first && counts[last] === 0) last--;
  return { offset: last >= first ? a.offset + first : 0, bucketCounts: counts.slice(first, last + 1) };
}
