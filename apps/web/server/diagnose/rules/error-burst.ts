// error-burst: the 5xx rate of a route or a node rises above its own recent past. A route fleet-wide when
// the errors are everywhere; a node when one process fails (its share is diluted in the fleet's routes).

import type { ActiveFinding, DiagnosisInput, EvidenceItem, FindingDraft, NodeWindow, RouteWindow, Series, Verdict } from '../types.js';
import { BASELINE_GAP_SECONDS, HOLD, RECENT_SECONDS, baseline, hasRecent, medianAcross, pooled, recent, routeName, sustained } from '../window.js';

/** 5% of requests failing is a burst users notice (one page in twenty fails to load) */
const MIN_RATE = 0.05;
/** and well above the subject's own past: 3× it plus 2 points (a route that always fails is a bug, not a burst) */
const PAST_MULTIPLE = 3;
const PAST_GAP = 0.02;
/** at least one error per second in the seconds judged, so a single failed request at low traffic is not a burst */
const MIN_ERRORS_PER_S = 1;
/** severe: a quarter of requests failing */
const CRITICAL_RATE = 0.25;
/**
 * …or a node named failing half or more of what it answers: a canary at a small share failing every request read a
 * warning on its route for as long as it ran (8% of the route's requests; outside audit X), although the fix (take the
 * node out) is as urgent as it is clear
 */
const CRITICAL_NODE_RATE = 0.5;
/** seconds over which a route's errors are attributed to the nodes answering them */
const NAMING_SECONDS = 15;
/** a burst raised is judged over this many seconds pooled… */
const HOLD_SECONDS = 15;
/** …and ends once this many have had no error */
const STOPPED_SECONDS = 3;

/** The seconds a burst's figures are pooled over: the recent ones, or those since it was raised (up to HOLD_SECONDS). */
function judgedSeconds(held: ActiveFinding | undefined, times: readonly number[]): number {
  if (held === undefined) return RECENT_SECONDS;
  const raisedFor = Math.ceil(((times.at(-1) ?? 0) - held.since) / 1000);
  return Math.max(RECENT_SECONDS, Math.min(HOLD_SECONDS, raisedFor + RECENT_SECONDS));
}

interface Burst {
  rate: number;
  before: number;
  errorsPerSecond: number;
}

/**
 * `held`: the burst as raised before (undefined for a new one). A burst raised holds on HOLD of its lines, against
 * the past it was raised against: a route failing 4–6% at random was raised and cleared again and again (outside
 * audit), and a burst a minute long had become its own baseline and cleared while it went on.
 */
function burst(errorRate: Series, rps: Series, held: ActiveFinding | undefined, times: readonly number[], pastIfNone?: () => number): Burst | null {
  if (held !== undefined) {
    // Held while the errors pooled since it was raised (up to HOLD_SECONDS) could still be above the lowered line, and
    // some came in the last few seconds: at a couple of errors a second, seconds with none or one came in runs long
    // enough to clear it half a minute before the errors stopped (verification of the outside audit). "Could": the
    // count's upper bound (errors + 2√errors + 1, Poisson's ≈ 97.5%) over the requests: a 5% burst that showed 6
    // errors in 216 requests (2.8%) still is one; one down to 1% is not.
    const before = Number(held.facts.before);
    const floor = HOLD * Math.max(MIN_RATE, PAST_MULTIPLE * before + PAST_GAP);
    const now = pooled(errorRate, rps, judgedSeconds(held, times));
    const upper = (now.events + 2 * Math.sqrt(now.events) + 1) / now.total;
    if (!(upper >= floor && now.perSecond >= HOLD * MIN_ERRORS_PER_S && pooled(errorRate, rps, STOPPED_SECONDS).perSecond > 0)) return null;
    // …and says what it is held on: its last second alone read "0% of requests answered 5xx (0/s)" in the seconds
    // without an error (outside UI audit)
    return { rate: now.rate, before, errorsPerSecond: now.perSecond };
  }
  // the cheap test first: most subjects have no errors to speak of, and the past's median costs a sort
  if (!sustained(errorRate, (v, i) => v >= MIN_RATE && v * rps[i] >= MIN_ERRORS_PER_S)) return null;
  let before = baseline(errorRate);
  if (Number.isNaN(before) && pastIfNone !== undefined) {
    before = pastIfNone();
    // nothing known before (a dashboard just started): no "before" to burst against (a route that always fails read
    // "100% … against 0% before", critical, for the first minute of a fresh dashboard; verification)
    if (Number.isNaN(before)) return null;
  }
  const floor = Number.isNaN(before) ? MIN_RATE : Math.max(MIN_RATE, PAST_MULTIPLE * before + PAST_GAP);
  if (!sustained(errorRate, (v, i) => v >= floor && v * rps[i] >= MIN_ERRORS_PER_S)) return null;
  const rate = recent(errorRate);
  return { rate, before: Number.isNaN(before) ? 0 : before, errorsPerSecond: rate * recent(rps) };
}

