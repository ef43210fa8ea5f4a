/**
 * Folds a request path into a route-like template when the framework did not say which route matched:
 * the query string and fragment are dropped, and segments that look like identifiers become `:id`:
 * integers, UUIDs, hex hashes (≥ 8 hex digits with at least one digit), and long opaque tokens (≥ 20
 * characters mixing letters and digits, e.g. base64url ids, or anything ≥ 40 characters), and file names
 * carrying a content hash (`main-3f2a9c1b.js`, Next.js's `/_next/static/chunks/0a1b…c9.js`: one series
 * per build artefact otherwise).
 *
 * `/users/123/orders/9f86d081884c7d65?x=1` → `/users/:id/orders/:id`. Not on the hot path: the route
 * table caches the result per raw URL.
 */
export function normalizePath(url: string): string {
  let end = url.length;
  const q = url.indexOf('?');
  if (q !== -1) end = q;
  const h = url.indexOf('#');
  if (h !== -1 && h < end) end = h;
  let path = url.slice(0, end);
  // absolute-form request targets (proxies): keep the path only
  if (!path.startsWith('/')) {
    const scheme = path.indexOf('://');
    const slash = scheme === -1 ? -1 : path.indexOf('/', scheme + 3);
    path = slash === -1 ? '/' : path.slice(slash);
  }
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  const segments = path.split('/');
  for (let i = 1; i < segments.length; i++) {
    if (isIdentifier(segments[i])) segments[i] = ':id';
  }
  const out = segments.join('/');
  // a bounded route string: a 2 KB path must not become a 2 KB label
  return out.length > 200 ? out.slice(0, 200) : out;
}

const INTEGER = /^\d+$/;
const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const HEX = /^(?=.*\d)[0-9a-f]{8,}$/i;
const OPAQUE = /^(?=.*\d)(?=.*[a-z])[\w.~%=+-]{20,}$/i;
/** `[name-]hash.ext`: a hash part of ≥ 8 word characters with a digit, right before one short extension */
const HASHED_FILE = /^(?:[\w.~-]*[._-])?(?=[\w]*\d)\w{8,}\.[a-z0-9]{1,6}$/i;

function isIdentifier(segment: string): boolean {
  if (segment.length === 0) return false;
  return (
    INTEGER.test(segment) ||
    segment.length >= 40 ||
    UUID.test(segment) ||
    HEX.test(segment) ||
    OPAQUE.test(segment) ||
    HASHED_FILE.test(segment)
  );
}
