// A tiny protobuf writer for hand-built test messages (the odd encodings real encoders rarely produce).
export type Bytes = number[];

export function varint(v: number | bigint): Bytes {
  let x = BigInt.asUintN(64, BigInt(v));
  const out: Bytes = [];
  while (x > 0x7fn) {
    out.push(Number(x & 0x7fn) | 0x80);
    x >>= 7n;
  }
  out.push(Number(x));
  return out;
}
export const tag = (field: number, wireType: number): Bytes => varint(field * 8 + wireType);
export const vfield = (field: number, v: number | bigint): Bytes => [...tag(field, 0), ...varint(v)];
export const lfield = (field: number, ...content: Bytes[]): Bytes => {
  const body = content.flat();
  return [...tag(field, 2), ...varint(body.length), ...body];
};
export const sfield = (field: number, s: string): Bytes => lfield(field, [...new TextEncoder().encode(s)]);
export function fixed64(v: number | bigint): Bytes {
  const x = BigInt.asUintN(64, BigInt(v));
  return Array.from({ length: 8 }, (_, i) => Number((x >> BigInt(8 * i)) & 0xffn));
}
export const ffield = (field: number, v: number | bigint): Bytes => [...tag(field, 1), ...fixed64(v)];
export function double(v: number): Bytes {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, v, true);
  return [...b];
}
export const dfield = (field: number, v: number): Bytes => [...tag(field, 1), ...double(v)];
export const zigzag = (v: number): number => ((v << 1) ^ (v >> 31)) >>> 0;
export const bytes = (...parts: Bytes[]): Uint8Array => Uint8Array.from(parts.flat());

/** request > resource_metrics > scope_metrics > metrics: wraps one Metric's fields into a whole request. */
export const requestWithMetric = (...metricFields: Bytes[]): Uint8Array => bytes(lfield(1, lfield(2, lfield(2, ...metricFields))));
