// event-loop-blocked: some nodes' event-loop delay far above the fleet's while their loop is busy, i.e.
// synchronous work (crypto, JSON, regex, sync fs) holds the loop and every request on the node waits.

import type { DiagnosisInput, EvidenceItem, FindingDraft, NodeWindow, RouteWindow, Verdict } from '../types.js';
import { HOLD, countWhere, hasRecent, heldNodes, lastValues, max, mean, median, recent, sustained, warmingUp } from '../window.js';
import { STAND_OUT, STAND_OUT_SATURATED, risingRoutes, standingOut } from './suspects.js';

/** p99 delay above 50 ms in a second: a request arriving then waits longer than a typical request takes. */
const P99_BLOCKED_S = 0.05;
/** a single stall of 100 ms or more in a second is a blocked loop even when p99 is lower (rare, long blocks) */
const MAX_BLOCKED_S = 0.1;
/** "far above the fleet's": at least this multiple of the fleet's median p99 (unless most of the fleet is blocked) */
const FLEET_MULTIPLE = 3;
/** the loop must be busy for the delay to be its own work (not the process being descheduled) */
const MIN_ELU = 0.3;
/** a fleet-wide stall counts when the stalled loops use at least a fifth of a core (see below) */
const FLEET_MIN_CPU = 0.2;
/** at most this many routes named: the ones whose latency rose most */
const MAX_ROUTES = 3;
/**
 * Rare long stalls: two stalls of half a second or more within the last 15 s block the loop even when most seconds
 * look calm (a 2.5 s stall every 6 s: the stalled seconds have no export of their own, so neither the recent p99
 * nor the recent ELU shows it as sustained)
 */
const LONG_STALL_S = 0.5;
const LONG_STALL_SECONDS = 15;
const LONG_STALLS = 2;

function blockedSecond(node: NodeWindow, k = 1): (v: number, i: number) => boolean {
  return (p99, i) => p99 >= k * P99_BLOCKED_S || node.eventLoopDelayMax[i] >= k * MAX_BLOCKED_S;
}

/** a loop at least this busy (ELU, or CPU) is saturated: its routes' rises are mostly queueing (see STAND_OUT_SATURATED) */
const SATURATED_ELU = 0.9;

/**
 * Routes whose latency rose with the stall: their tail reaches a good part of it (a quarter: low-traffic routes see few
 * stalls per second), and their mean doubled (risingRoutes). Not that their tail doubled: the route doing the work
 * may have a long tail of its own (an outside audit's GET /api/report, 30 ms with 200 ms on one call in 20, spun 100 ms
 * and its p99 could not double; the route left, a 5 ms timer waiting on the stalls, was named for 27 s instead). Named
 * when it stands out from every route with data, the more so on a saturated loop (`saturated`), each rise counted up to
 * what the loops' busy time (`loopSeconds` a second: the ELU of the node, or summed over the nodes named) could add as
 * work (standingOut): on a loop held all the time every request waits, and the routes waiting rose more than the route
 * doing the work (a CPU-starved CI run).
 */
function suspectRoutes(routes: readonly RouteWindow[], stall: number, saturated: boolean, loopSeconds: number) {
  return standingOut(
    risingRoutes(routes, (r) => recent(r.latencyP99) >= stall * 0.25),
    routes,
    saturated ? STAND_OUT_SATURATED : STAND_OUT,
    loopSeconds > 0 ? loopSeconds : undefined,
  ).slice(0, MAX_ROUTES);
}

/**
 * Repeated stalls on a loop that is not busy otherwise: at least REPEATED_STALLS of ≥ MAX_BLOCKED_S within the last
 * LONG_STALL_SECONDS, holding the loop at least STALL_SHARE of the time (each second's longest stall, a lower bound
 * of what it held), while the loop was busy for at least that share and the stalls less its thread's waits for a CPU
 * still hold it STALL_SHARE of the time (Linux's run delay; without it, ELU ≥ STALL_ELU). An outside audit's 300 ms block every 3 s froze the loop a tenth
 * of the time at ELU 0.2, under MIN_ELU, and was never reported.
 */
