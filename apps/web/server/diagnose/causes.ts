// Which findings explain which. One cause often shows as several findings at once: a node collecting
// garbage 40% of the time also has a blocked event loop, a saturated CPU and slow routes, and each rule
// sees its own symptom. The links below say which finding is the likely cause of another, so the reader
// starts with the cause. They only join findings of one service that share a node (or a route), and only
// where the cause's own numbers account for the symptom; everything else stays unlinked.
//
// Kinds rank from causes to symptoms, and a link always goes down the ranking, so links never form a
// cycle: heap growth → GC → a busy or blocked loop (or a skewed share of the load, or a process that
// cannot get a core) → dropped connections, slow routes and resident memory held by the requests queueing.

import type { CpuProfile } from '../api/types.js';
import type { DiagnosisInput, FindingDraft, NodeWindow } from './types.js';
import { fmtPercent, fmtSeconds } from './texts.js';
import { lastValues, max, recent } from './window.js';
import { CPU_PART_OF_BUSY } from './rules/off-cpu.js';

/** GC accounts for a blocked loop or a busy CPU when its share of wall time is at least this part of the busy time */
const GC_PART_OF_BUSY = 0.25;
/** …or when its longest pause is at least this part of the longest stall */
const GC_PART_OF_STALL = 0.5;
/** a node takes "more than its share" of the load at this multiple of its service's median rate */
const IMBALANCE_MULTIPLE = 1.5;

export interface Linkable {
  id: string;
  draft: FindingDraft;
}

export interface CauseLink {
  /** id of the finding that explains the other */
  cause: string;
  /** id of the finding it explains */
  effect: string;
}

type Explains = (
  cause: FindingDraft,
  effect: FindingDraft,
  node: (instance: string) => NodeWindow | undefined,
  runsOwnCode: (instance: string) => boolean,
  /** the share of the service's requests its nodes `instances` serve (NaN without the window) */
  trafficShare: (instances: readonly string[]) => number,
) => boolean;

/** a route's p99 regression can come from nodes serving this share of its service's requests (1% of them is its p99) */
const SLOW_TRAFFIC_SHARE = 0.05;

/** a CPU profile counts for "what the loop runs" for this long after it ended (ms) */
const PROFILE_FRESH_MS = 120_000;
/**
 * the app's own code holds at least this share of the samples a node's profile found its loop busy in: its loop is
 * busy with that code (a 200 ms block every second is a fifth of the samples, and three fifths of the busy ones: an
 * outside UI audit's block on a crowded host read "a consequence of shop-1 waiting off the CPU" for a minute)…
 */
const OWN_CODE_SHARE = 0.3;
/** …and at least this share of all the samples (a loop idle nearly all the time says nothing) */
const OWN_CODE_MIN = 0.05;

/** The app's own code (or code it called: a caller in the app) holds a good share of the node's recent CPU profile. */
function ownCodeIn(p: CpuProfile | undefined, now: number): boolean {
  if (p === undefined || p.end < now - PROFILE_FRESH_MS) return false;
  let share = 0;
  for (const f of p.functions) {
    const own = f.caller !== null || (f.file !== '' && !f.file.startsWith('node:') && !f.file.includes('node_modules'));
    if (own) share += f.share;
  }
  const busy = p.busy > 0 && p.busy <= 1 ? p.busy : 1;
  return share >= OWN_CODE_MIN && share >= OWN_CODE_SHARE * busy;
}

const shared = (a: FindingDraft, b: FindingDraft): string[] => a.nodes.filter((n) => b.nodes.includes(n));

function gcAccountsFor(n: NodeWindow | undefined, busy: number): boolean {
  if (!n) return false;
  const share = recent(n.gcShare);
  const pause = max(lastValues(n.gcPauseMax, 5));
  const stall = max(lastValues(n.eventLoopDelayMax, 5));
  return share >= GC_PART_OF_BUSY * busy || pause >= GC_PART_OF_STALL * stall;
}

/**
 * A node in common waits off the CPU for most of its busy time, or is held back by its quota: given the core,
 * its loop would not be this busy. A loop on the CPU for most of its busy time is saturated or blocked by its own
 * work, and would be with a core to itself: its wait is a second problem beside that, not the cause (a CPU-heavy
 * route on a crowded host). Without the node's window, the shared node decides; without its recent numbers, no link.
 */
