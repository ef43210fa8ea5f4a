// Webhook signatures: `X-Perf-Timestamp: <unix seconds>` and
// `X-Perf-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + raw body)>`.
// The timestamp is inside what is signed, so a receiver that refuses old timestamps also refuses replays.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-perf-signature';
export const TIMESTAMP_HEADER = 'x-perf-timestamp';
export const DELIVERY_HEADER = 'x-perf-delivery';

/** The `X-Perf-Signature` value for a body sent at `timestamp` (unix seconds). */
export function sign(secret: string, timestamp: number, body: string | Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;
}

export interface VerifyOptions {
  /** Largest accepted age of the timestamp, seconds (default 300). */
  toleranceSeconds?: number;
  /** Current time, unix seconds (default now). */
  nowSeconds?: number;
}

/**
 * What a receiver does: recompute the HMAC over the raw body bytes as received and compare in constant time,
 * then refuse timestamps outside the tolerance. Returns the reason on failure, undefined when valid.
 */
export function verify(secret: string, rawBody: string | Buffer, timestampHeader: string | undefined, signatureHeader: string | undefined, options: VerifyOptions = {}): string | undefined {
  if (!timestampHeader || !/^\d+$/.test(timestampHeader)) return 'missing or malformed X-Perf-Timestamp';
  if (!signatureHeader || !signatureHeader.startsWith('sha256=')) return 'missing or malformed X-Perf-Signature';
  const ts = Number(timestampHeader);
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - ts) > (options.toleranceSeconds ?? 300)) return 'timestamp outside the tolerance (replayed or clock skew)';
  const expected = Buffer.from(sign(secret, ts, rawBody));
  const got = Buffer.from(signatureHeader);
  if (expected.length !== got.length || !timingSafeEqual(expected, got)) return 'signature does not match';
  return undefined;
}
