/** Every error @perf/metrics throws on bad input carries a stable `code` and a sentence saying what to do. */
export class MetricsError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'MetricsError';
    this.code = code;
  }
}

/** Undecodable OTLP input. Codes: PERF_OTLP_* (see otlp/errors in the README). */
export class OtlpDecodeError extends MetricsError {
  /** byte offset (protobuf) or JSON path where decoding failed, when known */
  readonly at: string | number | undefined;
  constructor(code: string, message: string, at?: string | number) {
    super(code, message);
    this.name = 'OtlpDecodeError';
    this.at = at;
  }
}

/** Histograms that cannot be combined (PERF_HIST_BOUNDS_MISMATCH, PERF_HIST_NOT_MONOTONIC, ...). */
export class HistogramError extends MetricsError {
  constructor(code: string, message: string) {
    super(code, message);
    this.name = 'HistogramError';
  }
}
