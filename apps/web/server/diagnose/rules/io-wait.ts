// io-wait (slow downstream): a route's latency is up while the nodes serving it are mostly idle — the time
// goes to waiting on a database or another service, not to this process's CPU or event loop.

import type { ActiveFinding, DiagnosisInput, EvidenceItem, FindingDraft, NodeWindow, RouteWindow, Series, Verdict } from '../types.js';
import { HOLD, afterStartUp, baseline, countWhere, hasRecent, heldNodes, median, recent, routeName, sustained, warmingUp } from '../window.js';
import { risingRoutes, routeMixExplains, standingOut } from './suspects.js';

/** "up": at least 3× the route's own recent past and 50 ms more (below that it is noise users do not feel) */
const RISE_MULTIPLE = 3;
const RISE_MIN_S = 0.05;
/** without a past to compare with, a route whose median request waits half a second is waiting on something */
const ABSOLUTE_P50_S = 0.5;
/** "idle": the serving nodes' event loop and CPU below half — more processes would not help */
const IDLE = 0.5;
/** at least one request per second, so percentiles mean something */
const MIN_RPS = 1;

type Rise = { p50: number; before: number; baselineKind: 'own-past' | 'usual' | 'threshold'; limit: number };

/**
 * Whether the route's median rose past its line. A wait raised (`held`) holds on HOLD of the line that raised it,
 * against the baseline it was raised against: a slow downstream lasting more than a minute had become the route's
 * own past and cleared while it went on. A route raised with no past (on the absolute line) is different: nothing
 * said it was ever faster, and a route slow by design (a long poll, a report) would hold forever. It is released
 * once it has a past of its own that accounts for its latency (an outside audit's 25 s long poll stayed raised).
 */
function risen(r: RouteWindow, held: ActiveFinding | undefined): Rise | null {
  if (!(recent(r.rps) >= MIN_RPS)) return null;
  const past = pastP50(r);
  if (held !== undefined) {
    const limit = HOLD * Number(held.facts.limit);
    const before = Number(held.facts.before);
    const kind = held.facts.baselineKind === 'threshold' ? 'threshold' : held.facts.baselineKind === 'usual' ? 'usual' : 'own-past';
    if (kind === 'threshold' && !Number.isNaN(past.before) && !sustained(r.latencyP50, (v) => v >= riseLine(past.before))) return null;
    return limit > 0 && sustained(r.latencyP50, (v) => v >= limit) ? { p50: recent(r.latencyP50), before, baselineKind: kind, limit: Number(held.facts.limit) } : null;
  }
  if (Number.isNaN(past.before)) {
    return sustained(r.latencyP50, (v) => v >= ABSOLUTE_P50_S) ? { p50: recent(r.latencyP50), before: ABSOLUTE_P50_S, baselineKind: 'threshold', limit: ABSOLUTE_P50_S } : null;
  }
  const limit = riseLine(past.before);
  return sustained(r.latencyP50, (v) => v >= limit) ? { p50: recent(r.latencyP50), before: past.before, baselineKind: past.fromUsual ? 'usual' : 'own-past', limit } : null;
}

const riseLine = (before: number) => Math.max(RISE_MULTIPLE * before, before + RISE_MIN_S);

/**
 * The route's past p50: the lower of the window's past and its usual level (the window's past can be an earlier
 * incident's), either where only one is known (a route quiet for the window's first minutes still has a usual level)
 */
function pastP50(r: RouteWindow): { before: number; fromUsual: boolean } {
  const windowPast = baseline(r.latencyP50);
  const usual = r.usual?.p50 ?? NaN;
  const fromUsual = usual < windowPast || (Number.isNaN(windowPast) && !Number.isNaN(usual));
  return { before: fromUsual ? usual : windowPast, fromUsual };
}