/**
 * The mean of a node's errors a second before the seconds they are pooled over to name it (NAMING_SECONDS, and the gap
 * before them), or, for a burst raised (`held`), before it was raised (a burst a minute long would otherwise be its
 * nodes' past). NaN when fewer than 10 seconds have data.
 */
function pastMean(s: Series, held: ActiveFinding | undefined, times: readonly number[]): number {
  let end = s.length - NAMING_SECONDS - BASELINE_GAP_SECONDS;
  if (held !== undefined) {
    const raisedAt = times.findIndex((t) => t >= held.since);
    if (raisedAt >= 0) end = Math.min(end, raisedAt - BASELINE_GAP_SECONDS);
  }
  let sum = 0;
  let n = 0;
  for (let i = 0; i < end; i++) {
    if (Number.isNaN(s[i])) continue;
    sum += s[i];
    n++;
  }
  return n >= 10 ? sum / n : NaN;
}

/** A subject's 5xx a second (its rate × its requests a second; NaN in seconds without data). */
function errorsPerSecond(s: { errorRate: Series; rps: Series }): Series {
  return Float64Array.from(s.errorRate, (v, i) => v * s.rps[i]);
}

/** A service's 5xx rate each second, over its routes (NaN in seconds without requests). */
function serviceErrorRate(routes: readonly RouteWindow[], length: number): Series {
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) {
    let errors = 0;
    let requests = 0;
    for (const r of routes) {
      const e = r.errorRate[i];
      const q = r.rps[i];
      if (Number.isNaN(e) || Number.isNaN(q)) continue;
      errors += e * q;
      requests += q;
    }
    out[i] = requests > 0 ? errors / requests : NaN;
  }
  return out;
}

/** a node not yet given its share of traffic: under this part of its service's median node's rate */
const NOT_IN_ROTATION = 0.3;
/** …since it started, within this long (the seconds are left out for as long as they are in the window) */
const YOUNG_MS = 120_000;
/**
 * …for its first 30 s at most, unless its errors then are on health-check routes (a pod whose readiness takes 45 s
 * answers 503 on GET /ready that long: an outside audit): a canary weighted at 0.26× its peers' traffic that failed
 * every request was "not yet in rotation" for as long as it ran, and its errors never counted (the audit before)
 */
const PROBING_MS = 30_000;
/** health-check routes, by the names they go by (a template's last segment) */
const HEALTH_ROUTE = /\/(health|healthz|healthcheck|health-check|ready|readyz|readiness|live|livez|liveness|alive|ping|status|_health|_ready|_status)$/i;
/** a node's errors while it was not in rotation count as probes past PROBING_MS when this share of them was on such routes */
const HEALTH_SHARE = 0.8;

/** A node's seconds before it was put in rotation: [from, until) of the window. */
interface Probing {
  node: NodeWindow;
  from: number;
  until: number;
}

/**
 * The service's nodes started lately, with their seconds since their start until the first in which they served
 * NOT_IN_ROTATION of the median node's rate (PROBING_MS at most): not yet in the load balancer, so what they answered
 * then was its probes. A pod whose readiness endpoint answers 503 until it is warm (the mechanism that keeps users away
 * from it) raised a critical burst on every pod of a rolling deploy, "GET /ready: 40% of requests answered 5xx … on node
 * svcr-1-v2" (an outside audit), and again as it joined the balancer with those errors still in the seconds judged (the
 * next audit). A pod that fails its users serves them first, and those errors count.
 */
