// load-imbalance: a node's request rate far from its service's median (a load balancer or keep-alive
// skew), or one node's latency an outlier at the same load without a busy loop to explain it.

import type { DiagnosisInput, EvidenceItem, FindingDraft, NodeWindow, RouteWindow, Verdict } from '../types.js';
import { afterStartUp, countWhere, hasRecent, lastValues, max, medianAcross, recent, RECENT_SECONDS, SUSTAINED_SECONDS, warmingUp } from '../window.js';
import { routeMixExplains } from './suspects.js';

/** a median comparison needs a few peers: with two nodes "the median" is just their average */
const MIN_NODES = 3;
/** at least 2.5× or at most 0.3× the median rate of its service's nodes */
const HIGH_MULTIPLE = 2.5;
const LOW_MULTIPLE = 0.3;
/** and the gap worth a look: 5 req/s (below it, Poisson noise of small rates produces big ratios) */
const MIN_GAP_RPS = 5;
/**
 * a service whose median node serves under 1 req/s has no balance to judge: bursts of a few requests land on one node
 * at a time (an outside audit: "serves 5 req/s against a median of 0 req/s (Infinity×)", critical)
 */
const MIN_MEDIAN_RPS = 1;
/**
 * the low side, sustained longer (30 of the last 40 s: a node taken out of the balancer before its stop, a Kubernetes
 * preStop sleep or a deregistration delay of 25 s, serves nothing for a while on purpose, and gets no signal to say so
 * until it is stopped), and only for a node that served its share at some point in the window: one that never did (a
 * standby, a pod waiting for its readiness) is out of rotation, not skewed
 */
const LOW_SECONDS = 40;
const LOW_NEED = 30;
/**
 * latency outlier: p99 at least 3× the service's median and 50 ms more, at "the same load": within
 * 1/3–3× the median rate in that second (an export landing in the next second doubles one second's count)
 */
const LATENCY_MULTIPLE = 3;
const LATENCY_GAP_S = 0.05;
/**
 * …with its median raised too (1.5× the service's): a slower machine or path slows every request. A p99 alone
 * can jump between the modes of a two-mode distribution (a route with a rare slow scan puts the p99 of one
 * node inside the slow mode when it happens to get a few more of them) and named a different "slow" node
 * every few seconds in the demo.
 */
const P50_MULTIPLE = 1.5;
const SAME_LOAD_LOW = 1 / 3;
const SAME_LOAD_HIGH = 3;
/** "not explained by a busy loop": the node's ELU stays under this (else event-loop or CPU findings explain it) */
const BUSY_ELU = 0.5;
/** …nor by a stalled loop: event-loop delay p99 at 3× its peers' (or 50 ms) in any recent second */
const ELD_MULTIPLE = 3;
const ELD_FLOOR_S = 0.05;

function byService(nodes: readonly NodeWindow[]): Map<string, NodeWindow[]> {
  const out = new Map<string, NodeWindow[]>();
  for (const n of nodes) {
    const list = out.get(n.service);
    if (list) list.push(n);
    else out.set(n.service, [n]);
  }
  return out;
}

/**
 * Whether the node served its share (over LOW_MULTIPLE of the median's `median` req/s) in some second of the window
 * before its low run: a pod whose readiness took 45 s was named the moment it joined, that second counting as its share
 * served (an outside audit).
 */
function inRotation(n: NodeWindow, median: number): boolean {
  for (let i = 0; i < n.rps.length - LOW_NEED; i++) if (n.rps[i] > LOW_MULTIPLE * median) return true;
  return false;
}

