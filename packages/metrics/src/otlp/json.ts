import type { ExportMetricsRequest } from './model.js';
import type { DecodeLimits } from './protobuf.js';

/** Decodes the OTLP/JSON mapping of an `ExportMetricsServiceRequest`. Throws OtlpDecodeError on bad input. */
export function decodeJson(body: string | Uint8Array, limits?: DecodeLimits): ExportMetricsRequest {
  void body;
  void limits;
  throw new Error('not implemented');
}

/** Encodes to the OTLP/JSON mapping (lowerCamelCase keys, 64-bit integers as decimal strings, enums as integers). */
export function encodeJson(request: ExportMetricsRequest): string {
  void request;
  throw new Error('not implemented');
}