function probingSeconds(nodes: readonly NodeWindow[], routes: readonly RouteWindow[], times: readonly number[]): Probing[] {
  const last = times.at(-1) ?? 0;
  const young = nodes.filter((n) => n.startedAt !== undefined && last + 1000 - n.startedAt < YOUNG_MS);
  // (all of them young too: a service started a minute before its first rolling deploy; the next audit)
  if (young.length === 0) return [];
  const len = times.length;
  const median = medianAcross(nodes.map((n) => n.rps), len, 0);
  const out: Probing[] = [];
  for (const n of young) {
    let from = -1;
    let until = len;
    let capped = len;
    for (let i = 0; i < len; i++) {
      if (times[i] + 1000 <= n.startedAt! || Number.isNaN(n.rps[i])) continue;
      if (from < 0) from = i;
      if (capped === len && times[i] >= n.startedAt! + PROBING_MS) capped = i;
      if (n.rps[i] > NOT_IN_ROTATION * median[i]) {
        until = i;
        break;
      }
    }
    // past PROBING_MS only while what failed in those seconds was the service's health-check routes
    if (until > capped && !onHealthRoutes(routes, from, until)) until = capped;
    if (from >= 0 && until > from) out.push({ node: n, from, until });
  }
  return out;
}

/** Whether HEALTH_SHARE of the service's 5xx in seconds [from, until) were on its health-check routes. */
function onHealthRoutes(routes: readonly RouteWindow[], from: number, until: number): boolean {
  let health = 0;
  let all = 0;
  for (const r of routes) {
    let errors = 0;
    for (let i = from; i < until; i++) {
      const e = r.errorRate[i] * r.rps[i];
      if (e > 0) errors += e;
    }
    all += errors;
    if (HEALTH_ROUTE.test(r.route)) health += errors;
  }
  return all > 0 && health >= HEALTH_SHARE * all;
}

/**
 * A route's 5xx rate and rate without the probes answered by nodes not yet in rotation: in their probing seconds, up to
 * those nodes' errors (over all their routes: the store keeps no per-node routes) are taken off its errors and requests.
 */
function withoutProbes(r: RouteWindow, probing: readonly Probing[]): { errorRate: Series; rps: Series } {
  const len = r.rps.length;
  const errorRate = new Float64Array(len);
  const rps = new Float64Array(len);
  for (let i = 0; i < len; i++) {
    const requests = r.rps[i];
    let errors = r.errorRate[i] * requests;
    let probes = 0;
    for (const p of probing) {
      if (i < p.from || i >= p.until) continue;
      const e = p.node.errorRate[i] * p.node.rps[i];
      if (e > 0) probes += e;
    }
    probes = Math.min(probes, Number.isNaN(errors) ? 0 : errors);
    errors -= probes;
    rps[i] = requests - probes;
    errorRate[i] = rps[i] > 0 ? errors / rps[i] : NaN;
  }
  return { errorRate, rps };
}

/** A node's 5xx rate and rate with its probing seconds left out (no data), as judged and named. */
function servedSeconds(n: NodeWindow, probing: Probing | undefined): { errorRate: Series; rps: Series } {
  if (probing === undefined) return n;
  const errorRate = Float64Array.from(n.errorRate);
  const rps = Float64Array.from(n.rps);
  errorRate.fill(NaN, probing.from, probing.until);
  rps.fill(NaN, probing.from, probing.until);
  return { errorRate, rps };
}

/** a route's new errors account for the node's when they are at least this part of the node's errors a second */
const ROUTE_SHARE = 0.2;

/**
 * Without per-node route detail (the live store keeps none), the routes a failing node's errors are on: its service's
 * routes whose 5xx a second rose beyond their own past by ROUTE_SHARE or more of the node's (a canary at 0.12× its
 * peers' traffic failing every request: "Error burst on node canary-1: 100% of its requests answered 5xx" named no
 * route; outside audit X). Each with the route's rate over the whole service, so not labelled with the node.
 */
function routesOfNodeErrors(
  routes: readonly RouteWindow[],
  nodeErrorsPerSecond: number,
  held: ActiveFinding | undefined,
  times: readonly number[],
): { name: string; rate: number; instance: undefined }[] {
  const out: { name: string; rate: number; instance: undefined; beyond: number }[] = [];
  for (const r of routes) {
    const now = pooled(r.errorRate, r.rps, RECENT_SECONDS);
    if (!(now.perSecond > 0)) continue;
    const errors = errorsPerSecond(r);
    // (its mean before the burst, for one raised: a burst a minute long would otherwise be its own past)
    const past = pastMean(errors, held, times);
    const beyond = now.perSecond - (Number.isNaN(past) ? 0 : past);
    if (beyond >= ROUTE_SHARE * nodeErrorsPerSecond) out.push({ name: routeName(r), rate: now.rate, instance: undefined, beyond });
  }
  return out.sort((a, c) => c.beyond - a.beyond).map(({ name, rate }) => ({ name, rate, instance: undefined }));
}

