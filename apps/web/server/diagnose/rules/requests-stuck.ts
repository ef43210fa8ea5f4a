// requests-stuck: a node holds far more requests in flight than its finished requests account for, and more than it
// held before: requests are started and not answered (a handler that never ends its response on some path, a call
// without a timeout to a dependency that never answers, a lock or a pool that never frees). By Little's law the
// requests in flight are the rate they finish at times how long they take; requests that never finish add to the
// count and to nothing else: no latency, error rate or time share shows them, and with clients that wait (no timeout,
// or a long one) no aborted request either. A route hung from its first request, with no past of its own, was seen
// by no rule (requests-abandoned judges a route against its past).
//
// The agent counts in-flight requests per method (a route is known only once the app has routed the request), so
// the finding names the node; a route whose clients give up on many of its requests is named with it. A service whose
// requests stay open on purpose (server-sent events, long polls, streams) holds them in its past (or its peers') too.

import type { DiagnosisInput, EvidenceItem, FindingDraft, NodeWindow, Verdict } from '../types.js';
import { HOLD, RECENT_SECONDS, baseline, hasRecent, lastValues, linearFit, max, median, routeName, sustained } from '../window.js';

/** at least 10 requests held: a handful in flight is any busy moment */
const MIN_STUCK = 10;
/** more than 3× what the node held before, plus 10 */
const PAST_MULTIPLE = 3;
const PAST_GAP = 10;
/** and more than 4× what its finished requests account for (their rate × their mean duration), plus 10 */
const LITTLE_MULTIPLE = 4;
/**
 * seconds of finished requests Little's law is taken over (a second's mean is noisy at low rates), and a shorter span
 * whose figure counts when higher: after a step in duration (a downstream 300 ms → 3 s) the 10 s mean lags, and an
 * outside audit saw requests that all finished called stuck for 6 s
 */
const LITTLE_SECONDS = 10;
const LITTLE_RECENT_SECONDS = 3;
/** critical while the count still climbs: ≥ 0.5 more a second on a line (R² ≥ 0.8) through the last 15 s */
const GROWING_PER_S = 0.5;
const GROWING_R2 = 0.8;
const GROWING_SECONDS = 15;
/**
 * A node climbing steadily (≥ 1 a second on a line, R² ≥ 0.8, through the last 30 s) is judged against its peers'
 * past alone: its own may be the climb itself (it began before the window, or while the dashboard was down: an outside
 * audit's node went from 45 to 488 in flight unnamed)
 */
const CLIMB_PER_S = 1;
const CLIMB_SECONDS = 30;
/**
 * A finding raised is judged against the past it was raised against until it has lived 5 minutes and its count has held
 * level through the last minute (no climb of 0.5 a second): then that level is the node's normal, and its own past
 * again (a server-sent-events node's streams stayed "stuck" for as long as they were open in an outside audit)
 */
const HELD_PAST_MS = 5 * 60_000;
const LEVEL_SECONDS = 60;
/**
 * a route is named with the node when its clients gave up on a fifth of its requests or more lately (≥ 0.2 a second):
 * 1 request in 3 hung until its client's timeout is a third
 */
const ROUTE_ABANDONED_SHARE = 0.2;
const ROUTE_MIN_ABORTED = 0.2;
/** a route is named with the node when it holds a fifth or more of the requests in flight its agent named routes for */
const HELD_ROUTE_SHARE = 0.2;

/**
 * What the node's finished requests account for in flight, each second: requests × mean duration over the last ~10 s,
 * or over the last 3 s when that is more.
 */
function littleExpected(n: NodeWindow): Float64Array {
  const long = littleOver(n, LITTLE_SECONDS);
  const recent = littleOver(n, LITTLE_RECENT_SECONDS);
  for (let i = 0; i < long.length; i++) if (recent[i] > long[i]) long[i] = recent[i];
  return long;
}

/** Request-seconds finished per second over the last `span` seconds with data, each second. */
function littleOver(n: NodeWindow, span: number): Float64Array {
  const len = n.rps.length;
  const out = new Float64Array(len);
  const mean = n.latencyMean;
  let requests = 0;
  let busy = 0;
  let seconds = 0;
  for (let i = 0; i < len; i++) {
    const r = n.rps[i];
    if (!Number.isNaN(r)) {
      requests += r;
      const m = mean?.[i] ?? NaN;
      if (r > 0 && !Number.isNaN(m)) busy += r * m;
      seconds++;
    }
    const j = i - span;
    if (j >= 0 && !Number.isNaN(n.rps[j])) {
      const rj = n.rps[j];
      requests -= rj;
      const mj = mean?.[j] ?? NaN;
      if (rj > 0 && !Number.isNaN(mj)) busy -= rj * mj;
      seconds--;
    }
    // request-seconds per second over the last seconds with data: the mean number in flight
    out[i] = seconds > 0 && requests > 0 ? Math.max(0, busy) / seconds : 0;
  }
  return out;
}

