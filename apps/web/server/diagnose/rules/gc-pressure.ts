// gc-pressure: garbage collection takes a large share of wall time (allocation churn), or pauses are long
// while the heap sits near its limit (the collector works harder and frees less on every pass).

import type { DiagnosisInput, EvidenceItem, FindingDraft, NodeWindow, Series, Verdict } from '../types.js';
import { HOLD, hasRecent, heldNodes, lastValues, max, median, recent, sustained } from '../window.js';

/** 10% of wall time in GC pauses: throughput and tail latency visibly suffer past this */
const GC_SHARE = 0.1;
/** twice that is severe: a fifth of every second is spent collecting */
const GC_SHARE_CRITICAL = 0.2;
/** a 100 ms pause stalls every in-flight request by as much */
const LONG_PAUSE_S = 0.1;
/** "near its limit": 70% of the heap limit, where V8 starts collecting the old generation aggressively */
const HEAP_NEAR_LIMIT = 0.7;

function heapRatio(n: NodeWindow): number {
  return recent(n.heapUsed) / recent(n.heapLimit);
}

/**
 * GC's share of wall time, at most the process's CPU share in the same second. A pause is measured in wall
 * time, so on a crowded machine it also holds the time the process waited for a core: a process using 8% of
 * a core cannot spend 16% of its time collecting, and "allocates too fast" would be the wrong diagnosis.
 */
function gcCpuShareAt(n: NodeWindow, i: number): number {
  const cpu = n.cpu[i];
  return Number.isNaN(cpu) ? n.gcShare[i] : Math.min(n.gcShare[i], cpu);
}

/** The same as a series (for the one node a finding reports; the rule's test needs no copy). */
function gcCpuShare(n: NodeWindow): Series {
  return Float64Array.from(n.gcShare, (_, i) => gcCpuShareAt(n, i));
}

export function gcPressure(input: DiagnosisInput): Verdict {
  const judged = input.nodes.filter((n) => hasRecent(n.gcShare) || hasRecent(n.gcPauseMax));
  if (judged.length === 0) return { status: 'insufficient-data', reason: 'no node reported GC activity in the last seconds' };
  const fleetShare = median(judged.map((n) => recent(n.gcShare)).filter((v) => !Number.isNaN(v)));
  const drafts: FindingDraft[] = [];
  const churn: NodeWindow[] = [];
  const longPauses: NodeWindow[] = [];
  // a node a live finding names holds on HOLD of the line (a churn hovering about 10% came and went; outside audit)
  const held = heldNodes(input, 'gc-pressure', ['share']);
  for (const n of judged) {
    const line = (held.has(n.instance) ? HOLD : 1) * GC_SHARE;
    if (sustained(n.gcShare, (_, i) => gcCpuShareAt(n, i) >= line)) churn.push(n);
    else if (sustained(n.gcPauseMax, (v) => v >= LONG_PAUSE_S, 5, 2) && heapRatio(n) >= HEAP_NEAR_LIMIT) longPauses.push(n);
  }
  for (const [variant, nodes] of [['share', churn], ['long-pauses', longPauses]] as const) {
    if (nodes.length === 0) continue;
    nodes.sort((a, b) => recent(b.gcShare) - recent(a.gcShare));
    const evidence: EvidenceItem[] = [];
    for (const n of nodes.slice(0, 5)) {
      evidence.push({ metric: 'gcShare', value: recent(n.gcShare), baseline: Number.isNaN(fleetShare) ? GC_SHARE : fleetShare, baselineKind: 'fleet-median', unit: 'ratio', instance: n.instance });
      const ratio = heapRatio(n);
      if (!Number.isNaN(ratio)) evidence.push({ metric: 'heapUsed', value: recent(n.heapUsed), baseline: recent(n.heapLimit), baselineKind: 'limit', unit: 'bytes', instance: n.instance });
    }
    const worst = nodes[0];
    const ratio = heapRatio(worst);
    const share = recent(worst.gcShare);
    const cpuShare = recent(gcCpuShare(worst));
    drafts.push({
      kind: 'gc-pressure',
      variant,
      subject: variant,
      severity: cpuShare >= GC_SHARE_CRITICAL || ratio >= 0.9 ? 'critical' : 'warning',
      nodes: nodes.map((n) => n.instance),
      routes: [],
      evidence,
      facts: {
        nodeCount: nodes.length,
        node: worst.instance,
        share: Number.isNaN(share) ? 0 : share,
        cpu: recent(worst.cpu),
        pauseMax: max(lastValues(worst.gcPauseMax, 5)) || 0,
        heapRatio: Number.isNaN(ratio) ? 0 : ratio,
        heapUsed: recent(worst.heapUsed) || 0,
        fleetShare: Number.isNaN(fleetShare) ? 0 : fleetShare,
      },
    });
  }
  return drafts.length > 0 ? { status: 'issue', findings: drafts } : { status: 'none' };
}
