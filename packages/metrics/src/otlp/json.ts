// OTLP/HTTP JSON (`application/json`) for ExportMetricsServiceRequest: the public entry point.
// json/decode.ts (with values.ts and read-*.ts) reads, json/encode.ts writes.
export { decodeJson } from './json/decode.js';
export { encodeJson } from './json/encode.js';