const waitAccountsFor: Explains = (c, e, node, runsOwnCode) => {
  if (c.variant === 'throttled') return shared(c, e).length > 0;
  const ids = shared(c, e);
  // a loop whose CPU profile is mostly the app's own code is held by that code (the blocking scenario on a crowded
  // host: 84% in blockingWork read as a consequence of the host's shortage of cores), and so is the effect when any
  // of its nodes is (an outside audit's CPU-heavy route on every node, profiled on one at 59.8% in its code, read as a
  // consequence of processes waiting for CPU because the other two had no profile yet)
  if (ids.some(runsOwnCode)) return false;
  return ids.some((i) => {
    const n = node(i);
    if (n === undefined) return true;
    // a second without the numbers (a restart's first seconds) says nothing, and a link once made holds
    return recent(n.cpu) < CPU_PART_OF_BUSY * recent(n.elu);
  });
};
/** the node named for the full accept queue is one of the cause's */
const queueNodeIn: Explains = (c, e) => e.variant === 'listen-queue' && c.nodes.includes(String(e.facts.queueNode));
/** a node in common serves well above its service's median rate */
const servesMore: Explains = (c, e, node) =>
  c.variant === 'rps' && shared(c, e).some((i) => recent(node(i)?.rps ?? []) >= IMBALANCE_MULTIPLE * Number(c.facts.fleetRps));

const RULES: { cause: string; effects: string[]; explains: Explains }[] = [
  // a growing heap makes every collection work harder: the long pauses (or the churn) follow from it (native
  // memory, RSS without the heap, is not the collector's work)
  { cause: 'memory-leak', effects: ['gc-pressure'], explains: (c, e) => c.variant !== 'rss' && shared(c, e).length > 0 },
  // a loop that cannot keep up holds the requests queueing for it (their sockets, buffers, parsed bodies): resident
  // memory grows with the backlog, steadily, as a leak would (cpu-heavy: +1.3 MiB/s with the JS heap flat)
  { cause: 'cpu-saturated', effects: ['memory-leak'], explains: (c, e) => e.variant === 'rss' && shared(c, e).length > 0 },
  { cause: 'event-loop-blocked', effects: ['memory-leak'], explains: (c, e) => e.variant === 'rss' && shared(c, e).length > 0 },
  // the loop is blocked, or the CPU busy, because the collector holds it
  { cause: 'gc-pressure', effects: ['event-loop-blocked'], explains: (c, e, node) => shared(c, e).some((i) => gcAccountsFor(node(i), recent(node(i)?.elu ?? []))) },
  {
    cause: 'gc-pressure',
    effects: ['cpu-saturated'],
    explains: (c, e, node) => shared(c, e).some((i) => gcAccountsFor(node(i), Math.max(recent(node(i)?.cpu ?? []), recent(node(i)?.elu ?? [])) || 1)),
  },
  // the node is busy because it gets more than its share of the traffic
  { cause: 'load-imbalance', effects: ['cpu-saturated', 'event-loop-blocked'], explains: servesMore },
  // a node slow at the same load, because it alone waits on I/O
  { cause: 'io-wait', effects: ['load-imbalance'], explains: (c, e) => c.variant === 'node' && e.variant === 'latency' && shared(c, e).length > 0 },
  // a process that waits for a core stalls its loop, and looks saturated from inside
  { cause: 'off-cpu', effects: ['event-loop-blocked', 'cpu-saturated'], explains: waitAccountsFor },
  // a process cannot accept connections while its loop is busy (or off the CPU): the kernel's queue overflows
  { cause: 'off-cpu', effects: ['os-limits'], explains: queueNodeIn },
  { cause: 'event-loop-blocked', effects: ['os-limits'], explains: queueNodeIn },
  { cause: 'cpu-saturated', effects: ['os-limits'], explains: queueNodeIn },
  // requests fail when the process runs out of file descriptors
  { cause: 'os-limits', effects: ['error-burst'], explains: (c, e) => c.variant === 'fds' && shared(c, e).length > 0 },
  // a route regresses because of what its nodes go through, or because it waits on I/O. Loops blocked or saturated
  // for every request slow every route they serve: a route they name, or any when those nodes serve enough of the
  // service's requests to move its p99 (an outside audit saw six routes regress behind one saturated node of three,
  // five of them as causes of their own)
  ...(['event-loop-blocked', 'cpu-saturated'] as const).map((cause) => ({
    cause,
    effects: ['hot-route'],
    explains: ((c, e, _node, _own, trafficShare) =>
      e.variant === 'regression' && (e.routes.some((r) => c.routes.includes(r)) || c.variant === 'fleet' || trafficShare(c.nodes) >= SLOW_TRAFFIC_SHARE)) as Explains,
  })),
  ...(['io-wait', 'error-burst'] as const).map((cause) => ({
    cause,
    effects: ['hot-route'],
    explains: ((c, e) => e.variant === 'regression' && e.routes.some((r) => c.routes.includes(r))) as Explains,
  })),
  // clients give up on a route that waits on I/O, or whose nodes cannot answer in time (a blocked, saturated or
  // starved loop holds every request it serves)
  ...(['io-wait', 'event-loop-blocked', 'cpu-saturated', 'off-cpu'] as const).map((cause) => ({
    cause,
    effects: ['requests-abandoned'],
    explains: ((c, e) => e.routes.some((r) => c.routes.includes(r)) || shared(c, e).length > 0) as Explains,
  })),
  // requests pile up unanswered on a node whose loop cannot keep up with them (its backlog grows). Not waiting for a
  // core, nor a slow route whose requests finish: requests-stuck counts what finished requests do not account for
  // (an outside audit saw a missing reply filed under "host short of cores", and under a route the node never served)
  ...(['event-loop-blocked', 'cpu-saturated'] as const).map((cause) => ({
    cause,
    effects: ['requests-stuck'],
    explains: ((c, e) => shared(c, e).length > 0) as Explains,
  })),
  // requests never answered: their clients give up on them; each holds its socket (a file descriptor) and its memory
  // (resident memory only: a heap leak's link to GC pressure, and GC's to a blocked loop, would close a cycle)
  { cause: 'requests-stuck', effects: ['requests-abandoned'], explains: (c, e) => e.routes.some((r) => c.routes.includes(r)) || shared(c, e).length > 0 },
  { cause: 'requests-stuck', effects: ['os-limits'], explains: (c, e) => e.variant === 'fds' && shared(c, e).length > 0 },
  { cause: 'requests-stuck', effects: ['memory-leak'], explains: (c, e) => e.variant === 'rss' && shared(c, e).length > 0 },
];