/**
 * One node waiting while its peers do not (its pool to a downstream exhausted, a bad replica, a slow disk): its p99
 * at least 3× the median of the service's other nodes and 50 ms more, while it is idle. The route's fleet-wide p50
 * hardly moves when one node of three waits; an outside audit's node with a 2-socket pool answered at p99 2.5 s
 * against 30 ms on its peers at ELU 0.09, and only an anonymous hot-route regression was raised. Its mean must have
 * risen too (2× its peers' and 20 ms more, where known): a p99 alone jumps between the modes of a long-tailed route
 * from node to node (the demo's report).
 */
const NODE_MULTIPLE = 3;
const NODE_MIN_S = 0.05;
const NODE_MEAN_MULTIPLE = 2;
const NODE_MEAN_MIN_S = 0.02;
const NODE_CRITICAL_S = 1;
/**
 * …and in most of the last 20 s (8 in 10 of those with requests, 8 at least), its mean against the mean its peers'
 * requests took over them, pooled: a route with a normal long tail (2% of requests at 1–3 s) finishes a slow request in
 * about every other second on each node, and "3 of the last 5" named each node in turn, 23 critical findings in 4 min
 * on a healthy fleet of three (an outside audit); over 10 s, a run of slow requests on one node now and then still
 * passed (simulated: once in 5 minutes). A node that waits is named 16–20 s after it began.
 */
const MOST_SECONDS = 20;
const MOST_SHARE = 0.8;
const MOST_MIN = 8;

/** The median of sorted `a` without one occurrence of `x` (which it holds); NaN when nothing is left. */
function medianWithout(a: readonly number[], x: number): number {
  const m = a.length - 1;
  if (m <= 0) return NaN;
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  const at = (k: number) => a[k < lo ? k : k + 1];
  return m % 2 === 1 ? at(m >> 1) : (at(m / 2 - 1) + at(m / 2)) / 2;
}

