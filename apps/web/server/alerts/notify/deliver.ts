// The one way perf sends a notification, for every target kind: POST with a timeout, signed when the target has
// a secret, retried with exponential backoff and jitter on network errors, timeouts and 5xx, `Retry-After`
// honoured on 429 (and 503), no retry on other 4xx. Every attempt is reported through `onAttempt` before
// waiting, so the durable queue can record it and resume after a restart from `firstAttempt`.
import http from 'node:http';
import https from 'node:https';
import { sign, DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER } from './sign.js';
import { checkTargetUrl, guardedLookup } from './url-guard.js';

export interface DeliveryRequest {
  /** Idempotency key: `X-Perf-Delivery` and `Idempotency-Key`, the same on every attempt. */
  id: string;
  url: string;
  /** Raw JSON body; identical bytes on every attempt. */
  body: string;
  /** Signs the request when set. */
  secret?: string;
}

export interface DeliverOptions {
  /** Per-attempt limit for connecting, sending and reading the answer (ms). Default 10 s. */
  timeoutMs?: number;
  /** Attempts before giving up. Default 12 (about an hour with the default delays). */
  maxAttempts?: number;
  /** First retry delay (ms), doubled on each attempt. Default 1 s. */
  baseDelayMs?: number;
  /** Largest backoff delay (ms). Default 10 min. */
  maxDelayMs?: number;
  /** Largest wait a `Retry-After` may ask for (ms). Default 1 h. */
  maxRetryAfterMs?: number;
  /** Refuse names resolving to private addresses (PERF_ALERTS_BLOCK_PRIVATE). */
  blockPrivate?: boolean;
  /** Attempt number to start from when resuming (1-based). */
  firstAttempt?: number;
  /** Stops waiting between attempts (shutdown): the result is 'aborted' and the queue keeps the delivery. */
  signal?: AbortSignal;
  /** Called after every attempt, before any wait. */
  onAttempt?: (attempt: AttemptRecord) => void;
  /** Random source in [0, 1) for jitter (tests pin it). */
  random?: () => number;
}

export type AttemptOutcome = 'delivered' | 'retry' | 'failed';

export interface AttemptRecord {
  attempt: number;
  /** Start of the attempt, ms since epoch. */
  at: number;
  durationMs: number;
  /** HTTP status, when an answer came. */
  status?: number;
  /** Why it did not succeed: network error, timeout, or the status with the start of the answer. */
  error?: string;
  outcome: AttemptOutcome;
  /** When the next attempt is due (ms since epoch), for outcome 'retry'. */
  nextAttemptAt?: number;
}

export interface DeliveryResult {
  outcome: 'delivered' | 'failed' | 'aborted';
  attempts: number;
  status?: number;
  error?: string;
}

interface Answer {
  status?: number;
  retryAfter?: string;
  error?: string;
  text?: string;
}

const USER_AGENT = 'perf-alerts/1';
const MAX_ANSWER_BYTES = 4096;

/** One HTTP attempt. Never throws. */
function attemptOnce(req: DeliveryRequest, timestamp: number, options: DeliverOptions): Promise<Answer> {
  return new Promise((resolve) => {
    let url: URL;
    try {
      url = new URL(req.url);
    } catch {
      resolve({ error: 'invalid URL' });
      return;
    }
    // a literal IP is never looked up, so guardedLookup does not see it: checked here, at every delivery (rules
    // saved before PERF_ALERTS_BLOCK_PRIVATE was turned on, a rules file's last valid version)
    if (options.blockPrivate) {
      const refused = checkTargetUrl(req.url, true);
      if (refused !== undefined) {
        resolve({ error: `the target ${refused}` });
        return;
      }
    }
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      'content-length': String(Buffer.byteLength(req.body)),
      [DELIVERY_HEADER]: req.id,
      'idempotency-key': req.id,
    };
    if (req.secret !== undefined) {
      headers[TIMESTAMP_HEADER] = String(timestamp);
      headers[SIGNATURE_HEADER] = sign(req.secret, timestamp, req.body);
    }
    const mod = url.protocol === 'https:' ? https : http;
    let done = false;
    const finish = (a: Answer) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(a);
    };
    const r = mod.request(url, { method: 'POST', headers, ...(options.blockPrivate ? { lookup: guardedLookup } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        if (size < MAX_ANSWER_BYTES) chunks.push(c);
        size += c.length;
      });
      res.on('end', () =>
        finish({
          status: res.statusCode,
          retryAfter: res.headers['retry-after'],
          text: Buffer.concat(chunks).toString('utf8').slice(0, 300),
        }),
      );
      res.on('error', (e) => finish({ status: res.statusCode, error: e.message }));
    });
    const timer = setTimeout(() => {
      finish({ error: `timed out after ${options.timeoutMs ?? 10_000} ms` });
      r.destroy();
    }, options.timeoutMs ?? 10_000);
    r.on('error', (e: NodeJS.ErrnoException) => finish({ error: e.code ? `${e.code}: ${e.message}` : e.message }));
    r.end(req.body);
  });
}