export function loadImbalance(input: DiagnosisInput): Verdict {
  const drafts: FindingDraft[] = [];
  let judgedAny = false;
  for (const [service, all] of byService(input.nodes)) {
    const nodes = all.filter((n) => hasRecent(n.rps));
    if (nodes.length < MIN_NODES) continue;
    judgedAny = true;
    const len = input.times.length;
    const medRps = medianAcross(nodes.map((n) => n.rps), len, len - LOW_SECONDS);
    const medP99 = medianAcross(nodes.map((n) => n.latencyP99), len);
    const medP50 = medianAcross(nodes.map((n) => n.latencyP50), len);
    const medEld = recent(medianAcross(nodes.map((n) => n.eventLoopDelayP99), len));
    const fleetRps = recent(medRps);
    // the service's median mean latency, made once the first latency outlier needs it
    let medMean: number | undefined;
    let serviceRoutes: RouteWindow[] | undefined;
    const skewed: { n: NodeWindow; rps: number; dir: 'high' | 'low' }[] = [];
    const slow: { n: NodeWindow; p99: number }[] = [];
    for (const n of nodes) {
      // a process's first seconds (not yet in the load balancer, warming its caches) are its start-up
      if (warmingUp(n, input)) continue;
      const high = countWhere(n.rps, (v, i) => medRps[i] >= MIN_MEDIAN_RPS && v >= HIGH_MULTIPLE * medRps[i] && v - medRps[i] >= MIN_GAP_RPS).hits;
      const low = countWhere(n.rps, (v, i) => v <= LOW_MULTIPLE * medRps[i] && medRps[i] - v >= MIN_GAP_RPS, LOW_SECONDS).hits;
      if (high >= SUSTAINED_SECONDS) skewed.push({ n, rps: recent(n.rps), dir: 'high' });
      // (and while the service serves: when its traffic stops, a low-weighted canary read "against a median of 0 req/s
      // per node (NaN×)")
      else if (low >= LOW_NEED && fleetRps >= MIN_MEDIAN_RPS && inRotation(n, fleetRps)) skewed.push({ n, rps: recent(n.rps), dir: 'low' });
      else {
        // (judged on its seconds past its start-up only: a replacement node's cold cache)
        const outlier = countWhere(afterStartUp(n, input, n.latencyP99), (v, i) => {
          const r = n.rps[i] / medRps[i];
          return v >= LATENCY_MULTIPLE * medP99[i] && v - medP99[i] >= LATENCY_GAP_S && n.latencyP50[i] >= P50_MULTIPLE * medP50[i] && r >= SAME_LOAD_LOW && r <= SAME_LOAD_HIGH;
        }).hits;
        const loopExplains = recent(n.elu) >= BUSY_ELU || max(lastValues(n.eventLoopDelayP99, RECENT_SECONDS)) >= Math.max(ELD_MULTIPLE * medEld, ELD_FLOOR_S);
        if (outlier < SUSTAINED_SECONDS || loopExplains) continue;
        // nor by its share of the service's slow-by-design routes (long polls of clients pinned to it)
        const peerMean = (medMean ??= recent(medianAcross(nodes.map((x) => x.latencyMean ?? []), len)));
        if (routeMixExplains(recent(n.rps), recent(n.latencyMean ?? []), peerMean, (serviceRoutes ??= input.routes.filter((r) => r.service === service)))) continue;
        slow.push({ n, p99: recent(n.latencyP99) });
      }
    }
    if (skewed.length > 0) {
      skewed.sort((a, b) => Math.abs(b.rps - fleetRps) - Math.abs(a.rps - fleetRps));
      const evidence: EvidenceItem[] = skewed.slice(0, 8).map((s) => ({ metric: 'rps', value: s.rps, baseline: fleetRps, baselineKind: 'fleet-median', unit: 'rps', instance: s.n.instance }));
      const worst = skewed[0];
      drafts.push({
        kind: 'load-imbalance',
        variant: 'rps',
        subject: `${service}|rps`,
        severity: worst.dir === 'high' && worst.rps >= 4 * fleetRps ? 'critical' : 'warning',
        nodes: skewed.map((s) => s.n.instance),
        routes: [],
        evidence,
        facts: { node: worst.n.instance, rps: worst.rps, fleetRps, ratio: worst.rps / fleetRps, direction: worst.dir, nodeCount: skewed.length, fleetNodes: nodes.length, service },
      });
    }
    if (slow.length > 0) {
      slow.sort((a, b) => b.p99 - a.p99);
      const fleetP99 = recent(medP99);
      drafts.push({
        kind: 'load-imbalance',
        variant: 'latency',
        subject: `${service}|latency`,
        severity: 'warning',
        nodes: slow.map((s) => s.n.instance),
        routes: [],
        evidence: slow.slice(0, 8).map((s) => ({ metric: 'latency.p99', value: s.p99, baseline: fleetP99, baselineKind: 'fleet-median', unit: 's', instance: s.n.instance })),
        facts: { node: slow[0].n.instance, p99: slow[0].p99, fleetP99, nodeCount: slow.length, rps: recent(slow[0].n.rps), fleetRps, service },
      });
    }
  }
  if (!judgedAny) return { status: 'insufficient-data', reason: `load balance needs at least ${MIN_NODES} nodes of a service with recent traffic data` };
  return drafts.length > 0 ? { status: 'issue', findings: drafts } : { status: 'none' };
}
