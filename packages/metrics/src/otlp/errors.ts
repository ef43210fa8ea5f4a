import { OtlpDecodeError } from '../errors.js';

/** The stable codes of OtlpDecodeError (documented in the README's "OTLP codec" section). */
export const OtlpErrorCode = {
  /** the input ends (or a sub-message ends) in the middle of a value */
  TRUNCATED: 'PERF_OTLP_TRUNCATED',
  /** wire type 3, 4, 6 or 7, or a known field sent with a wire type its type cannot have */
  BAD_WIRE_TYPE: 'PERF_OTLP_BAD_WIRE_TYPE',
  /** a varint longer than 10 bytes or overflowing 64 bits */
  VARINT_TOO_LONG: 'PERF_OTLP_VARINT_TOO_LONG',
  /** a length prefix larger than the bytes left in its enclosing message */
  LENGTH_OUT_OF_RANGE: 'PERF_OTLP_LENGTH_OUT_OF_RANGE',
  /** a string field that is not valid UTF-8 (proto3 requires it; we reject rather than guess) */
  BAD_UTF8: 'PERF_OTLP_BAD_UTF8',
  TOO_MANY_POINTS: 'PERF_OTLP_TOO_MANY_POINTS',
  TOO_MANY_BUCKETS: 'PERF_OTLP_TOO_MANY_BUCKETS',
  TOO_MANY_METRICS: 'PERF_OTLP_TOO_MANY_METRICS',
  NESTING_TOO_DEEP: 'PERF_OTLP_NESTING_TOO_DEEP',
  /** JSON body that JSON.parse refuses */
  BAD_JSON: 'PERF_OTLP_BAD_JSON',
  /** a field of the wrong type or out of range (JSON), or field number 0 (protobuf) */
  BAD_FIELD: 'PERF_OTLP_BAD_FIELD',
} as const;
export type OtlpErrorCode = (typeof OtlpErrorCode)[keyof typeof OtlpErrorCode];

/** What the sender can do about each kind of failure. */
function advice(code: OtlpErrorCode): string {
  switch (code) {
    case OtlpErrorCode.TOO_MANY_POINTS:
    case OtlpErrorCode.TOO_MANY_BUCKETS:
    case OtlpErrorCode.TOO_MANY_METRICS:
      return 'Send smaller exports (fewer series or buckets per request, e.g. a smaller maxSize for exponential histograms) or raise the receiver\'s limit.';
    case OtlpErrorCode.NESTING_TOO_DEEP:
      return 'Flatten the attribute values (perf uses flat string, number and boolean attributes).';
    default:
      return 'The body is not a valid OTLP ExportMetricsServiceRequest: check the exporter and the Content-Type header.';
  }
}

/**
 * Thrown inside the decoders. Each message reader on the way up adds where it was (`Metric.sum`), so the
 * final OtlpDecodeError names the path from the request down to the failing field.
 */
export class DecodeFailure {
  readonly path: string[] = [];
  constructor(
    readonly code: OtlpErrorCode,
    readonly detail: string,
    readonly at: number | string,
  ) {}
}

/** Prepends a path segment to a failure travelling up; anything else (a bug) passes unchanged. */
export function within(e: unknown, segment: string): unknown {
  if (e instanceof DecodeFailure) e.path.push(segment);
  return e;
}

export function toProtobufError(f: DecodeFailure): OtlpDecodeError {
  const where = f.path.length ? ` in ${f.path.reverse().join(' > ')}` : '';
  return new OtlpDecodeError(f.code, `OTLP protobuf: ${f.detail} at byte ${f.at}${where}. ${advice(f.code)}`, f.at);
}

export function toJsonError(f: DecodeFailure): OtlpDecodeError {
  const path = (f.path.reverse().join('') + f.at).replace(/^\./, '') || '(root)';
  return new OtlpDecodeError(f.code, `OTLP JSON: ${f.detail} at ${path}. ${advice(f.code)}`, path);
}