/** `Retry-After` as delay-seconds or an HTTP date, in ms from now; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (!value) return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : Math.max(0, t - nowMs);
}

/** Exponential backoff with equal jitter: a delay in [d/2, d) where d = base × 2^(attempt−1), capped. */
export function backoffDelay(attempt: number, options: DeliverOptions): number {
  const base = options.baseDelayMs ?? 1000;
  const d = Math.min(options.maxDelayMs ?? 600_000, base * 2 ** Math.min(attempt - 1, 30));
  return Math.round(d / 2 + (options.random ?? Math.random)() * (d / 2));
}

function classify(a: Answer): { outcome: AttemptOutcome; error?: string } {
  if (a.status === undefined) return { outcome: 'retry', error: a.error ?? 'no answer' };
  if (a.status >= 200 && a.status < 300) return { outcome: 'delivered' };
  const reason = `HTTP ${a.status}${a.text ? `: ${a.text.replace(/\s+/g, ' ').trim()}` : ''}`;
  if (a.status === 429 || a.status === 408 || a.status >= 500) return { outcome: 'retry', error: reason };
  if (a.status >= 300 && a.status < 400) return { outcome: 'failed', error: `${reason} (redirects are not followed; use the final URL)` };
  return { outcome: 'failed', error: reason };
}

function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      resolve(false);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Sends one notification until it is delivered, refused, out of attempts, or aborted. Never throws. */
export async function deliver(req: DeliveryRequest, options: DeliverOptions = {}): Promise<DeliveryResult> {
  const maxAttempts = options.maxAttempts ?? 12;
  let attempt = options.firstAttempt ?? 1;
  for (;;) {
    if (options.signal?.aborted) return { outcome: 'aborted', attempts: attempt - 1 };
    const at = Date.now();
    const answer = await attemptOnce(req, Math.floor(at / 1000), options);
    const now = Date.now();
    let { outcome, error } = classify(answer);
    let wait = 0;
    if (outcome === 'retry') {
      if (attempt >= maxAttempts) {
        outcome = 'failed';
        error = `${error}; gave up after ${attempt} attempts`;
      } else {
        const asked = answer.status === 429 || answer.status === 503 ? parseRetryAfter(answer.retryAfter, now) : undefined;
        wait = asked !== undefined ? Math.min(asked, options.maxRetryAfterMs ?? 3_600_000) : backoffDelay(attempt, options);
      }
    }
    const record: AttemptRecord = { attempt, at, durationMs: now - at, outcome };
    if (answer.status !== undefined) record.status = answer.status;
    if (error !== undefined) record.error = error;
    if (outcome === 'retry') record.nextAttemptAt = now + wait;
    try {
      options.onAttempt?.(record);
    } catch {
      // recording is best effort: a full disk must not turn a delivered notification into a retry storm
    }
    if (outcome === 'delivered') return { outcome, attempts: attempt, status: answer.status };
    if (outcome === 'failed') return { outcome, attempts: attempt, ...(answer.status !== undefined ? { status: answer.status } : {}), ...(error ? { error } : {}) };
    if (!(await sleep(wait, options.signal))) return { outcome: 'aborted', attempts: attempt, ...(error ? { error } : {}) };
    attempt++;
  }
}
