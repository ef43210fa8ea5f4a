// End-to-end helpers: a real dashboard (startServer, ephemeral ports, diagnosis mounted), polling its
// /api/v1/findings, and timing a scenario's cause from switch-on to finding to clear.

import { startServer, type RunningServer } from '../../../server/server.js';
import type { ServiceFinding } from '../../../server/diagnose/diagnoser.js';
import type { FindingKind } from '../../../server/diagnose/types.js';

export async function startDashboard(): Promise<RunningServer> {
  return startServer({ ui: false, port: 0, otlpPort: 0, host: '127.0.0.1', dataDir: null, modules: ['diagnose'], log: () => {} });
}

/**
 * GET an API path as a client should: a 503 while the dashboard catches up on ingest (PERF_API_BUSY) is retried
 * after its Retry-After, a few times (a crowded test machine can hold ingest back a second).
 */
async function getJson<T>(server: RunningServer, path: string): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(`${server.url}${path}`);
    if (res.status === 503 && attempt < 10) {
      await res.body?.cancel();
      await sleep(1000 * Number(res.headers.get('retry-after') ?? 1));
      continue;
    }
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }
}

export async function findings(server: RunningServer, query = ''): Promise<ServiceFinding[]> {
  return getJson<ServiceFinding[]>(server, `/api/v1/findings${query}`);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` every `everyMs` until it returns a value (not undefined) or `timeoutMs` passes. */
export async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs: number, everyMs = 250): Promise<T | undefined> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const v = await probe();
    if (v !== undefined) return v;
    await sleep(everyMs);
  }
  return undefined;
}

export interface Expectation {
  kind: FindingKind;
  instance?: string;
  route?: string;
}

export function matches(f: ServiceFinding, e: Expectation): boolean {
  return f.kind === e.kind && (e.instance === undefined || f.nodes.includes(e.instance)) && (e.route === undefined || f.routes.includes(e.route));
}

export interface Timing {
  /** ms from switching the cause on to the first matching finding (undefined: never within the limit) */
  detectMs: number | undefined;
  finding: ServiceFinding | undefined;
  /** every finding seen at detection (other kinds too) */
  seen: ServiceFinding[];
  /** ms from switching the cause off to the finding being gone */
  clearMs: number | undefined;
}

/**
 * Switches a cause on, waits for the expected finding (up to `detectLimitMs`), switches it off and waits
 * for that finding to clear (up to `clearLimitMs`).
 */
export async function timeCause(server: RunningServer, service: string, expect: Expectation, set: (on: boolean) => void, detectLimitMs = 20_000, clearLimitMs = 40_000): Promise<Timing> {
  const q = `?service=${encodeURIComponent(service)}`;
  const t0 = Date.now();
  set(true);
  let seen: ServiceFinding[] = [];
  const finding = await waitFor(async () => {
    seen = await findings(server, q);
    return seen.find((f) => matches(f, expect));
  }, detectLimitMs);
  const detectMs = finding ? Date.now() - t0 : undefined;
  const t1 = Date.now();
  set(false);
  const cleared = await waitFor(async () => ((await findings(server, q)).some((f) => matches(f, { kind: expect.kind, instance: expect.instance })) ? undefined : true), clearLimitMs);
  return { detectMs, finding, seen, clearMs: cleared ? Date.now() - t1 : undefined };
}

/** Waits until the service has no finding at all (so the next cause starts from a quiet fleet). */
export async function quiet(server: RunningServer, service: string, timeoutMs = 40_000): Promise<boolean> {
  const ok = (await waitFor(async () => ((await findings(server, `?service=${service}`)).length === 0 ? true : undefined), timeoutMs, 500)) === true;
  // what kept it from being quiet, for whoever reads a failed run
  if (!ok) for (const f of await findings(server, `?service=${service}`)) console.log(`not quiet: ${f.kind} ${f.nodes.join(',')}: ${f.summary}`);
  return ok;
}

/** Waits until `count` nodes of the service have reported for a few seconds. */
export async function fleetUp(server: RunningServer, service: string, count: number, timeoutMs = 60_000): Promise<void> {
  const ok = await waitFor(async () => {
    const rows = await getJson<{ rps: number }[]>(server, `/api/v1/nodes?service=${service}`);
    return rows.length >= count && rows.every((r) => r.rps > 0) ? true : undefined;
  }, timeoutMs, 500);
  if (!ok) throw new Error(`${count} nodes of ${service} did not report within ${timeoutMs} ms`);
}

/** Detection times of this run, printed for BENCHMARKS.md ("## Detection times"). */
export function report(label: string, t: Timing): void {
  const kindOf = new Map(t.seen.map((f) => [f.id, f.kind]));
  const links = t.seen.flatMap((f) => f.causedBy.map((c) => `${kindOf.get(c) ?? c} → ${f.kind}`));
  console.log(
    `detection: ${label}: detected ${t.detectMs === undefined ? 'never' : `${(t.detectMs / 1000).toFixed(1)} s`}, cleared ${t.clearMs === undefined ? 'never' : `${(t.clearMs / 1000).toFixed(1)} s`} after the cause stopped` +
      (links.length > 0 ? ` (linked at detection: ${links.join(', ')})` : '') +
      (t.finding ? `: "${t.finding.summary}"` : ''),
  );
}

/**
 * timeCause, and when the finding came but after `limitMs`, once more: the tests share 2 cores with the
 * whole suite, and a second run tells a slow machine from a slow rule. Both runs are printed.
 */
export async function timeCauseTwice(server: RunningServer, service: string, expect: Expectation, set: (on: boolean) => void, label: string, limitMs = 10_000): Promise<Timing> {
  let t = await timeCause(server, service, expect, set);
  report(label, t);
  if (t.finding && t.detectMs! > limitMs && t.clearMs !== undefined && (await quiet(server, service))) {
    t = await timeCause(server, service, expect, set);
    report(`${label}, second run`, t);
  }
  return t;
}
