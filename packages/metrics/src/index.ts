export * from './otlp/model.js';
export { decodeProtobuf, encodeProtobuf, type DecodeLimits } from './otlp/protobuf.js';
export { decodeJson, encodeJson } from './otlp/json.js';
export { ExponentialHistogram, DEFAULT_MAX_SIZE, DEFAULT_MAX_SCALE } from './histogram/ExponentialHistogram.js';
export { ExplicitHistogram } from './histogram/ExplicitHistogram.js';
export { explicitToExponential } from './histogram/convert.js';
export type { ExponentialHistogramData, ExplicitHistogramData, ExponentialHistogramOptions } from './histogram/types.js';
export { MetricsError, OtlpDecodeError, HistogramError } from './errors.js';
export { Metrics, Attrs, OTHER_ROUTE, type MetricName } from './names.js';
