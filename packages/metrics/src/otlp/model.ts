/**
 * The decoded form of an OTLP `ExportMetricsServiceRequest` (opentelemetry-proto
 * `opentelemetry/proto/collector/metrics/v1/metrics_service.proto`), shared by the protobuf and JSON codecs.
 *
 * Conventions:
 * - Timestamps are nanoseconds since the Unix epoch as JS numbers. Above 2^53 a double keeps ~256 ns of
 *   precision; the conversion is deterministic, so equal wire values give equal numbers (what
 *   de-duplication and reset detection need) and encode→decode of a decoded value is exact.
 * - 64-bit integer counts and values are JS numbers (exact up to 2^53).
 * - Absent optional fields are `undefined` (e.g. a histogram without `sum`), never 0.
 * - Bucket counts are Float64Arrays (exact up to 2^53 like every count). The decoders return views into a
 *   few large arrays shared by the whole request (see counts.ts: a `number[]` per point left the decoder
 *   at half its speed in garbage collection): a view keeps the whole request's counts alive, so whoever
 *   keeps a decoded point past the request copies the counts it keeps (`slice()`). Read them, never write:
 *   the empty ones are one shared instance.
 * - Exemplars are skipped by the decoder (perf does not use them) and never encoded.
 */

export type AttributeValue = string | number | boolean | null | AttributeValue[] | { [key: string]: AttributeValue };
export type Attributes = Record<string, AttributeValue>;

export type Temporality = 'unspecified' | 'delta' | 'cumulative';

export interface ExportMetricsRequest {
  resourceMetrics: ResourceMetrics[];
}

export interface ResourceMetrics {
  resource: Resource;
  scopeMetrics: ScopeMetrics[];
  schemaUrl: string;
}

export interface Resource {
  attributes: Attributes;
  droppedAttributesCount: number;
}

export interface ScopeMetrics {
  scope: InstrumentationScope;
  metrics: Metric[];
  schemaUrl: string;
}

export interface InstrumentationScope {
  name: string;
  version: string;
  attributes: Attributes;
  droppedAttributesCount: number;
}

interface MetricBase {
  name: string;
  description: string;
  unit: string;
}

export interface GaugeMetric extends MetricBase {
  type: 'gauge';
  points: NumberDataPoint[];
}

export interface SumMetric extends MetricBase {
  type: 'sum';
  temporality: Temporality;
  monotonic: boolean;
  points: NumberDataPoint[];
}

export interface HistogramMetric extends MetricBase {
  type: 'histogram';
  temporality: Temporality;
  points: HistogramDataPoint[];
}

export interface ExponentialHistogramMetric extends MetricBase {
  type: 'exponentialHistogram';
  temporality: Temporality;
  points: ExponentialHistogramDataPoint[];
}

export interface SummaryMetric extends MetricBase {
  type: 'summary';
  points: SummaryDataPoint[];
}

/** A metric with no data field set (allowed by the proto); kept so nothing is silently lost. */
export interface EmptyMetric extends MetricBase {
  type: 'empty';
}

export type Metric = GaugeMetric | SumMetric | HistogramMetric | ExponentialHistogramMetric | SummaryMetric | EmptyMetric;
export type MetricType = Metric['type'];

interface PointBase {
  attributes: Attributes;
  /** ns since epoch; 0 when absent */
  startTimeUnixNano: number;
  /** ns since epoch */
  timeUnixNano: number;
  /** DataPointFlags; bit 0 = FLAG_NO_RECORDED_VALUE */
  flags: number;
}

export interface NumberDataPoint extends PointBase {
  value: number;
  /** true when the wire used `as_int` (sint/fixed64), false for `as_double` */
  isInt: boolean;
}

export interface HistogramDataPoint extends PointBase {
  count: number;
  sum: number | undefined;
  min: number | undefined;
  max: number | undefined;
  /** length = explicitBounds.length + 1 (or 0 when the point carries no buckets) */
  bucketCounts: Float64Array;
  /** upper-inclusive bounds, increasing */
  explicitBounds: number[];
}

export interface ExponentialBuckets {
  offset: number;
  bucketCounts: Float64Array;
}

export interface ExponentialHistogramDataPoint extends PointBase {
  count: number;
  sum: number | undefined;
  min: number | undefined;
  max: number | undefined;
  scale: number;
  zeroCount: number;
  zeroThreshold: number;
  positive: ExponentialBuckets;
  negative: ExponentialBuckets;
}

export interface ValueAtQuantile {
  quantile: number;
  value: number;
}

export interface SummaryDataPoint extends PointBase {
  count: number;
  sum: number;
  quantileValues: ValueAtQuantile[];
}