/**
 * Held links (the Diagnoser keeps a link while both findings live) that the evidence now refutes: an off-cpu link to
 * a loop whose fresh CPU profile shows the app's own code holding it (made before the profile came, it held for as
 * long as the finding did).
 */
export function refutedLinks(findings: readonly Linkable[], input: DiagnosisInput | undefined): Set<string> {
  const out = new Set<string>();
  const now = input?.times.at(-1) ?? 0;
  for (const c of findings) {
    if (c.draft.kind !== 'off-cpu' || c.draft.variant === 'throttled') continue;
    for (const e of findings) {
      if (e.draft.kind !== 'event-loop-blocked' && e.draft.kind !== 'cpu-saturated') continue;
      if (shared(c.draft, e.draft).some((i) => ownCodeIn(input?.profiles?.get(i), now))) out.add(`${c.id}\0${e.id}`);
    }
  }
  return out;
}

/**
 * The links among the live findings of one service (`input` is that service's window, if it still has
 * one). A finding may have several causes and explain several others.
 */
export function linkCauses(findings: readonly Linkable[], input: DiagnosisInput | undefined): CauseLink[] {
  const nodes = new Map((input?.nodes ?? []).map((n) => [n.instance, n]));
  const node = (instance: string) => nodes.get(instance);
  const now = input?.times.at(-1) ?? 0;
  const runsOwnCode = (instance: string) => ownCodeIn(input?.profiles?.get(instance), now);
  let total = 0;
  for (const n of nodes.values()) total += recent(n.rps) || 0;
  const trafficShare = (instances: readonly string[]) => {
    let part = 0;
    for (const i of instances) part += recent(nodes.get(i)?.rps ?? []) || 0;
    return total > 0 ? part / total : NaN;
  };
  const links: CauseLink[] = [];
  for (const rule of RULES) {
    for (const c of findings) {
      if (c.draft.kind !== rule.cause) continue;
      for (const e of findings) {
        if (!rule.effects.includes(e.draft.kind) || e.id === c.id) continue;
        if (rule.explains(c.draft, e.draft, node, runsOwnCode, trafficShare)) links.push({ cause: c.id, effect: e.id });
      }
    }
  }
  return links;
}