function waitingNodes(input: DiagnosisInput, covered: ReadonlySet<string>): FindingDraft[] {
  const drafts: FindingDraft[] = [];
  const held = heldNodes(input, 'io-wait', ['node']);
  // per service, its nodes' recent p99s and means, sorted (the peers of each node are the rest)
  const services = new Map<string, { p99: number[]; p50: number[]; mean: number[] }>();
  for (const n of input.nodes) {
    if (!hasRecent(n.latencyP99)) continue;
    const v = services.get(n.service) ?? { p99: [], p50: [], mean: [] };
    v.p99.push(recent(n.latencyP99));
    v.p50.push(recent(n.latencyP50));
    const mean = recent(n.latencyMean ?? []);
    if (!Number.isNaN(mean)) v.mean.push(mean);
    services.set(n.service, v);
  }
  for (const v of services.values()) {
    v.p99.sort((a, b) => a - b);
    v.p50.sort((a, b) => a - b);
    v.mean.sort((a, b) => a - b);
  }
  // per service, its nodes' request time and requests over the last MOST_SECONDS (each node's peers: the rest)
  const pooled = new Map<string, { time: number; requests: number }>();
  for (const n of input.nodes) {
    const own = pooledTime(n);
    const v = pooled.get(n.service) ?? { time: 0, requests: 0 };
    v.time += own.time;
    v.requests += own.requests;
    pooled.set(n.service, v);
  }
  for (const n of input.nodes) {
    // (a process's first seconds: caches and pools filling, a deploy's warm-up)
    if (covered.has(n.instance) || !(recent(n.rps) >= MIN_RPS) || !hasRecent(n.latencyP99) || !idle(n) || warmingUp(n, input)) continue;
    const svc = services.get(n.service)!;
    const p99 = recent(n.latencyP99);
    const others = medianWithout(svc.p99, p99);
    if (Number.isNaN(others)) continue;
    const k = held.has(n.instance) ? HOLD : 1;
    const limit = k * Math.max(NODE_MULTIPLE * others, others + NODE_MIN_S);
    // (judged on its seconds past its start-up only) its p99, or its median where its peers' p99 is a slow route's
    // that every node serves (a report route: every node's p99 is the report's, and a node whose every fast request
    // waited 400 ms more was missed; an outside audit)
    const p50 = recent(n.latencyP50);
    const othersP50 = medianWithout(svc.p50, p50);
    const p50Limit = k * Math.max(NODE_MULTIPLE * othersP50, othersP50 + NODE_MIN_S);
    const byP99 = sustained(afterStartUp(n, input, n.latencyP99), (v) => v >= limit);
    if (!byP99 && !(othersP50 >= 0 && sustained(afterStartUp(n, input, n.latencyP50), (v) => v >= p50Limit))) continue;
    const mean = recent(n.latencyMean ?? []);
    const means = n.latencyMean === undefined ? undefined : afterStartUp(n, input, n.latencyMean);
    const peerMean = Number.isNaN(mean) ? NaN : medianWithout(svc.mean, mean);
    if (!Number.isNaN(peerMean) && !sustained(means!, (v) => v >= k * Math.max(NODE_MEAN_MULTIPLE * peerMean, peerMean + NODE_MEAN_MIN_S))) continue;
    if (!mostSeconds(n, means, pooled.get(n.service)!, k)) continue;
    const serviceRoutes = input.routes.filter((r) => r.service === n.service);
    // (its share of the service's slow-by-design routes, e.g. the long polls of clients pinned to it)
    if (!Number.isNaN(peerMean) && routeMixExplains(recent(n.rps), mean, peerMean, serviceRoutes, { p50, peers: othersP50 })) continue;
    // the route: the node's own slowest where the store has it per node, else the service's route whose latency
    // rose most and stands out (a third of one route's requests waiting seconds moves its mean)
    const own = (n.routes ?? [])
      .filter((r) => recent(r.rps) > 0)
      .map((r) => ({ name: routeName(r), p99: recent(r.latencyP99) }))
      .sort((a, b) => b.p99 - a.p99)[0]?.name;
    const route = own ?? standingOut(risingRoutes(serviceRoutes), serviceRoutes)[0]?.name;
    drafts.push({
      kind: 'io-wait',
      variant: 'node',
      subject: n.instance,
      severity: (byP99 ? p99 : p50) >= NODE_CRITICAL_S ? 'critical' : 'warning',
      nodes: [n.instance],
      routes: route === undefined ? [] : [route],
      evidence: [
        byP99
          ? { metric: 'latency.p99', value: p99, baseline: others, baselineKind: 'fleet-median', unit: 's', instance: n.instance }
          : { metric: 'latency.p50', value: p50, baseline: othersP50, baselineKind: 'fleet-median', unit: 's', instance: n.instance },
        { metric: 'elu', value: recent(n.elu), baseline: IDLE, baselineKind: 'threshold', unit: 'ratio', instance: n.instance },
      ],
      facts: { node: n.instance, stat: byP99 ? 'p99' : 'p50', p99: byP99 ? p99 : p50, others: byP99 ? others : othersP50, elu: recent(n.elu) || 0, cpu: recent(n.cpu) || 0, route: route ?? '' },
    });
  }
  return drafts;
}

/** Request time (s) and requests over the last MOST_SECONDS of a node's `mean` and rate (seconds with both known). */
function pooledTime(n: NodeWindow, mean: Series | undefined = n.latencyMean): { time: number; requests: number } {
  let time = 0;
  let requests = 0;
  if (mean === undefined) return { time, requests };
  for (let i = Math.max(0, mean.length - MOST_SECONDS); i < mean.length; i++) {
    const m = mean[i];
    const r = n.rps[i];
    if (Number.isNaN(m) || !(r > 0)) continue;
    time += m * r;
    requests += r;
  }
  return { time, requests };
}

/**
 * Whether the node's mean stood over the line of its peers' mean pooled over the last MOST_SECONDS in most of those
 * seconds, and over them all (`k`: HOLD for a node already named). Without means (another SDK), not asked.
 */
