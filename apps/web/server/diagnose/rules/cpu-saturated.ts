// cpu-saturated: a node's main thread is busy nearly all the time. On most nodes the fleet needs more
// processes; on one or a few, their load or their work is uneven (see which route holds their time).

import type { DiagnosisInput, EvidenceItem, FindingDraft, NodeWindow, Verdict } from '../types.js';
import { hasRecent, median, recent, routeName, sustained, warmingUp } from '../window.js';
import { STAND_OUT_SATURATED, risingRoutes, standingOut } from './suspects.js';

/** 90% of one core: a Node.js process runs JavaScript on one thread, past this its request queue grows */
const CPU_SATURATED = 0.9;
/**
 * an event loop busy 95% of the time is the same thing seen from inside: it never waits for I/O, so
 * the process is the bottleneck even when the machine gives it less than a core (CPU contention)
 */
const ELU_SATURATED = 0.95;
/** a route that holds at least this share of a saturated node's request time is named as the work */
const ROUTE_SHARE = 0.3;

function saturatedSeconds(n: NodeWindow): boolean {
  return sustained(n.cpu, (v, i) => v >= CPU_SATURATED || n.elu[i] >= ELU_SATURATED) || sustained(n.elu, (v) => v >= ELU_SATURATED);
}

export function cpuSaturated(input: DiagnosisInput): Verdict {
  const judged = input.nodes.filter((n) => (hasRecent(n.cpu) || hasRecent(n.elu)) && !warmingUp(n, input));
  if (judged.length === 0) return { status: 'insufficient-data', reason: 'no node reported CPU or event-loop utilisation in the last seconds' };
  const hot = judged.filter(saturatedSeconds);
  if (hot.length === 0) return { status: 'none' };
  const fleetWide = judged.length >= 2 && hot.length * 2 > judged.length;
  const cold = judged.filter((n) => !hot.includes(n));
  const fleetCpu = median(cold.map((n) => recent(n.cpu)).filter((v) => !Number.isNaN(v)));
  const fleetElu = median(cold.map((n) => recent(n.elu)).filter((v) => !Number.isNaN(v)));

  const evidence: EvidenceItem[] = [];
  const routeShare = new Map<string, number>();
  hot.sort((a, b) => recent(b.cpu) - recent(a.cpu));
  for (const n of hot) {
    if (evidence.length < 10) {
      evidence.push({
        metric: 'cpu',
        value: recent(n.cpu),
        baseline: Number.isNaN(fleetCpu) ? CPU_SATURATED : fleetCpu,
        baselineKind: Number.isNaN(fleetCpu) ? 'threshold' : 'fleet-median',
        unit: 'ratio',
        instance: n.instance,
      });
      evidence.push({ metric: 'elu', value: recent(n.elu), baseline: Number.isNaN(fleetElu) ? ELU_SATURATED : fleetElu, baselineKind: Number.isNaN(fleetElu) ? 'threshold' : 'fleet-median', unit: 'ratio', instance: n.instance });
    }
    for (const r of n.routes ?? []) {
      const share = recent(r.timeShare);
      if (share >= ROUTE_SHARE) routeShare.set(routeName(r), Math.max(routeShare.get(routeName(r)) ?? 0, share));
    }
  }
  let routes = [...routeShare.entries()].sort((a, b) => b[1] - a[1]);
  if (routes.length === 0 && !fleetWide) {
    // no per-node detail: the route whose latency rose most with the saturation, by far (see suspects.ts), is the work;
    // its share of the fleet's request time says nothing of this node's (0: "the work is mostly in …"). Each rise counts
    // up to what the saturated loops' busy time could add as work: on a crowded host the routes waiting for the loop rose
    // more than the one doing the work (outside soak audit: GET /api/users/:id named for 45 s for POST /api/orders)
    const loopSeconds = hot.reduce((sum, n) => sum + (recent(n.elu) || 0), 0);
    routes = standingOut(risingRoutes(input.routes), input.routes, STAND_OUT_SATURATED, loopSeconds > 0 ? loopSeconds : undefined).map((r): [string, number] => [r.name, 0]);
  }
  // the fleet's time shares say where the work is only when the whole fleet does it (one saturated node's routes
  // are a sliver of the fleet's)
  if (routes.length === 0 && fleetWide) {
    for (const r of input.routes) {
      const share = recent(r.timeShare);
      if (share >= ROUTE_SHARE) routes.push([routeName(r), share]);
    }
    routes.sort((a, b) => b[1] - a[1]);
  }
  const draft: FindingDraft = {
    kind: 'cpu-saturated',
    variant: fleetWide ? 'fleet' : 'nodes',
    subject: fleetWide ? 'fleet' : 'nodes',
    severity: fleetWide ? 'critical' : 'warning',
    nodes: hot.map((n) => n.instance),
    routes: routes.map(([name]) => name),
    evidence,
    facts: {
      nodeCount: hot.length,
      fleetNodes: judged.length,
      node: hot[0].instance,
      cpu: recent(hot[0].cpu),
      elu: recent(hot[0].elu),
      fleetCpu: Number.isNaN(fleetCpu) ? 0 : fleetCpu,
      route: routes.length > 0 ? routes[0][0] : '',
      routeShare: routes.length > 0 ? routes[0][1] : 0,
    },
  };
  return { status: 'issue', findings: [draft] };
}