/**
 * One crowded host seen by several services: each service's off-cpu finding names the same host short of cores
 * (its processes wait for a CPU, and so do other services' processes there). One finding stands for the host:
 * the one that did before (`roots`, by host) while it lives, else the one naming the most of the host's processes
 * (then the most severe, then the one whose process uses the most CPU: likely what crowds the host; then by
 * service name). The other services' findings become its consequences, so the
 * host is one problem to fix (and one alert with `consequences: false`). Every link starts at a host's one
 * root, so they cannot form a cycle; returns the links and the roots now.
 */
export function linkCrowdedHosts(
  findings: readonly (Linkable & { service: string })[],
  roots: ReadonlyMap<string, string> = new Map(),
): { links: CauseLink[]; roots: Map<string, string> } {
  const byHost = new Map<string, (Linkable & { service: string })[]>();
  for (const f of findings) {
    const d = f.draft;
    if (d.kind !== 'off-cpu' || (d.variant !== 'host' && d.variant !== 'node') || !(Number(d.facts.neighbours) > 0)) continue;
    const host = String(d.facts.host ?? '');
    if (host === '') continue;
    byHost.set(host, [...(byHost.get(host) ?? []), f]);
  }
  const links: CauseLink[] = [];
  const now = new Map<string, string>();
  const rank = { critical: 0, warning: 1, info: 2 } as const;
  for (const [host, group] of byHost) {
    if (new Set(group.map((f) => f.service)).size < 2) continue;
    const cpu = (f: Linkable) => Number(f.draft.facts.cpu) || 0;
    group.sort((a, b) => b.draft.nodes.length - a.draft.nodes.length || rank[a.draft.severity] - rank[b.draft.severity] || cpu(b) - cpu(a) || a.service.localeCompare(b.service));
    const root = group.find((f) => f.id === roots.get(host)) ?? group[0];
    now.set(host, root.id);
    for (const f of group) if (f.service !== root.service) links.push({ cause: root.id, effect: f.id });
  }
  return { links, roots: now };
}

/** The cause as a phrase for the sentence that ends its effects' summaries ("Likely a consequence of …"). */
export function causePhrase(d: FindingDraft): string {
  const node = String(d.facts.node ?? d.nodes[0] ?? '');
  const route = String(d.facts.route ?? d.routes[0] ?? '');
  switch (d.kind) {
    case 'memory-leak':
      return d.variant === 'rss' ? `resident memory growing on ${node}` : `the heap growing on ${node}`;
    case 'gc-pressure':
      return d.variant === 'share'
        ? `garbage collection on ${node} (${fmtPercent(Number(d.facts.share))} of wall time)`
        : `long GC pauses on ${node} (up to ${fmtSeconds(Number(d.facts.pauseMax))})`;
    case 'load-imbalance':
      return `the load imbalance (${node} serves ${Number(d.facts.ratio).toFixed(1)}× the median rate)`;
    case 'event-loop-blocked':
      return d.variant === 'fleet' ? 'the event loops blocked across the fleet' : `the blocked event loop on ${node}`;
    case 'off-cpu':
      if (d.variant === 'throttled') return `the CPU quota throttling ${node}`;
      if (d.variant === 'blocking') return `synchronous calls blocking ${node}`;
      if (Number(d.facts.neighbours) > 0) return `host ${String(d.facts.host)} short of cores`;
      return d.variant === 'host' ? `processes on host ${String(d.facts.host)} waiting for CPU` : `${node} waiting off the CPU`;
    case 'cpu-saturated':
      return d.variant === 'fleet' ? 'the fleet running out of CPU' : `CPU saturation on ${node}`;
    case 'io-wait':
      return d.variant === 'node' ? `${node} waiting on I/O` : `${route} waiting on I/O`;
    case 'error-burst':
      return d.variant === 'node' ? `the error burst on ${node}` : `the error burst on ${route}`;
    case 'os-limits':
      return d.variant === 'fds' ? `file descriptors running out on ${node}` : 'connections dropped by the kernel';
    case 'hot-route':
      return route;
    case 'requests-abandoned':
      return `clients giving up on ${route}`;
    case 'requests-stuck':
      return `requests left unanswered on ${node}`;
  }
}

/** "A", "A and B", "A, B and C" */
export function joinPhrases(phrases: readonly string[]): string {
  return phrases.length <= 1 ? (phrases[0] ?? '') : `${phrases.slice(0, -1).join(', ')} and ${phrases[phrases.length - 1]}`;
}
