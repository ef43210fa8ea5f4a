/**
 * Folds a request path into a route-like template when the framework did not say which route matched:
 * the query string and fragment are dropped, so are a segment's `;` parameters (matrix parameters, a servlet
 * container's `;jsessionid=…`), and segments that look like identifiers become `:id`:
 * integers, UUIDs, hex hashes (≥ 8 hex digits with at least one digit), and long opaque tokens (≥ 20
 * characters mixing letters and digits, e.g. base64url ids, or anything ≥ 40 characters), file names
 * carrying a content hash (`main-3f2a9c1b.js`, Next.js's `/_next/static/chunks/0a1b…c9.js`: one series
 * per build artefact otherwise), and personal data: e-mail addresses, phone numbers, IPv4/IPv6 addresses
 * and dates (a label is stored by the dashboard and sent in alert webhooks; audit F4).
 *
 * `/users/123/orders/9f86d081884c7d65?x=1` → `/users/:id/orders/:id`. Not on the per-request path of a URL
 * seen before: the route table caches the result per raw URL (this runs once per new URL).
 */
export function normalizePath(url: string): string {
  let end = url.length;
  const q = url.indexOf('?');
  if (q !== -1) end = q;
  const h = url.indexOf('#');
  if (h !== -1 && h < end) end = h;
  let path = url.slice(0, end);
  // the asterisk form (`OPTIONS *`, a request about the server, not a resource) is its own route, not `/`
  if (path === '*') return path;
  // absolute-form request targets (proxies): keep the path only
  if (!path.startsWith('/')) {
    const scheme = path.indexOf('://');
    const slash = scheme === -1 ? -1 : path.indexOf('/', scheme + 3);
    path = slash === -1 ? '/' : path.slice(slash);
  }
  if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  const segments = path.split('/');
  const params = path.indexOf(';') !== -1;
  for (let i = 1; i < segments.length; i++) {
    let segment = segments[i];
    if (params) {
      const semi = segment.indexOf(';');
      if (semi !== -1) segments[i] = segment = segment.slice(0, semi);
    }
    if (isIdentifier(segment)) segments[i] = ':id';
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
/** `local@domain.tld`, the `@` raw or %-encoded (`/@scope/pkg`, `/@alice`: no local part, kept) */
const EMAIL = /^[^@/]+(?:@|%40)[^@/]+\.[a-z]{2,}$/i;
/** a phone number: `+` (raw or %2B) and ≥ 7 digits, `-` or `.` (`+14155550123`), or `415-555-0123`-style groups; `1.2.3` is kept */
const PHONE = /^(?:(?:\+|%2B)\d[\d.-]{5,}\d|\d{2,4}[-.]\d{3,4}[-.]\d{4})$/i;
const IPV4 = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
/** hex groups and at least two colons (`::1`, `2001:db8::1`), raw or %-encoded; one colon (`things:batchGet`, `10:30`) is kept */
const IPV6 = /^(?=(?:[^:%]*(?::|%3A)){2})(?:[0-9a-f]{0,4}(?::|%3A)){2,7}[0-9a-f.]*$/i;
/** `2024-05-01`, optionally with a time (`2024-05-01T10:00:00Z`) */
const DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]|%20|$)/;

function isIdentifier(segment: string): boolean {
  if (segment.length === 0) return false;
  if (
    INTEGER.test(segment) ||
    segment.length >= 40 ||
    UUID.test(segment) ||
    HEX.test(segment) ||
    OPAQUE.test(segment) ||
    HASHED_FILE.test(segment)
  ) {
    return true;
  }
  // personal data: each pattern only where its first character or its separator can be (a cache miss runs this for
  // every segment; measured in bench/overhead/normalize.ts)
  const c = segment.charCodeAt(0);
  if (c >= 48 /* 0 */ && c <= 57 /* 9 */ && (DATE.test(segment) || IPV4.test(segment) || PHONE.test(segment))) return true;
  if ((c === 43 /* + */ || c === 37 /* % */) && PHONE.test(segment)) return true;
  if (segment.includes('@') || segment.includes('%40')) return EMAIL.test(segment);
  return (segment.includes(':') || segment.includes('%')) && IPV6.test(segment);
}