export function errorBurst(input: DiagnosisInput): Verdict {
  if (!input.routes.some((r) => hasRecent(r.errorRate)) && !input.nodes.some((n) => hasRecent(n.errorRate))) {
    return { status: 'insufficient-data', reason: 'no requests in the last seconds' };
  }
  const drafts: FindingDraft[] = [];
  const covered = new Set<string>();
  const nodesOf = new Map<string, NodeWindow[]>();
  for (const n of input.nodes) {
    const list = nodesOf.get(n.service);
    if (list === undefined) nodesOf.set(n.service, [n]);
    else list.push(n);
  }
  // A subject without a past of its own (a node just started, e.g. by a deploy; a route just added) is judged against
  // its service's past: every restart of an app whose service always answers 5% 5xx raised a burst "against 0% before"
  // (durability audit); with no past at all (a dashboard just started), not judged until there is one
  const servicePast = new Map<string, number>();
  const pastOfService = (service: string): number => {
    let v = servicePast.get(service);
    if (v === undefined) servicePast.set(service, (v = baseline(serviceErrorRate(input.routes.filter((r) => r.service === service), input.times.length))));
    return v;
  };
  const probing = new Map<string, Probing[]>();
  const served = new Map<NodeWindow, { errorRate: Series; rps: Series }>();
  for (const [service, nodes] of nodesOf) {
    const list = probingSeconds(nodes, input.routes.filter((r) => r.service === service), input.times);
    if (list.length === 0) continue;
    probing.set(service, list);
    for (const p of list) served.set(p.node, servedSeconds(p.node, p));
  }
  for (const r of input.routes) {
    const name = routeName(r);
    const held = input.active?.get(`error-burst|route|${r.service}|${name}`);
    const k = held === undefined ? 1 : HOLD;
    const probes = probing.get(r.service);
    const judged = probes === undefined ? r : withoutProbes(r, probes);
    const b = burst(judged.errorRate, judged.rps, held, input.times, () => pastOfService(r.service));
    if (!b) continue;
    // each node's rate on this route where the input has it, else its rate over all its routes, said as such (the
    // node's overall rate under the route's name read 23% for a route failing 37.5% on every node; contract audit)
    // Without per-node route detail (the live store keeps none), a node is named by the errors it answers: at least
    // half its fair share of the route's errors a second (one node failing 20% of one route of six read 3% overall,
    // under MIN_RATE, and the finding named no node at all; contract audit)
    // Errors pooled over NAMING_SECONDS: at a few errors a second per node, the per-second figures came and went, and the
    // finding named one or two of three nodes failing alike (outside audit)
    const peers = nodesOf.get(r.service) ?? [];
    const routeErrors = pooled(r.errorRate, r.rps, NAMING_SECONDS).perSecond;
    const nodeRates: { instance: string; rate: number; before: number; route: string | undefined; errors: number }[] = [];
    for (const n of peers) {
      const nr: RouteWindow | undefined = n.routes?.find((x) => routeName(x) === name);
      // (a young node's seconds before it was put in rotation left out: its probes)
      const node = served.get(n) ?? n;
      const series = nr ? nr.errorRate : node.errorRate;
      const own = nr ? { rate: recent(series), perSecond: recent(series) * recent(nr.rps) } : pooled(node.errorRate, node.rps, NAMING_SECONDS);
      // a node named by its pooled errors is shown with its rate over the seconds the burst is judged on (its last
      // second's could be 0%)
      const rate = nr ? own.rate : pooled(node.errorRate, node.rps, judgedSeconds(held, input.times)).rate || own.rate;
      const errors = own.perSecond;
      // …by the errors it answers beyond its own past: a node whose other route always fails answers its errors whatever
      // this route does (verification: a burst on one node's GET /api/pay named all four, each with its steady 4% of
      // GET /api/fail). And beyond what it answered on average before, by more than chance (Poisson: 2√ of that count
      // over the seconds + 1): the median of a few errors now and then is 0, and a held burst's last seconds named a node
      // answering its usual 2% of one route, 1 error in 4 s (outside audit O)
      const nodeErrors = errorsPerSecond(node);
      // (for a burst raised, its past before the burst: its own failing became its baseline within 30 s and the finding
      // stopped naming the node that answered the errors; outside audit W)
      // A node started within the window has no past before the errors it answers (a canary failing from its start)
      const started = n.startedAt !== undefined && n.startedAt > (input.times[0] ?? 0) + BASELINE_GAP_SECONDS * 1000;
      const pastErrors = nr || started ? 0 : held !== undefined ? pastMean(nodeErrors, held, input.times) : baseline(nodeErrors);
      const beyond = errors - (Number.isNaN(pastErrors) ? 0 : pastErrors);
      // (none for a node started within the window: a canary at half its peers' traffic failing 30% from its start had
      // that as its usual, and was never named)
      const usual = nr || started ? NaN : pastMean(nodeErrors, held, input.times);
      const chance = Number.isNaN(usual) ? -Infinity : usual + (2 * Math.sqrt(usual * NAMING_SECONDS) + 1) / NAMING_SECONDS;
      if (nr ? rate < k * MIN_RATE : !(own.rate > 0 && beyond >= (0.5 * routeErrors) / peers.length && errors >= chance)) continue;
      const past = baseline(series);
      nodeRates.push({ instance: n.instance, rate, before: Number.isNaN(past) ? 0 : past, route: nr ? name : undefined, errors });
    }
    nodeRates.sort((a, b) => b.rate - a.rate || b.errors - a.errors);
    for (const x of nodeRates) covered.add(x.instance);
    const evidence: EvidenceItem[] = [
      { metric: 'errorRate', value: b.rate, baseline: b.before, baselineKind: 'own-past', unit: 'ratio', route: name },
      ...nodeRates.slice(0, 5).map((x): EvidenceItem => ({ metric: 'errorRate', value: x.rate, baseline: x.before, baselineKind: 'own-past', unit: 'ratio', instance: x.instance, ...(x.route !== undefined ? { route: x.route } : {}) })),
    ];
    const worst = nodeRates[0];
    const nodeFailing = worst !== undefined && worst.rate >= CRITICAL_NODE_RATE;
    drafts.push({
      kind: 'error-burst',
      variant: 'route',
      subject: `${r.service}|${name}`,
      severity: b.rate >= CRITICAL_RATE || nodeFailing ? 'critical' : 'warning',
      nodes: nodeRates.map((x) => x.instance),
      routes: [name],
      evidence,
      facts: { route: name, rate: b.rate, before: b.before, errorsPerSecond: b.errorsPerSecond, nodeCount: nodeRates.length, node: worst?.instance ?? '', nodeRate: nodeFailing ? worst.rate : 0, nodeRateOnRoute: worst?.route !== undefined ? 1 : 0 },
    });
  }
  for (const n of input.nodes) {
    if (covered.has(n.instance)) continue;
    const held = input.active?.get(`error-burst|node|${n.instance}`);
    const k = held === undefined ? 1 : HOLD;
    const node = served.get(n) ?? n;
    const b = burst(node.errorRate, node.rps, held, input.times, () => pastOfService(n.service));
    if (!b) continue;
    const routes =
      n.routes !== undefined
        ? n.routes
            .map((r) => ({ name: routeName(r), rate: recent(r.errorRate), instance: n.instance as string | undefined }))
            .filter((r) => r.rate >= k * MIN_RATE)
            .sort((a, c) => c.rate - a.rate)
        : routesOfNodeErrors(input.routes.filter((r) => r.service === n.service), b.errorsPerSecond, held, input.times);
    drafts.push({
      kind: 'error-burst',
      variant: 'node',
      subject: n.instance,
      severity: b.rate >= CRITICAL_RATE ? 'critical' : 'warning',
      nodes: [n.instance],
      routes: routes.map((r) => r.name),
      evidence: [
        { metric: 'errorRate', value: b.rate, baseline: b.before, baselineKind: 'own-past', unit: 'ratio', instance: n.instance },
        ...routes.slice(0, 5).map((r): EvidenceItem => ({ metric: 'errorRate', value: r.rate, baseline: b.before, baselineKind: 'own-past', unit: 'ratio', ...(r.instance !== undefined ? { instance: r.instance } : {}), route: r.name })),
      ],
      facts: { node: n.instance, rate: b.rate, before: b.before, errorsPerSecond: b.errorsPerSecond, route: routes[0]?.name ?? '', routeInferred: routes[0]?.instance === undefined ? 1 : 0 },
    });
  }
  return drafts.length > 0 ? { status: 'issue', findings: drafts } : { status: 'none' };
}
