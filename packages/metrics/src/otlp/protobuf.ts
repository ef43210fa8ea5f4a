import type { ExportMetricsRequest } from './model.js';

export interface DecodeLimits {
  /** Refuse requests with more data points than this (PERF_OTLP_TOO_MANY_POINTS). Default: 1,000,000. */
  maxPoints?: number;
  /** Refuse more buckets than this in one histogram point (PERF_OTLP_TOO_MANY_BUCKETS). Default: 16,384. */
  maxBuckets?: number;
}

/** Decodes an `ExportMetricsServiceRequest` from protobuf bytes. Throws OtlpDecodeError on bad input. */
export function decodeProtobuf(bytes: Uint8Array, limits?: DecodeLimits): ExportMetricsRequest {
  void bytes;
  void limits;
  throw new Error('not implemented');
}

/** Encodes an `ExportMetricsServiceRequest` to protobuf bytes. */
export function encodeProtobuf(request: ExportMetricsRequest): Uint8Array {
  void request;
  throw new Error('not implemented');
}
