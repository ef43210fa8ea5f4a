// os-limits: a process near its file-descriptor limit (new sockets and files will fail with EMFILE), or
// the kernel dropping connections because a listen queue overflowed (the accept loop cannot keep up). The
// overflow counters are per host; the node whose own accept queue holds connections is the one not keeping
// up, so it is named first.

import type { DiagnosisInput, EvidenceItem, FindingDraft, NodeWindow, Verdict } from '../types.js';
import { hasRecent, lastValues, max, recent, RECENT_SECONDS } from '../window.js';

/** 80% of the soft limit: one traffic spike from EMFILE */
const FD_RATIO = 0.8;
/** 95%: accept() and open() are about to fail */
const FD_RATIO_CRITICAL = 0.95;

function sum(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return s;
}

export function osLimits(input: DiagnosisInput): Verdict {
  const judged = input.nodes.filter((n) => hasRecent(n.fds) || hasRecent(n.listenOverflows) || hasRecent(n.listenDrops));
  if (judged.length === 0) return { status: 'insufficient-data', reason: 'no node reported file descriptors or listen-queue counters' };
  const drafts: FindingDraft[] = [];
  const fdNodes: { n: NodeWindow; ratio: number; fds: number; limit: number }[] = [];
  // listen-queue counters are per network namespace (per host), so they are grouped by host
  const hosts = new Map<string, { nodes: NodeWindow[]; overflows: number; drops: number }>();
  for (const n of judged) {
    const fds = recent(n.fds);
    const limit = recent(n.fdLimit);
    if (limit > 0 && fds / limit >= FD_RATIO) fdNodes.push({ n, ratio: fds / limit, fds, limit });
    const overflows = sum(lastValues(n.listenOverflows, RECENT_SECONDS));
    const drops = sum(lastValues(n.listenDrops, RECENT_SECONDS));
    if (overflows > 0 || drops > 0) {
      const h = hosts.get(n.host) ?? { nodes: [], overflows: 0, drops: 0 };
      h.nodes.push(n);
      h.overflows = Math.max(h.overflows, overflows);
      h.drops = Math.max(h.drops, drops);
      hosts.set(n.host, h);
    }
  }
  if (fdNodes.length > 0) {
    fdNodes.sort((a, b) => b.ratio - a.ratio);
    const w = fdNodes[0];
    drafts.push({
      kind: 'os-limits',
      variant: 'fds',
      subject: 'fds',
      severity: w.ratio >= FD_RATIO_CRITICAL ? 'critical' : 'warning',
      nodes: fdNodes.map((x) => x.n.instance),
      routes: [],
      evidence: fdNodes.slice(0, 8).map((x): EvidenceItem => ({ metric: 'fds', value: x.fds, baseline: x.limit, baselineKind: 'limit', unit: 'fd', instance: x.n.instance })),
      facts: { node: w.n.instance, fds: w.fds, limit: w.limit, ratio: w.ratio, nodeCount: fdNodes.length },
    });
  }
  for (const [host, h] of hosts) {
    // the longest accept queue each node reported lately (the agent reads it as soon as overflows rise)
    const queue = new Map(h.nodes.map((n) => [n, max(lastValues(n.listenQueue, RECENT_SECONDS)) || 0] as const));
    const q = (n: NodeWindow) => queue.get(n)!;
    h.nodes.sort((a, b) => q(b) - q(a));
    const queued = h.nodes.filter((n) => q(n) > 0);
    // the counters are the host's: with none of these nodes' accept queues holding connections, the drops may be
    // another process's (an outside audit's fleet got a critical per service for a neighbour's overflows): a warning
    const readQueues = h.nodes.some((n) => hasRecent(n.listenQueue));
    drafts.push({
      kind: 'os-limits',
      variant: 'listen-queue',
      subject: `host:${host}`,
      severity: queued.length > 0 ? 'critical' : 'warning',
      nodes: h.nodes.map((n) => n.instance),
      routes: [],
      evidence: queued.slice(0, 8).map((n): EvidenceItem => ({ metric: 'listenQueue', value: q(n), baseline: 0, baselineKind: 'threshold', unit: 'connections', instance: n.instance })),
      facts: {
        host,
        overflows: h.overflows,
        drops: h.drops,
        seconds: RECENT_SECONDS,
        nodeCount: h.nodes.length,
        queueNode: queued[0]?.instance ?? '',
        queued: queued.length > 0 ? q(queued[0]) : 0,
        queuesEmpty: queued.length === 0 && readQueues ? 1 : 0,
      },
    });
  }
  return drafts.length > 0 ? { status: 'issue', findings: drafts } : { status: 'none' };
}
