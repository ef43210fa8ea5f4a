// OTLP/HTTP protobuf (`application/x-protobuf`) for ExportMetricsServiceRequest: the public entry point.
// protobuf/decode.ts (with reader.ts and read-*.ts) reads, protobuf/encode.ts writes.
export { decodeProtobuf } from './protobuf/decode.js';
export { encodeProtobuf } from './protobuf/encode.js';
export type { DecodeLimits } from './limits.js';
