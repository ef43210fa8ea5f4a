/**
 * OTLP/HTTP response bodies (opentelemetry-proto `ExportMetricsServiceResponse` and `google.rpc.Status`),
 * hand-encoded: two small messages do not justify a protobuf runtime.
 */

function varint(n: number, out: number[]): void {
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
}

function stringField(field: number, text: string, out: number[]): void {
  const bytes = Buffer.from(text, 'utf8');
  out.push((field << 3) | 2);
  varint(bytes.length, out);
  for (const b of bytes) out.push(b);
}

/** ExportMetricsServiceResponse with partial_success { rejected_data_points = 1, error_message = 2 } when rejected > 0. */
export function exportResponse(json: boolean, rejected: number, message: string): Buffer {
  if (json) {
    return Buffer.from(rejected > 0 ? JSON.stringify({ partialSuccess: { rejectedDataPoints: String(rejected), errorMessage: message } }) : '{}');
  }
  if (rejected === 0) return Buffer.alloc(0);
  const inner: number[] = [];
  inner.push(1 << 3);
  varint(rejected, inner);
  stringField(2, message, inner);
  const out: number[] = [(1 << 3) | 2];
  varint(inner.length, out);
  return Buffer.from([...out, ...inner]);
}

/** google.rpc.Status { code = 1, message = 2 } as OTLP/HTTP asks for error answers. */
export function statusBody(json: boolean, grpcCode: number, message: string): Buffer {
  if (json) return Buffer.from(JSON.stringify({ code: grpcCode, message }));
  const out: number[] = [1 << 3];
  varint(grpcCode, out);
  stringField(2, message, out);
  return Buffer.from(out);
}

/** gRPC status codes used in OTLP/HTTP error bodies */
export const GrpcCode = { invalidArgument: 3, resourceExhausted: 8, unauthenticated: 16, unavailable: 14, unimplemented: 12 } as const;
