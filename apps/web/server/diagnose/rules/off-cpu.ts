// off-cpu: a node's event loop is busy much longer than the CPU time it gets. Busy time is wall time spent
// outside the event loop's wait for I/O; when the process is off the CPU for most of it, it is waiting:
// for a core (more runnable processes than cores on the host, a noisy neighbour, CPU steal, or a container's
// CPU quota throttling it), or inside a blocking call (fs.*Sync, child_process.*Sync, Atomics.wait, a
// synchronous native addon). Where the agent reports the loop thread's run delay (Linux schedstat) the two
// are told apart: waiting for a core shows there, sleeping in a call does not (variant "blocking"); a run
// delay of a fifth of the time is reported even when the loop's other numbers look fine. Several nodes of
// one host waiting at once point at the host; one node alone at its quota or its neighbours. Where the agent reads the cgroup's CPU bandwidth counters, a quota that
// throttles the node says so directly (variant "throttled", whatever the loop's numbers). Adding processes
// does not help here, which is why it is told apart from cpu-saturated.

import type { DiagnosisInput, EvidenceItem, FindingDraft, NodeWindow, Verdict } from '../types.js';
import { HOLD, hasRecent, heldNodes, median, recent, sustained, warmingUp } from '../window.js';

/** the loop must be busy enough for the wait to matter: a third of the time */
const MIN_ELU = 0.3;
/** "much longer than its CPU time": the process is on a core for at most half of its busy time */
export const CPU_PART_OF_BUSY = 0.5;
/** a quarter or less, with the loop busy most of the time, is severe: requests queue behind a process that cannot run */
const CPU_PART_CRITICAL = 0.25;
const ELU_CRITICAL = 0.6;
/** a quarter of the cgroup's scheduling periods throttled: the quota holds the process back every few 100 ms */
const THROTTLED = 0.25;
/** half of them: requests wait out most periods' ends */
const THROTTLED_CRITICAL = 0.5;
/** the loop's thread runnable but waiting for a CPU a fifth of the time: each request waits about as long again */
const RUN_DELAY = 0.2;
const RUN_DELAY_CRITICAL = 0.5;
/** of a loop's busy time off the CPU, at least this part spent waiting for one: it waits for cores, not in calls */
const WAITING_PART = 0.5;

/** a neighbour "waits too" at half the line: the host's other processes share the same cores */
const NEIGHBOUR_RUN_DELAY = 0.1;

/** Processes of other services on `host` that wait for a core too (by their run delay, or off the CPU while busy). */
function waitingNeighbours(input: DiagnosisInput, host: string): NodeWindow[] {
  const mine = new Set(input.nodes);
  return (input.allNodes ?? []).filter((n) => {
    if (n.host !== host || mine.has(n)) return false;
    const rd = recent(n.runDelay ?? []);
    // without a run delay, a loop busy off the CPU counts (as on the node's own service)
    return rd >= NEIGHBOUR_RUN_DELAY || (Number.isNaN(rd) && hasRecent(n.elu) && sustained(n.elu, offCpuSecond(n)));
  });
}

/** least time on the CPU for its busy time first */
const leastOnCpu = (a: NodeWindow, b: NodeWindow) => recent(a.cpu) / recent(a.elu) - recent(b.cpu) / recent(b.elu);

/** Busy time, CPU and (where reported) run delay of the first few nodes, against the lines they crossed. */
function loopEvidence(nodes: readonly NodeWindow[]): EvidenceItem[] {
  const evidence: EvidenceItem[] = [];
  for (const n of nodes.slice(0, 4)) {
    evidence.push({ metric: 'elu', value: recent(n.elu), baseline: MIN_ELU, baselineKind: 'threshold', unit: 'ratio', instance: n.instance });
    evidence.push({ metric: 'cpu', value: recent(n.cpu), baseline: CPU_PART_OF_BUSY * recent(n.elu), baselineKind: 'threshold', unit: 'ratio', instance: n.instance });
    const rd = recent(n.runDelay ?? []);
    if (!Number.isNaN(rd)) evidence.push({ metric: 'runDelay', value: rd, baseline: RUN_DELAY, baselineKind: 'threshold', unit: 'ratio', instance: n.instance });
  }
  return evidence;
}

function offCpuSecond(n: NodeWindow, k = 1): (elu: number, i: number) => boolean {
  return (elu, i) => elu >= k * MIN_ELU && !Number.isNaN(n.cpu[i]) && n.cpu[i] <= CPU_PART_OF_BUSY * elu;
}

