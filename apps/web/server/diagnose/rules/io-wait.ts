// io-wait (slow downstream): a route's latency is up while the nodes serving it are mostly idle — the time
// goes to waiting on a database or another service, not to this process's CPU or event loop.

import type { ActiveFinding, DiagnosisInput, EvidenceItem, FindingDraft, NodeWindow, RouteWindow, Verdict } from '../types.js';
import { HOLD, baseline, hasRecent, median, recent, routeName, sustained } from '../window.js';

/** "up": at least 3× the route's own recent past and 50 ms more (below that it is noise users do not feel) */
const RISE_MULTIPLE = 3;
const RISE_MIN_S = 0.05;
/** without a past to compare with, a route whose median request waits half a second is waiting on something */
const ABSOLUTE_P50_S = 0.5;
/** "idle": the serving nodes' event loop and CPU below half — more processes would not help */
const IDLE = 0.5;
/** at least one request per second, so percentiles mean something */
const MIN_RPS = 1;


/**
 * A wait raised holds on HOLD of the line that raised it, against the baseline it was raised against: a slow
 * downstream lasting more than a minute had become the route's own past and cleared while it went on.
 */
type Rise = { p50: number; before: number; baselineKind: 'own-past' | 'threshold'; limit: number };

function risen(r: RouteWindow, held: ActiveFinding | undefined): Rise | null {
  if (!(recent(r.rps) >= MIN_RPS)) return null;
  if (held !== undefined) {
    const limit = HOLD * Number(held.facts.limit);
    const before = Number(held.facts.before);
    const kind = held.facts.baselineKind === 'threshold' ? 'threshold' : 'own-past';
    return limit > 0 && sustained(r.latencyP50, (v) => v >= limit) ? { p50: recent(r.latencyP50), before, baselineKind: kind, limit: Number(held.facts.limit) } : null;
  }
  const before = baseline(r.latencyP50);
  if (Number.isNaN(before)) {
    return sustained(r.latencyP50, (v) => v >= ABSOLUTE_P50_S) ? { p50: recent(r.latencyP50), before: ABSOLUTE_P50_S, baselineKind: 'threshold', limit: ABSOLUTE_P50_S } : null;
  }
  const limit = Math.max(RISE_MULTIPLE * before, before + RISE_MIN_S);
  return sustained(r.latencyP50, (v) => v >= limit) ? { p50: recent(r.latencyP50), before, baselineKind: 'own-past', limit } : null;
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
    // the nodes that serve the route (per-node detail when present, else every node of its service)
    const serving = input.nodes.filter((n) => n.service === r.service && (n.routes === undefined || n.routes.some((x) => routeName(x) === name && recent(x.rps) > 0)));
    if (serving.length === 0) continue;
    const idleNodes = serving.filter(idle);
    if (idleNodes.length * 2 <= serving.length) continue; // mostly busy nodes: a CPU or event-loop finding explains it
    const slowOn = idleNodes
      .map((n) => ({ n, p50: recent(n.routes?.find((x) => routeName(x) === name)?.latencyP50 ?? n.latencyP50) }))
      .filter((x) => !(x.p50 < rise.before * 2))
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
      severity: rise.p50 >= 1 ? 'critical' : 'warning',
      nodes: (slowOn.length > 0 ? slowOn.map((x) => x.n) : idleNodes).map((n) => n.instance),
      routes: [name],
      evidence,
      facts: { route: name, p50: rise.p50, before: rise.before, limit: rise.limit, baselineKind: rise.baselineKind, elu: Number.isNaN(elu) ? 0 : elu, cpu: median(idleNodes.map((n) => recent(n.cpu)).filter((v) => !Number.isNaN(v))) || 0, nodeCount: slowOn.length || idleNodes.length },
    });
  }
  return drafts.length > 0 ? { status: 'issue', findings: drafts } : { status: 'none' };
}