/**
 * What the node held in flight before the judged seconds: its own past (`own`), or as much as the other nodes of its
 * service held in theirs (`peers`: the median of those with a past) when that is more. A node restarted or added by a
 * deploy of a service whose requests stay open on purpose (server-sent events, streams) fills up to its peers' level
 * again: an outside audit saw each such node named while its clients reconnected, against "0 before". A node started
 * within the window with no peer past held none before it (a route hung from its first request); otherwise NaN.
 */
function pastInFlight(n: NodeWindow, input: DiagnosisInput, own: number, peers: number): number {
  if (!Number.isNaN(own) || !Number.isNaN(peers)) return Math.max(Number.isNaN(own) ? 0 : own, Number.isNaN(peers) ? 0 : peers);
  const first = input.times[0];
  return n.startedAt !== undefined && first !== undefined && n.startedAt > first ? 0 : NaN;
}

/** Each node's own past in flight (NaN without one) and, per service, those pasts sorted: made once a service needs them. */
class Pasts {
  readonly #own = new Map<NodeWindow, number>();
  readonly #sorted = new Map<string, number[]>();
  constructor(private readonly reporting: readonly NodeWindow[]) {}

  own(n: NodeWindow): number {
    this.#service(n.service);
    return this.#own.get(n)!;
  }

  /** The median of the other nodes' pasts in n's service (those with one); NaN when none has. */
  peers(n: NodeWindow): number {
    const sorted = this.#service(n.service);
    const mine = this.#own.get(n)!;
    // the sorted pasts without one occurrence of n's own
    const skip = Number.isNaN(mine) ? sorted.length : sorted.indexOf(mine);
    const len = skip < sorted.length ? sorted.length - 1 : sorted.length;
    if (len === 0) return NaN;
    const at = (i: number) => sorted[i < skip ? i : i + 1];
    const mid = len >> 1;
    return len % 2 === 1 ? at(mid) : (at(mid - 1) + at(mid)) / 2;
  }

  #service(service: string): number[] {
    let sorted = this.#sorted.get(service);
    if (sorted === undefined) {
      sorted = [];
      for (const m of this.reporting) {
        if (m.service !== service) continue;
        const past = baseline(m.inFlight!);
        this.#own.set(m, past);
        if (!Number.isNaN(past)) sorted.push(past);
      }
      sorted.sort((a, b) => a - b);
      this.#sorted.set(service, sorted);
    }
    return sorted;
  }
}

