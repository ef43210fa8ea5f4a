// hot-route: the route whose p99 regressed against its own recent past, or the route that holds most of
// the request time of nodes that are running hot (where the fleet's capacity goes).

import type { DiagnosisInput, FindingDraft, NodeWindow, RouteWindow, Verdict } from '../types.js';
import { countWhere, hasRecent, lastValues, median, pastValues, recent, routeName } from '../window.js';

/** regressed: p99 at least 2× its own past and 50 ms more… */
const REGRESSION_MULTIPLE = 2;
const REGRESSION_MIN_S = 0.05;
/**
 * …in 80% of the last 30 s: a regression is a lasting change (a deploy, a data growth), not a burst —
 * bursts are the incident rules' business (io-wait, event-loop-blocked), and a 30 s bar keeps a busy
 * machine's noise from reading as one
 */
const REGRESSION_SECONDS = 30;
const REGRESSION_SHARE = 0.8;
/** the past it is compared with: the window before those seconds and a 10 s gap, at least 20 s of it */
const PAST_GAP_SECONDS = 10;
const PAST_MIN_SAMPLES = 20;
/** enough traffic for a p99 to mean something */
const MIN_RPS = 1;
/** "running hot": CPU or event-loop utilisation at 70% or more (queues start to build past it) */
const HOT = 0.7;
/** "most of": half of the hot nodes' request time */
const DOMINANT_SHARE = 0.5;

function hot(n: NodeWindow): boolean {
  return recent(n.cpu) >= HOT || recent(n.elu) >= HOT;
}

export function hotRoute(input: DiagnosisInput): Verdict {
  const judged = input.routes.filter((r) => hasRecent(r.latencyP99));
  if (judged.length === 0) return { status: 'insufficient-data', reason: 'no route served requests in the last seconds' };
  const drafts: FindingDraft[] = [];
  for (const r of judged) {
    if (!(recent(r.rps) >= MIN_RPS)) continue;
    const past = pastValues(r.latencyP99, REGRESSION_SECONDS + PAST_GAP_SECONDS);
    if (past.length < PAST_MIN_SAMPLES) continue;
    // against the lower of the window's past and the route's usual level: the window's past can be an earlier
    // incident's (see RouteWindow.usual)
    const windowPast = median(past);
    const usual = r.usual?.p99 ?? NaN;
    const fromUsual = usual < windowPast;
    const before = fromUsual ? usual : windowPast;
    const limit = Math.max(REGRESSION_MULTIPLE * before, before + REGRESSION_MIN_S);
    const { present, hits } = countWhere(r.latencyP99, (v) => v >= limit, REGRESSION_SECONDS);
    if (present < REGRESSION_SECONDS / 2 || hits < REGRESSION_SHARE * present) continue;
    const name = routeName(r);
    // the regressed level: the recent seconds' while they are above the limit, else the median of the window's seconds
    // above it. The last few seconds alone could already be back to normal while the window still holds the regression
    // (the finding then clears): "regressed: p99 383 µs against 679 µs (0.56×)" said the opposite of the finding; but
    // the window's median held a first incident's 251 ms for 17 s into a second one at 105 ms (live verification).
    const now = recent(r.latencyP99);
    const p99 = now >= limit ? now : median(lastValues(r.latencyP99, REGRESSION_SECONDS).filter((v) => v >= limit));
    drafts.push({
      kind: 'hot-route',
      variant: 'regression',
      subject: `${r.service}|${name}|regression`,
      severity: p99 >= 4 * before ? 'critical' : 'warning',
      nodes: [],
      routes: [name],
      evidence: [{ metric: 'latency.p99', value: p99, baseline: before, baselineKind: fromUsual ? 'usual' : 'own-past', unit: 's', route: name }],
      facts: { route: name, p99, before, ratio: p99 / before, share: recent(r.timeShare) || 0, usualMinutes: fromUsual ? Math.round(r.usual!.seconds / 60) : 0 },
    });
  }
  // dominant: on hot nodes, the route holding most of their request time (per-node detail when present)
  const hotNodes = input.nodes.filter(hot);
  const share = new Map<string, { r: RouteWindow; share: number; nodes: string[] }>();
  for (const n of hotNodes) {
    for (const r of n.routes ?? []) {
      const s = recent(r.timeShare);
      if (!(s >= DOMINANT_SHARE)) continue;
      const name = routeName(r);
      const e = share.get(name) ?? { r, share: 0, nodes: [] };
      e.share = Math.max(e.share, s);
      e.nodes.push(n.instance);
      share.set(name, e);
    }
  }
  if (share.size === 0 && hotNodes.length * 2 > input.nodes.length) {
    for (const r of judged) {
      const s = recent(r.timeShare);
      if (s >= DOMINANT_SHARE) share.set(routeName(r), { r, share: s, nodes: hotNodes.map((n) => n.instance) });
    }
  }
  for (const [name, e] of share) {
    drafts.push({
      kind: 'hot-route',
      variant: 'dominant',
      subject: `${e.r.service}|${name}|dominant`,
      severity: 'info',
      nodes: e.nodes,
      routes: [name],
      evidence: [{ metric: 'latency.p50', value: recent(e.r.latencyP50), baseline: NaN, baselineKind: 'own-past', unit: 's', route: name }],
      facts: { route: name, share: e.share, nodeCount: e.nodes.length, hotNodes: hotNodes.length },
    });
  }
  return drafts.length > 0 ? { status: 'issue', findings: drafts } : { status: 'none' };
}