const REPEATED_STALLS = 3;
const STALL_SHARE = 0.05;
const STALL_ELU = 0.15;

/** Busy stalls: sustained, long and repeated (see LONG_STALL_S), or repeated and the loop's own (not descheduled). */
function isBlocked(n: NodeWindow, k: number): boolean {
  if (sustained(n.eventLoopDelayP99, blockedSecond(n, k)) && recent(n.elu) >= k * MIN_ELU) return true;
  if (countWhere(n.eventLoopDelayMax, (v) => v >= LONG_STALL_S, LONG_STALL_SECONDS).hits >= LONG_STALLS && max(lastValues(n.elu, LONG_STALL_SECONDS)) >= MIN_ELU) return true;
  if (countWhere(n.eventLoopDelayMax, (v) => v >= MAX_BLOCKED_S, LONG_STALL_SECONDS).hits < REPEATED_STALLS) return false;
  // …and still stalling: one in the recent seconds
  if (countWhere(n.eventLoopDelayMax, (v) => v >= MAX_BLOCKED_S).hits === 0) return false;
  const stalls = lastValues(n.eventLoopDelayMax, LONG_STALL_SECONDS);
  let held = 0;
  for (const v of stalls) held += Math.min(1, v);
  const share = held / Math.max(1, stalls.length);
  const elu = mean(lastValues(n.elu, LONG_STALL_SECONDS));
  const waited = n.runDelay === undefined ? NaN : mean(lastValues(n.runDelay, LONG_STALL_SECONDS));
  // the stalls its thread did not spend waiting for a CPU are its own work: a 200 ms block every second on a host where
  // the thread waited 12–14% of the time was neither this (waited ≥ half the stalls) nor off-cpu (< 20%), and nothing
  // was reported for two minutes (verification)
  return share >= STALL_SHARE && elu >= share && (Number.isNaN(waited) ? elu >= STALL_ELU : share - waited >= STALL_SHARE);
}

