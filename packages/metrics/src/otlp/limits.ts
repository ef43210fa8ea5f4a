/** Bounds a decoder enforces so that no input can make it use unbounded memory or time. */
export interface DecodeLimits {
  /** Refuse requests with more data points than this (PERF_OTLP_TOO_MANY_POINTS). Default: 1,000,000. */
  maxPoints?: number;
  /** Refuse more buckets than this in one histogram point, both signs together (PERF_OTLP_TOO_MANY_BUCKETS). Default: 16,384. */
  maxBuckets?: number;
  /** Refuse more resources + scopes + metrics than this in one request (PERF_OTLP_TOO_MANY_METRICS). Default: 100,000. */
  maxMetrics?: number;
  /** Refuse attribute values (AnyValue arrays / key-value lists) nested deeper than this (PERF_OTLP_NESTING_TOO_DEEP). Default: 16. */
  maxDepth?: number;
}

export const DEFAULT_LIMITS: Readonly<Required<DecodeLimits>> = {
  maxPoints: 1_000_000,
  maxBuckets: 16_384,
  maxMetrics: 100_000,
  maxDepth: 16,
};

export function resolveLimits(limits: DecodeLimits | undefined): Required<DecodeLimits> {
  if (limits === undefined) return DEFAULT_LIMITS;
  return {
    maxPoints: limits.maxPoints ?? DEFAULT_LIMITS.maxPoints,
    maxBuckets: limits.maxBuckets ?? DEFAULT_LIMITS.maxBuckets,
    maxMetrics: limits.maxMetrics ?? DEFAULT_LIMITS.maxMetrics,
    maxDepth: limits.maxDepth ?? DEFAULT_LIMITS.maxDepth,
  };
}