export function offCpu(input: DiagnosisInput): Verdict {
  const quota = input.nodes.filter((n) => n.cpuThrottled !== undefined && hasRecent(n.cpuThrottled));
  const judged = input.nodes.filter((n) => hasRecent(n.cpu) && hasRecent(n.elu) && !warmingUp(n, input));
  if (judged.length === 0 && quota.length === 0) return { status: 'insufficient-data', reason: 'no node reported both CPU and event-loop utilisation in the last seconds' };
  const drafts: FindingDraft[] = [];
  const throttled = quota.filter((n) => sustained(n.cpuThrottled!, (v) => v >= THROTTLED)).sort((a, b) => recent(b.cpuThrottled!) - recent(a.cpuThrottled!));
  if (throttled.length > 0) {
    const evidence: EvidenceItem[] = [];
    for (const n of throttled.slice(0, 5)) {
      evidence.push({ metric: 'cpuThrottled', value: recent(n.cpuThrottled!), baseline: THROTTLED, baselineKind: 'threshold', unit: 'ratio', instance: n.instance });
      const limit = recent(n.cpuLimit ?? []);
      if (!Number.isNaN(limit)) evidence.push({ metric: 'cpu', value: recent(n.cpu), baseline: limit, baselineKind: 'limit', unit: 'ratio', instance: n.instance });
    }
    const worst = throttled[0];
    const ratio = recent(worst.cpuThrottled!);
    drafts.push({
      kind: 'off-cpu',
      variant: 'throttled',
      subject: 'throttled',
      severity: ratio >= THROTTLED_CRITICAL ? 'critical' : 'warning',
      nodes: throttled.map((n) => n.instance),
      routes: [],
      evidence,
      facts: { node: worst.instance, nodeCount: throttled.length, ratio, limit: recent(worst.cpuLimit ?? []), cpu: recent(worst.cpu), elu: recent(worst.elu) },
    });
  }
  // A node a live waiting finding names (its own or its host's) holds on HOLD of the lines: on a crowded host run
  // delays hover about the line, and the finding was raised and cleared every few seconds, changing between the node
  // and the host as a second node crossed the line and fell back (outside audit). A host's finding stays the host's
  // while one of its nodes still waits.
  const held = heldNodes(input, 'off-cpu', ['node', 'host']);
  const heldHosts = new Set<string>();
  for (const [key, f] of input.active ?? []) if (key.startsWith('off-cpu|host|')) heldHosts.add(String(f.facts.host));
  const off = judged.filter((n) => {
    if (throttled.includes(n)) return false;
    const k = held.has(n.instance) ? HOLD : 1;
    return sustained(n.elu, offCpuSecond(n, k)) || (n.runDelay !== undefined && sustained(n.runDelay, (v) => v >= k * RUN_DELAY));
  });
  if (off.length === 0) return drafts.length > 0 ? { status: 'issue', findings: drafts } : { status: 'none' };
  // With the run delay known, a loop off the CPU that hardly waits for one sleeps in blocking calls; one that
  // waits (or whose run delay is not reported) is short of cores.
  const blocking = off.filter((n) => {
    const rd = recent(n.runDelay ?? []);
    return !Number.isNaN(rd) && rd < (held.has(n.instance) ? HOLD : 1) * RUN_DELAY && rd < WAITING_PART * (recent(n.elu) - recent(n.cpu));
  });
  if (blocking.length > 0) {
    blocking.sort(leastOnCpu);
    const evidence = loopEvidence(blocking);
    const worst = blocking[0];
    const elu = recent(worst.elu);
    const cpu = recent(worst.cpu);
    drafts.push({
      kind: 'off-cpu',
      variant: 'blocking',
      subject: 'blocking',
      severity: elu >= ELU_CRITICAL && cpu <= CPU_PART_CRITICAL * elu ? 'critical' : 'warning',
      nodes: blocking.map((n) => n.instance),
      routes: [],
      evidence,
      facts: { node: worst.instance, nodeCount: blocking.length, elu, cpu, runDelay: recent(worst.runDelay!) },
    });
  }
  const byHost = new Map<string, NodeWindow[]>();
  for (const n of off) if (!blocking.includes(n)) byHost.set(n.host, [...(byHost.get(n.host) ?? []), n]);
  for (const [host, nodes] of byHost) {
    // two or more of a host's processes at once: the host is short of cores, not one process's code
    const variant = nodes.length >= 2 || heldHosts.has(host) ? 'host' : 'node';
    nodes.sort(leastOnCpu);
    const evidence = loopEvidence(nodes);
    const worst = nodes[0];
    const elu = recent(worst.elu);
    const cpu = recent(worst.cpu);
    const runDelay = recent(worst.runDelay ?? []);
    const neighbours = waitingNeighbours(input, host);
    drafts.push({
      kind: 'off-cpu',
      variant,
      subject: variant === 'host' ? `host:${host}` : worst.instance,
      severity: (elu >= ELU_CRITICAL && cpu <= CPU_PART_CRITICAL * elu) || runDelay >= RUN_DELAY_CRITICAL ? 'critical' : 'warning',
      nodes: nodes.map((n) => n.instance),
      routes: [],
      evidence,
      facts: {
        host,
        node: worst.instance,
        nodeCount: nodes.length,
        elu,
        cpu,
        onCpu: cpu / elu,
        medianOnCpu: median(nodes.map((n) => recent(n.cpu) / recent(n.elu))),
        runDelay,
        maxRunDelay: Math.max(...nodes.map((n) => recent(n.runDelay ?? []) || 0)),
        neighbours: neighbours.length,
        neighbourServices: [...new Set(neighbours.map((n) => n.service))].sort().join(', '),
      },
    });
  }
  return { status: 'issue', findings: drafts };
}