export function eventLoopBlocked(input: DiagnosisInput): Verdict {
  const judged = input.nodes.filter((n) => hasRecent(n.eventLoopDelayP99) && !warmingUp(n, input));
  if (judged.length === 0) return { status: 'insufficient-data', reason: 'no node reported event-loop delay in the last seconds' };
  // a node a live finding names holds on HOLD of the busy-stall lines (a GC-churning node's delays hovering about
  // 50 ms raised and cleared it every few seconds; outside audit)
  const held = heldNodes(input, 'event-loop-blocked');
  const blocked = judged.filter((n) => isBlocked(n, held.has(n.instance) ? HOLD : 1));
  // the fleet a blocked node is compared with: the nodes that are not blocked (a median over all of them would
  // hold the blocked ones too: of two nodes, one blocked could never be 3× their median)
  const calm = judged.filter((n) => !blocked.includes(n));
  const fleetP99 = median(calm.map((n) => recent(n.eventLoopDelayP99)));
  // …and its stalls with theirs: a node's longest stall against the others' p99 called a node "blocked" at 1.2× their
  // p99 on a crowded host where every loop stalled now and then (outside audit D11: "p99 84.6 ms (stalls up to 773 ms)
  // against 68.7 ms on the rest of the fleet")
  const fleetStall = median(calm.map((n) => max(lastValues(n.eventLoopDelayMax, LONG_STALL_SECONDS))));
  const standsOut = (n: NodeWindow): boolean =>
    recent(n.eventLoopDelayP99) >= FLEET_MULTIPLE * fleetP99 || (max(lastValues(n.eventLoopDelayMax, LONG_STALL_SECONDS)) >= FLEET_MULTIPLE * Math.max(fleetP99, Number.isNaN(fleetStall) ? 0 : fleetStall));
  // most of the fleet at once is the code path only if those loops burn CPU doing it: processes starved of
  // CPU by a crowded machine show the same delays while their own CPU time stays low
  const mostOfFleet = blocked.length * 2 > judged.length && !(median(blocked.map((n) => recent(n.cpu))) < FLEET_MIN_CPU);
  if (blocked.length * 2 > judged.length && !mostOfFleet) return { status: 'none' };
  const sick = mostOfFleet
    ? blocked
    : blocked.filter((n) => Number.isNaN(fleetP99) || fleetP99 < P99_BLOCKED_S / FLEET_MULTIPLE || standsOut(n));
  if (sick.length === 0) return { status: 'none' };

  const healthyP99 = median(judged.filter((n) => !sick.includes(n)).map((n) => recent(n.eventLoopDelayP99)));
  const evidence: EvidenceItem[] = [];
  const routes: string[] = [];
  let worstMax = 0;
  const saturated = (n: NodeWindow) => recent(n.elu) >= SATURATED_ELU || recent(n.cpu) >= SATURATED_ELU;
  for (const n of sick.sort((a, b) => recent(b.eventLoopDelayP99) - recent(a.eventLoopDelayP99))) {
    const p99 = recent(n.eventLoopDelayP99);
    const stall = max(lastValues(n.eventLoopDelayMax, 5));
    worstMax = Math.max(worstMax, stall || 0);
    const base = Number.isNaN(healthyP99) ? P99_BLOCKED_S : healthyP99;
    evidence.push({ metric: 'eventLoopDelay.p99', value: p99, baseline: base, baselineKind: Number.isNaN(healthyP99) ? 'threshold' : 'fleet-median', unit: 's', instance: n.instance });
    if (evidence.length <= 6) {
      evidence.push({ metric: 'eventLoopDelay.max', value: stall, baseline: MAX_BLOCKED_S, baselineKind: 'threshold', unit: 's', instance: n.instance });
      evidence.push({ metric: 'elu', value: recent(n.elu), baseline: MIN_ELU, baselineKind: 'threshold', unit: 'ratio', instance: n.instance });
    }
    for (const r of suspectRoutes(n.routes ?? [], Math.max(p99, stall || 0), saturated(n), recent(n.elu))) {
      if (!routes.includes(r.name)) routes.push(r.name);
      if (evidence.length < 12) evidence.push({ metric: 'latency.p50', value: r.mean, baseline: r.before, baselineKind: 'own-past', unit: 's', instance: n.instance, route: r.name });
    }
  }
  if (routes.length === 0) {
    for (const r of suspectRoutes(input.routes, worstMax, sick.some(saturated), sick.reduce((sum, n) => sum + (recent(n.elu) || 0), 0))) {
      routes.push(r.name);
      if (evidence.length < 12) evidence.push({ metric: 'latency.p50', value: r.mean, baseline: r.before, baselineKind: 'own-past', unit: 's', route: r.name });
    }
  }
  const first = sick[0];
  const draft: FindingDraft = {
    kind: 'event-loop-blocked',
    variant: mostOfFleet ? 'fleet' : 'nodes',
    subject: mostOfFleet ? 'fleet' : 'nodes',
    severity: worstMax >= 0.5 || recent(first.eventLoopDelayP99) >= 0.25 ? 'critical' : 'warning',
    nodes: sick.map((n) => n.instance),
    routes,
    evidence,
    facts: {
      nodeCount: sick.length,
      fleetNodes: judged.length,
      node: first.instance,
      p99: recent(first.eventLoopDelayP99),
      max: worstMax,
      fleetP99: Number.isNaN(healthyP99) ? median(judged.map((n) => recent(n.eventLoopDelayP99))) : healthyP99,
      // the longest stall of the rest of the fleet in the last 15 s (median over the nodes; 0 when none is calm)
      fleetMax: Number.isNaN(fleetStall) || mostOfFleet ? 0 : fleetStall,
      elu: recent(first.elu),
      route: routes[0] ?? '',
      blockedSeconds: countWhere(first.eventLoopDelayP99, blockedSecond(first)).hits,
      stalls: countWhere(first.eventLoopDelayMax, (v) => v >= MAX_BLOCKED_S, LONG_STALL_SECONDS).hits,
    },
  };
  return { status: 'issue', findings: [draft] };
}