function mostSeconds(n: NodeWindow, means: Series | undefined, service: { time: number; requests: number }, k: number): boolean {
  if (n.latencyMean === undefined || means === undefined) return true;
  const own = pooledTime(n);
  const peerRequests = service.requests - own.requests;
  if (!(peerRequests > 0) || !(own.requests > 0)) return true;
  const peerMean = (service.time - own.time) / peerRequests;
  const line = k * Math.max(NODE_MEAN_MULTIPLE * peerMean, peerMean + NODE_MEAN_MIN_S);
  // its own seconds past its start-up (`means`)
  const judged = pooledTime(n, means);
  if (!(judged.requests > 0) || !(judged.time / judged.requests >= line)) return false;
  const { present, hits } = countWhere(means, (v) => v >= line, MOST_SECONDS);
  return hits >= MOST_MIN && hits >= MOST_SHARE * present;
}

function idle(n: NodeWindow): boolean {
  const elu = recent(n.elu);
  const cpu = recent(n.cpu);
  return (Number.isNaN(elu) || elu < IDLE) && (Number.isNaN(cpu) || cpu < IDLE) && !(Number.isNaN(elu) && Number.isNaN(cpu));
}

export function ioWait(input: DiagnosisInput): Verdict {
  const judged = input.routes.filter((r) => hasRecent(r.latencyP50));
  if (judged.length === 0) return { status: 'insufficient-data', reason: 'no route served requests in the last seconds' };
  const drafts: FindingDraft[] = [];
  for (const r of judged) {
    const name = routeName(r);
    const rise = risen(r, input.active?.get(`io-wait|route|${r.service}|${name}`));
    if (!rise) continue;
    // the nodes that serve the route (per-node detail when present, else every node of its service that finishes
    // requests: an outside audit saw an idle node whose only requests hung named alone for a route it never served)
    const serving = input.nodes.filter(
      (n) => n.service === r.service && (n.routes === undefined ? recent(n.rps) > 0 : n.routes.some((x) => routeName(x) === name && recent(x.rps) > 0)),
    );
    if (serving.length === 0) continue;
    const idleNodes = serving.filter(idle);
    if (idleNodes.length * 2 <= serving.length) continue; // mostly busy nodes: a CPU or event-loop finding explains it
    const slowOn = idleNodes
      .map((n) => ({ n, p50: recent(n.routes?.find((x) => routeName(x) === name)?.latencyP50 ?? n.latencyP50) }))
      // (a node with no finished request has no p50: not slow on it)
      .filter((x) => x.p50 >= rise.before * 2)
      .sort((a, b) => b.p50 - a.p50);
    const elu = median(idleNodes.map((n) => recent(n.elu)).filter((v) => !Number.isNaN(v)));
    const evidence: EvidenceItem[] = [
      { metric: 'latency.p50', value: rise.p50, baseline: rise.before, baselineKind: rise.baselineKind, unit: 's', route: name },
      { metric: 'latency.p99', value: recent(r.latencyP99), baseline: baseline(r.latencyP99), baselineKind: 'own-past', unit: 's', route: name },
      { metric: 'elu', value: elu, baseline: IDLE, baselineKind: 'threshold', unit: 'ratio' },
    ];
    drafts.push({
      kind: 'io-wait',
      variant: 'route',
      subject: `${r.service}|${name}`,
      // (without a past, nothing says the route was ever faster: a warning at most)
      severity: rise.p50 >= 1 && rise.baselineKind !== 'threshold' ? 'critical' : 'warning',
      nodes: (slowOn.length > 0 ? slowOn.map((x) => x.n) : idleNodes).map((n) => n.instance),
      routes: [name],
      evidence,
      facts: { route: name, p50: rise.p50, before: rise.before, limit: rise.limit, baselineKind: rise.baselineKind, elu: Number.isNaN(elu) ? 0 : elu, cpu: median(idleNodes.map((n) => recent(n.cpu)).filter((v) => !Number.isNaN(v))) || 0, nodeCount: slowOn.length || idleNodes.length },
    });
  }
  // one node waiting alone, where no route's finding names it
  drafts.push(...waitingNodes(input, new Set(drafts.flatMap((d) => d.nodes))));
  return drafts.length > 0 ? { status: 'issue', findings: drafts } : { status: 'none' };
}
