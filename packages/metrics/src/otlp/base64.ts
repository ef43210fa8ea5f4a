// Base64 for AnyValue.bytes_value without Buffer, so the model stays usable outside Node.js.
import { DecodeFailure, OtlpErrorCode } from './errors.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) DECODE[ALPHABET.charCodeAt(i)] = i;
DECODE['-'.charCodeAt(0)] = 62; // base64url, which the proto3 JSON mapping also accepts
DECODE['_'.charCodeAt(0)] = 63;

/** Standard padded base64 of bytes[start, end). */
export function bytesToBase64(bytes: Uint8Array, start: number, end: number): string {
  let out = '';
  let i = start;
  for (; i + 2 < end; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += ALPHABET[n >>> 18] + ALPHABET[(n >>> 12) & 63] + ALPHABET[(n >>> 6) & 63] + ALPHABET[n & 63];
  }
  if (end - i === 1) {
    const n = bytes[i] << 16;
    out += ALPHABET[n >>> 18] + ALPHABET[(n >>> 12) & 63] + '==';
  } else if (end - i === 2) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
    out += ALPHABET[n >>> 18] + ALPHABET[(n >>> 12) & 63] + ALPHABET[(n >>> 6) & 63] + '=';
  }
  return out;
}

/** Decodes standard or URL-safe base64, padded or not. Throws DecodeFailure(BAD_FIELD) on anything else. */
export function base64ToBytes(s: string, at: string): Uint8Array {
  let len = s.length;
  while (len > 0 && s.charCodeAt(len - 1) === 61 /* = */ && s.length - len < 2) len--;
  if (len % 4 === 1) throw new DecodeFailure(OtlpErrorCode.BAD_FIELD, 'invalid base64 length', at);
  const out = new Uint8Array(Math.floor((len * 3) / 4));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    const v = c < 128 ? DECODE[c] : -1;
    if (v < 0) throw new DecodeFailure(OtlpErrorCode.BAD_FIELD, `invalid base64 character at offset ${i}`, at);
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >>> bits) & 0xff;
    }
  }
  return out;
}

/** Canonical base64 of any accepted base64 spelling (so JSON and protobuf bytes decode to equal strings). */
export function normalizeBase64(s: string, at: string): string {
  const bytes = base64ToBytes(s, at);
  return bytesToBase64(bytes, 0, bytes.length);
}
