import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { hostname } from 'node:os';

/** Constant-time comparison of an `Authorization: Bearer …` header (or a raw token) with the expected token. */
export function tokenMatches(header: string | undefined, expected: string): boolean {
  if (header === undefined) return false;
  // the scheme is case-insensitive (RFC 7235): Bearer, bearer, BEARER
  const token = /^bearer\s/i.test(header) ? header.slice(7).trim() : header.trim();
  return sameSecret(token, expected);
}

/** Constant-time equality: both sides hashed, so lengths match and nothing leaks through timing. */
function sameSecret(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

/** The value of one cookie from a Cookie header (undefined when absent or not decodable). */
export function cookie(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        // a malformed escape (perf_token=%) is no session; it threw out of the request listener and ended the process
        return undefined;
      }
    }
  }
  return undefined;
}

export const SESSION_COOKIE = 'perf_token';

/**
 * The session cookie's value for an API token: derived from it, not the token itself, so a stolen cookie does not
 * hand over the token (which also works as a bearer token and in scripts). Changing PERF_API_TOKEN ends every session.
 */
export function sessionValue(apiToken: string): string {
  return createHmac('sha256', apiToken).update('perf dashboard session v1').digest('base64url');
}

/** Whether a request carries the API token (bearer header) or a session cookie made for it. */
export function authorized(req: IncomingMessage, apiToken: string): boolean {
  if (tokenMatches(req.headers.authorization, apiToken)) return true;
  const session = cookie(req.headers.cookie, SESSION_COOKIE);
  return session !== undefined && sameSecret(session, sessionValue(apiToken));
}

/**
 * Why a state-changing API request (POST, PUT, DELETE) from a browser is refused as cross-site, or undefined when it
 * may go on. A page on another site (or another port of this host) could otherwise create alert rules with the
 * visitor's session, or, without a token, with no credentials at all: the API takes JSON whatever its content type.
 * Browsers say where a request comes from (Sec-Fetch-Site, set by the browser alone; else Origin); clients that
 * are not browsers (curl, scripts, the OpenTelemetry SDK) send neither and are not affected.
 */
export function crossSiteRefusal(req: IncomingMessage): string | undefined {
  const method = req.method ?? 'GET';
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return undefined;
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string') return site === 'same-origin' || site === 'none' ? undefined : `a ${site} request (Sec-Fetch-Site)`;
  const origin = req.headers.origin;
  if (origin === undefined) return undefined;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return `Origin ${origin}`;
  }
  // behind a reverse proxy that rewrites Host, the host the browser used is in X-Forwarded-Host
  const forwarded = req.headers['x-forwarded-host'];
  const hosts = [req.headers.host, ...(typeof forwarded === 'string' ? forwarded.split(',').map((h) => h.trim()) : [])];
  return host !== '' && hosts.includes(host) ? undefined : `Origin ${origin}`;
}

/**
 * Failed sign-ins per client address: after `limit` failures within `windowMs`, further attempts are refused
 * until the oldest failure leaves the window (a token cannot be guessed at 400 tries a second).
 */
/**
 * The address a request came from, as the login limiter counts it: the socket's peer, or with `trustProxy`
 * (PERF_TRUST_PROXY, a reverse proxy in front) the last address in `X-Forwarded-For`, which that proxy appended
 * (entries before it are the client's to choose). Behind a proxy the socket's peer is the proxy for everyone.
 */
export function clientAddress(req: IncomingMessage, trustProxy = false): string {
  const peer = req.socket.remoteAddress ?? '';
  if (!trustProxy) return peer;
  const header = req.headers['x-forwarded-for'];
  const list = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',');
  const last = list[list.length - 1].trim();
  return last === '' ? peer : last;
}

export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly limit = 10,
    private readonly windowMs = 60_000,
  ) {}

  /** ms until this address may try again, or 0. */
  retryAfterMs(address: string, now = Date.now()): number {
    const times = this.recent(address, now);
    return times.length < this.limit ? 0 : times[0] + this.windowMs - now;
  }

  fail(address: string, now = Date.now()): void {
    const times = this.recent(address, now);
    times.push(now);
    this.failures.set(address, times);
    // bounded: the addresses with no recent failure go
    if (this.failures.size > 10_000) for (const [a] of this.failures) if (this.recent(a, now).length === 0) this.failures.delete(a);
  }

  private recent(address: string, now: number): number[] {
    const times = (this.failures.get(address) ?? []).filter((t) => t > now - this.windowMs);
    if (times.length === 0) this.failures.delete(address);
    return times;
  }
}

/** Whether a peer address is this machine's loopback (127.0.0.0/8, ::1, either as an IPv4-mapped IPv6 address). */
function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4.startsWith('127.') || address === '::1';
}

/**
 * Why a request to a dashboard without PERF_API_TOKEN is refused as DNS rebinding, or undefined. A page of another
 * site that re-points its own name at 127.0.0.1 reaches the dashboard as a same-origin page of that name: it could
 * read everything and create alert rules sending the fleet's data anywhere. Such a request comes from this machine
 * with a Host that is none of its names, so from a loopback peer only these Hosts are taken: IP addresses,
 * `localhost` and `*.localhost`, this machine's host name, and the names in PERF_ALLOWED_HOSTS (`*`: any). Other
 * machines reach it by whatever name their DNS gives (Docker service names, a LAN name): not refused.
 */
export function rebindingRefusal(req: IncomingMessage, allowedHosts: readonly string[]): string | undefined {
  const host = req.headers.host;
  if (host === undefined || !isLoopback(req.socket.remoteAddress) || allowedHosts.includes('*')) return undefined;
  // the name without its port ([::1]:3000, 127.0.0.1:3000, name:3000) and a trailing dot
  const name = (host.startsWith('[') ? host.slice(1, host.indexOf(']')) : host.replace(/:\d*$/, '')).replace(/\.$/, '').toLowerCase();
  if (isIP(name) !== 0 || name === 'localhost' || name.endsWith('.localhost')) return undefined;
  const own = hostname().toLowerCase();
  if (name === own || name === own.split('.')[0] || allowedHosts.includes(name)) return undefined;
  return `Host "${host}" is not a name of this dashboard: a request from this machine by another name is what a page of another site does after re-pointing its name here (DNS rebinding); add the name to PERF_ALLOWED_HOSTS, or set PERF_API_TOKEN`;
}
