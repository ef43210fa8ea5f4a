import { timingSafeEqual, createHash } from 'node:crypto';

/** Constant-time comparison of an `Authorization: Bearer …` header (or a raw token) with the expected token. */
export function tokenMatches(header: string | undefined, expected: string): boolean {
  if (header === undefined) return false;
  const token = header.startsWith('Bearer ') || header.startsWith('bearer ') ? header.slice(7).trim() : header.trim();
  // hash both sides so lengths match and nothing leaks through timing
  const a = createHash('sha256').update(token).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The value of one cookie from a Cookie header. */
export function cookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

export const SESSION_COOKIE = 'perf_token';
