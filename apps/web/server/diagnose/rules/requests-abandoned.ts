// requests-abandoned: the clients of a route give up on its requests before they are answered, well above the
// route's own past: a dependency that never answers, a lock or a pool with no free slot, a response never ended on
// some path. Aborted requests finish nothing, so no latency, error rate or time share shows them: a route whose
// requests hung until their clients left was visible nowhere (outside audit). A long-poll or streaming route whose
// clients always leave is its own normal, and a route with no past (just started, or a dashboard just started) is
// not judged until it has one.

import type { DiagnosisInput, EvidenceItem, FindingDraft, NodeWindow, RouteWindow, Series, Verdict } from '../types.js';
import { HOLD, RECENT_SECONDS, baseline, hasRecent, routeName, sustained } from '../window.js';

/** at least 1 request a second given up on: fewer is a user closing a tab now and then */
const MIN_ABORTED_PER_S = 1;
/** and 5% of the route's requests (finished and abandoned) */
const MIN_SHARE = 0.05;
/** well above the route's own past: 3× it plus 5 points */
const PAST_MULTIPLE = 3;
const PAST_GAP = 0.05;
/** severe: a quarter of its requests */
const CRITICAL_SHARE = 0.25;

/** The share of a route's requests (finished and abandoned) abandoned each second; NaN where it had none. */
function abandonedShare(r: RouteWindow, aborted: Series): Float64Array {
  const out = new Float64Array(aborted.length).fill(NaN);
  for (let i = 0; i < aborted.length; i++) {
    const a = aborted[i];
    const all = a + (Number.isNaN(r.rps[i]) ? 0 : r.rps[i]);
    if (all > 0) out[i] = a / all;
  }
  return out;
}

/** Requests abandoned and all requests over the last `n` seconds. */
function recentCounts(r: RouteWindow, aborted: Series, n = RECENT_SECONDS): { aborted: number; all: number; seconds: number } {
  let a = 0;
  let all = 0;
  let seconds = 0;
  for (let i = Math.max(0, aborted.length - n); i < aborted.length; i++) {
    if (Number.isNaN(aborted[i])) continue;
    a += aborted[i];
    all += aborted[i] + (Number.isNaN(r.rps[i]) ? 0 : r.rps[i]);
    seconds++;
  }
  return { aborted: a, all, seconds };
}

export function requestsAbandoned(input: DiagnosisInput): Verdict {
  if (!input.routes.some((r) => hasRecent(r.rps))) return { status: 'insufficient-data', reason: 'no requests in the last seconds' };
  const drafts: FindingDraft[] = [];
  for (const r of input.routes) {
    const aborted = r.aborted;
    if (aborted === undefined || !hasRecent(aborted)) continue;
    const name = routeName(r);
    const held = input.active?.get(`requests-abandoned|route|${r.service}|${name}`);
    const k = held === undefined ? 1 : HOLD;
    const share = abandonedShare(r, aborted);
    // a finding raised is judged against the past it was raised against: a long one would become its own baseline
    const before = held !== undefined ? Number(held.facts.before) : baseline(share);
    if (Number.isNaN(before)) continue;
    const floor = k * Math.max(MIN_SHARE, PAST_MULTIPLE * before + PAST_GAP);
    if (!sustained(share, (v, i) => v >= floor && aborted[i] >= k * MIN_ABORTED_PER_S)) continue;
    const now = recentCounts(r, aborted);
    const rate = now.all > 0 ? now.aborted / now.all : 0;
    const perSecond = now.seconds > 0 ? now.aborted / now.seconds : 0;
    // the nodes whose clients give up, where the input has it per node: at least half their fair share of the route's
    const nodes = abandoningNodes(input.nodes.filter((n) => n.service === r.service), perSecond);
    const evidence: EvidenceItem[] = [
      { metric: 'aborted', value: perSecond, baseline: MIN_ABORTED_PER_S, baselineKind: 'threshold', unit: 'per-s', route: name },
      // (a node's figure has no baseline of its own: NaN says none)
      ...nodes.slice(0, 5).map((x): EvidenceItem => ({ metric: 'aborted', value: x.perSecond, baseline: NaN, baselineKind: 'threshold', unit: 'per-s', instance: x.instance })),
    ];
    drafts.push({
      kind: 'requests-abandoned',
      variant: 'route',
      subject: `${r.service}|${name}`,
      severity: rate >= CRITICAL_SHARE ? 'critical' : 'warning',
      nodes: nodes.map((x) => x.instance),
      routes: [name],
      evidence,
      facts: { route: name, rate, before, perSecond, nodeCount: nodes.length, node: nodes[0]?.instance ?? '' },
    });
  }
  return drafts.length > 0 ? { status: 'issue', findings: drafts } : { status: 'none' };
}

/** The service's nodes with at least half their fair share of `perSecond` abandoned requests lately, most first. */
function abandoningNodes(peers: readonly NodeWindow[], perSecond: number): { instance: string; perSecond: number }[] {
  const out: { instance: string; perSecond: number }[] = [];
  for (const n of peers) {
    if (n.aborted === undefined) continue;
    let sum = 0;
    let seconds = 0;
    for (let i = Math.max(0, n.aborted.length - RECENT_SECONDS); i < n.aborted.length; i++) {
      if (Number.isNaN(n.rps[i])) continue;
      sum += n.aborted[i];
      seconds++;
    }
    const mine = seconds > 0 ? sum / seconds : 0;
    if (mine > 0 && mine >= (0.5 * perSecond) / peers.length) out.push({ instance: n.instance, perSecond: mine });
  }
  return out.sort((a, b) => b.perSecond - a.perSecond);
}
