import type { Attributes, ExponentialHistogram, ExponentialHistogramMetric, GaugeMetric, Metric, SumMetric } from '@perf/metrics';
import type { HistogramPacker } from '../export/snapshot.js';

/**
 * What one collection produced, in @perf/metrics' OTLP model (the contract shared with the codec and the
 * dashboard). Collectors append to it at collect time; the exporters (OTLP via the SDK, Prometheus) map it.
 * Timestamps are ns since the epoch; cumulative points start at the agent's start.
 */
export class MetricBatch {
  readonly metrics = new Map<string, Metric>();

  /**
   * @param consumer who collects ('otlp', 'prometheus'): per-interval values (utilisation, max delay) are
   * kept per consumer so a Prometheus scrape does not shorten the OTLP export's interval.
   * @param packer for the export thread's snapshot: histograms go into it, packed (see HistogramPacker),
   * instead of becoming points here
   */
  constructor(
    readonly startTimeUnixNano: number,
    readonly timeUnixNano: number,
    readonly consumer: string = 'otlp',
    private readonly packer?: HistogramPacker,
  ) {}

  gauge(name: string, unit: string, description: string, value: number, attributes: Attributes = {}): void {
    const m = this.metric<GaugeMetric>(name, () => ({ type: 'gauge', name, unit, description, points: [] }));
    m.points.push({ attributes, startTimeUnixNano: this.startTimeUnixNano, timeUnixNano: this.timeUnixNano, flags: 0, value, isInt: Number.isInteger(value) });
  }

  /** A cumulative sum (monotonic: a counter; else an up-down counter). */
  sum(name: string, unit: string, description: string, value: number, monotonic: boolean, attributes: Attributes = {}): void {
    const m = this.metric<SumMetric>(name, () => ({ type: 'sum', name, unit, description, temporality: 'cumulative', monotonic, points: [] }));
    m.points.push({ attributes, startTimeUnixNano: this.startTimeUnixNano, timeUnixNano: this.timeUnixNano, flags: 0, value, isInt: Number.isInteger(value) });
  }

  /** A cumulative exponential histogram point. */
  histogram(name: string, unit: string, description: string, histogram: ExponentialHistogram, attributes: Attributes = {}): void {
    if (this.packer !== undefined) {
      this.packer.add(name, unit, description, histogram, attributes);
      return;
    }
    const m = this.metric<ExponentialHistogramMetric>(name, () => ({ type: 'exponentialHistogram', name, unit, description, temporality: 'cumulative', points: [] }));
    const data = histogram.toData();
    m.points.push({ ...data, attributes, startTimeUnixNano: this.startTimeUnixNano, timeUnixNano: this.timeUnixNano, flags: 0 });
  }

  private metric<M extends Metric>(name: string, create: () => M): M {
    let m = this.metrics.get(name);
    if (m === undefined) {
      m = create();
      this.metrics.set(name, m);
    }
    return m as M;
  }
}