export function requestsStuck(input: DiagnosisInput): Verdict {
  const reporting = input.nodes.filter((n) => n.inFlight !== undefined && hasRecent(n.inFlight));
  if (reporting.length === 0) return { status: 'insufficient-data', reason: 'no node reports its requests in flight' };
  const byService = new Map<string, { node: NodeWindow; inFlight: number; expected: number; before: number; growth: number; growing: boolean; critical: boolean }[]>();
  const pasts = new Pasts(reporting);
  const now = input.times.at(-1) ?? 0;
  for (const n of reporting) {
    const inFlight = n.inFlight!;
    const held = input.active?.get(`requests-stuck|nodes|${n.service}`);
    const k = held?.nodes.includes(n.instance) ? HOLD : 1;
    // its line is never under k × MIN_STUCK: a node holding fewer in every recent second is not judged further (most
    // nodes, every second)
    if (!(max(lastValues(inFlight, RECENT_SECONDS)) >= k * MIN_STUCK)) continue;
    const climb = linearFit(inFlight, CLIMB_SECONDS);
    const climbing = climb.slope >= CLIMB_PER_S && climb.r2 >= GROWING_R2;
    // a finding raised is judged against the past it was raised against (a plateau of hung requests becomes the
    // window's past within a minute), until it has held level for long
    const level = held !== undefined && now - held.since >= HELD_PAST_MS && !(linearFit(inFlight, LEVEL_SECONDS).slope >= GROWING_PER_S);
    const heldBefore = held === undefined || level ? NaN : Number(held.facts[`before:${n.instance}`]);
    const peer = pasts.peers(n);
    const before = !Number.isNaN(heldBefore) ? heldBefore : climbing ? (Number.isNaN(peer) ? 0 : peer) : pastInFlight(n, input, pasts.own(n), peer);
    if (Number.isNaN(before)) continue;
    const expected = littleExpected(n);
    // Requests whose response has begun (streams, server-sent events, downloads: the agent tells them apart) are being
    // answered (100 SSE streams opened on a new service were "started and not answered" for as long as they were open:
    // an outside audit). Those left must be over the line on their own, and the past is taken to have held the streams
    // too: counted in both, the streams put the line at 3× their number (a hang beside 100 streams was named after 78 s
    // instead of 15; the next audit)
    const answering = (n.inFlightRoutes ?? []).reduce((sum, r) => sum + r.answering, 0);
    const line = answering + k * Math.max(MIN_STUCK, PAST_MULTIPLE * Math.max(0, before - answering) + PAST_GAP);
    if (!sustained(inFlight, (v, i) => v >= line && v >= k * (LITTLE_MULTIPLE * expected[i] + PAST_GAP))) continue;
    const fit = linearFit(inFlight, GROWING_SECONDS);
    const growing = fit.slope >= GROWING_PER_S && fit.r2 >= GROWING_R2;
    // nothing known of what it held before (a node of a service new to the dashboard): a route slow by design, an export of
    // 20–40 s, looks hung until its first requests finish (outside audit W): a warning, not critical
    const unknown = Number.isNaN(heldBefore) && Number.isNaN(pasts.own(n)) && Number.isNaN(peer);
    const row = { node: n, inFlight: median(lastValues(inFlight, RECENT_SECONDS)), expected: expected[expected.length - 1], before, growth: fit.slope, growing, critical: growing && !unknown };
    const list = byService.get(n.service);
    if (list === undefined) byService.set(n.service, [row]);
    else list.push(row);
  }
  const drafts: FindingDraft[] = [];
  for (const [service, rows] of byService) {
    rows.sort((a, b) => b.inFlight - a.inFlight);
    const worst = rows[0];
    const held = heldRoutes(rows.map((r) => r.node));
    // (a stream's client closing it is its normal end, not giving up: the routes the stuck nodes are answering on are
    // not named as abandoned; an outside audit's SSE route read "clients give up on 100% of GET /events's requests")
    const streaming = new Set(rows.flatMap((r) => (r.node.inFlightRoutes ?? []).filter((x) => x.answering > 0 && x.answering === x.count).map((x) => x.name)));
    const abandoned = abandonedRoutes(input, service).filter((r) => !streaming.has(r.name));
    const routes = [...held.map((r) => r.name), ...abandoned.map((r) => r.name).filter((name) => !held.some((h) => h.name === name))];
    const evidence: EvidenceItem[] = rows
      .slice(0, 5)
      .map((r): EvidenceItem => ({ metric: 'inFlight', value: r.inFlight, baseline: r.before, baselineKind: 'own-past', unit: 'requests', instance: r.node.instance }));
    for (const r of abandoned.slice(0, 3)) evidence.push({ metric: 'aborted', value: r.perSecond, baseline: NaN, baselineKind: 'threshold', unit: 'per-s', route: r.name });
    const facts: Record<string, number | string> = {
      node: worst.node.instance,
      nodeCount: rows.length,
      inFlight: worst.inFlight,
      expected: worst.expected,
      before: worst.before,
      growth: worst.growing ? worst.growth : 0,
      route: abandoned[0]?.name ?? '',
      abandoned: abandoned[0]?.share ?? 0,
      heldRoute: held[0]?.name ?? '',
      heldRouteCount: held[0]?.count ?? 0,
      heldListed: held[0]?.listed ?? 0,
    };
    for (const r of rows) facts[`before:${r.node.instance}`] = r.before;
    drafts.push({
      kind: 'requests-stuck',
      variant: 'nodes',
      subject: service,
      severity: rows.some((r) => r.critical) ? 'critical' : 'warning',
      nodes: rows.map((r) => r.node.instance),
      routes,
      evidence,
      facts,
    });
  }
  return drafts.length > 0 ? { status: 'issue', findings: drafts } : { status: 'none' };
}

/**
 * The routes holding the stuck nodes' requests in flight not answered yet (no response begun), where their agents named
 * them (the perf agent does with 10 or more in flight): those with a fifth of such requests listed or more, busiest
 * first, at most 3. `listed`: the requests the lists hold in all (the agent names routes only for HTTP/1 requests).
 */
function heldRoutes(nodes: readonly NodeWindow[]): { name: string; count: number; listed: number }[] {
  const counts = new Map<string, number>();
  let listed = 0;
  for (const n of nodes) {
    for (const r of n.inFlightRoutes ?? []) {
      // (not answered yet: a stream being sent is not what holds the node)
      const waiting = r.count - r.answering;
      counts.set(r.name, (counts.get(r.name) ?? 0) + waiting);
      listed += waiting;
    }
  }
  return [...counts]
    .filter(([name, count]) => count >= HELD_ROUTE_SHARE * listed && count >= 2 && !name.endsWith(' other'))
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([name, count]) => ({ name, count, listed }));
}

/** The service's routes whose clients gave up on many of their requests lately (a hung route whose clients time out). */
function abandonedRoutes(input: DiagnosisInput, service: string): { name: string; perSecond: number; share: number }[] {
  const out: { name: string; perSecond: number; share: number }[] = [];
  for (const r of input.routes) {
    if (r.service !== service || r.aborted === undefined) continue;
    let aborted = 0;
    let finished = 0;
    let seconds = 0;
    for (let i = Math.max(0, r.aborted.length - LITTLE_SECONDS); i < r.aborted.length; i++) {
      const a = r.aborted[i];
      const f = r.rps[i];
      if (Number.isNaN(a) && Number.isNaN(f)) continue;
      aborted += Number.isNaN(a) ? 0 : a;
      finished += Number.isNaN(f) ? 0 : f;
      seconds++;
    }
    const perSecond = seconds > 0 ? aborted / seconds : 0;
    const share = aborted + finished > 0 ? aborted / (aborted + finished) : 0;
    if (perSecond >= ROUTE_MIN_ABORTED && share >= ROUTE_ABANDONED_SHARE) out.push({ name: routeName(r), perSecond, share });
  }
  return out.sort((a, b) => b.perSecond - a.perSecond);
}
