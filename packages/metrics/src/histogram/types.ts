import type { ExponentialHistogramDataPoint, HistogramDataPoint } from '../otlp/model.js';

/** The data of an exponential histogram as OTLP carries it (no attributes or timestamps). */
export type ExponentialHistogramData = Pick<
  ExponentialHistogramDataPoint,
  'count' | 'sum' | 'min' | 'max' | 'scale' | 'zeroCount' | 'zeroThreshold' | 'positive' | 'negative'
>;

/** The data of an explicit-bucket histogram as OTLP carries it (no attributes or timestamps). */
export type ExplicitHistogramData = Pick<HistogramDataPoint, 'count' | 'sum' | 'min' | 'max' | 'bucketCounts' | 'explicitBounds'>;

export interface ExponentialHistogramOptions {
  /**
   * Maximum number of buckets per sign (positive and negative ranges each). When a value would need
   * more, the histogram halves its resolution (scale − 1) until it fits. Default: DEFAULT_MAX_SIZE.
   */
  maxSize?: number;
  /** Starting (and highest) scale, −10..20. Default: DEFAULT_MAX_SCALE = 10 (OpenTelemetry starts at 20; see DEFAULT_MAX_SCALE). */
  maxScale?: number;
}
