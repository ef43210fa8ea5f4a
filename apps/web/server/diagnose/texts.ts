// What each finding means and what to do about it, kept apart from the rules' logic. A summary is one
// sentence with the numbers; advice is what an on-call engineer would try first.

import type { EvidenceItem, FindingDraft, FindingKind } from './types.js';

export function fmtSeconds(s: number): string {
  if (!Number.isFinite(s)) return '—';
  if (s < 1e-3) return `${Math.round(s * 1e6)} µs`;
  if (s < 1) return `${sig(s * 1e3)} ms`;
  return `${sig(s)} s`;
}

export function fmtBytes(b: number): string {
  if (!Number.isFinite(b)) return '—';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  let v = b;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${sig(v)} ${units[i]}`;
}

export function fmtPercent(r: number): string {
  return Number.isFinite(r) ? `${sig(r * 100)}%` : '—';
}

function sig(v: number): string {
  const a = Math.abs(v);
  return a >= 100 ? String(Math.round(v)) : a >= 10 ? v.toFixed(1).replace(/\.0$/, '') : v.toFixed(2).replace(/\.?0+$/, '');
}

function n(f: FindingDraft, key: string): number {
  const v = f.facts[key];
  return typeof v === 'number' ? v : NaN;
}
function s(f: FindingDraft, key: string): string {
  const v = f.facts[key];
  return v === undefined ? '' : String(v);
}
function nodes(f: FindingDraft): string {
  const count = n(f, 'nodeCount');
  return count > 1 ? `${count} nodes (worst ${s(f, 'node')})` : `node ${s(f, 'node')}`;
}
/** ", and so do 4 processes of other services on host vm (catalog, shop-api): the host is short of cores" */
function neighbours(f: FindingDraft): string {
  const count = n(f, 'neighbours');
  return count > 0
    ? `, and so ${count === 1 ? 'does 1 process' : `do ${count} processes`} of other services on host ${s(f, 'host')} (${s(f, 'neighbourServices')}): the host is short of cores`
    : '';
}
function onRoute(f: FindingDraft): string {
  return s(f, 'route') ? `, mostly in ${s(f, 'route')}` : '';
}

interface Text {
  summary: (f: FindingDraft) => string;
  advice: string;
}

const TEXTS: Record<FindingKind, Record<string, Text>> = {
  'event-loop-blocked': {
    nodes: {
      summary: (f) =>
        // stalls now and then on a loop calm in between: its p99 says little, the stalls say it (a summary led with "delay
        // p99 1.44 ms … against 1.79 ms on the rest of the fleet"; verification round)
        n(f, 'p99') < 0.05 && n(f, 'stalls') > 0
          ? `Event loop blocked on ${nodes(f)} again and again: ${n(f, 'stalls')} stalls of 100 ms or more in the last 15 s, up to ${fmtSeconds(n(f, 'max'))}, against a delay p99 of ${fmtSeconds(n(f, 'fleetP99'))} on the rest of the fleet${onRoute(f)}.`
          : // its stalls stand out, not its p99: say so with the others' stalls (a p99 "against" one only 1.2× lower read as
            // a contradiction; outside audit D11)
            n(f, 'fleetMax') > 0 && n(f, 'p99') < 3 * n(f, 'fleetP99')
            ? `Event loop blocked on ${nodes(f)}: stalls up to ${fmtSeconds(n(f, 'max'))} against up to ${fmtSeconds(n(f, 'fleetMax'))} on the rest of the fleet (delay p99 ${fmtSeconds(n(f, 'p99'))} against ${fmtSeconds(n(f, 'fleetP99'))})${onRoute(f)}.`
            : `Event loop blocked on ${nodes(f)}: delay p99 ${fmtSeconds(n(f, 'p99'))} (stalls up to ${fmtSeconds(n(f, 'max'))}) against ${fmtSeconds(n(f, 'fleetP99'))} on the rest of the fleet${onRoute(f)}.`,
      advice:
        'Synchronous work holds the event loop and every request on the node waits behind it. Find it with a CPU profile of that node (clinic flame, --cpu-prof); move crypto, compression, big JSON or regex work to async APIs or a worker thread, and replace *Sync calls.',
    },
    fleet: {
      summary: (f) => `Event loop blocked on ${f.facts.nodeCount} of ${f.facts.fleetNodes} nodes: delay p99 ${fmtSeconds(n(f, 'p99'))}, stalls up to ${fmtSeconds(n(f, 'max'))}${onRoute(f)}.`,
      advice:
        'The same synchronous work blocks every node, so it is in the code path, not one machine. Profile one node (clinic flame, --cpu-prof) and move the blocking call off the main thread (async API or worker thread).',
    },
  },
  'cpu-saturated': {
    nodes: {
      summary: (f) =>
        `${saturated(f)} on ${nodes(f)}: ${fmtPercent(n(f, 'cpu'))} of a core, event loop ${fmtPercent(n(f, 'elu'))} busy, against ${fmtPercent(n(f, 'fleetCpu'))} CPU on the other nodes${
          !s(f, 'route') ? '' : n(f, 'routeShare') >= 0.3 ? `; ${s(f, 'route')} takes ${fmtPercent(n(f, 'routeShare'))} of its request time` : `; the work is mostly in ${s(f, 'route')}`
        }.`,
      advice:
        'One node works much harder than its peers: its share of traffic or of expensive requests is uneven. Check the load balancer and keep-alive distribution, and profile the hot route on that node.',
    },
    fleet: {
      summary: (f) => `${saturated(f)} on ${f.facts.nodeCount} of ${f.facts.fleetNodes} nodes (up to ${fmtPercent(n(f, 'cpu'))} of a core, event loop ${fmtPercent(n(f, 'elu'))} busy)${s(f, 'route') ? `; ${s(f, 'route')} takes most of the time` : ''}.`,
      advice: 'The fleet is out of CPU: add processes (one per core, e.g. node:cluster or more replicas) or make the hot route cheaper.',
    },
  },
  'off-cpu': {
    throttled: {
      summary: (f) =>
        `CPU quota throttling on ${nodes(f)}: its cgroup was throttled in ${fmtPercent(n(f, 'ratio'))} of scheduling periods${
          Number.isFinite(n(f, 'limit')) ? ` with a limit of ${sig(n(f, 'limit'))} CPU` : ''
        } (using ${fmtPercent(n(f, 'cpu'))} of a core${Number.isFinite(n(f, 'elu')) ? `, event loop ${fmtPercent(n(f, 'elu'))} busy` : ''}).`,
      advice:
        'The process needs more CPU than its container may use: every period it hits the quota, it is held back until the next one, and requests wait with it. Raise the CPU limit (Kubernetes resources.limits.cpu, docker --cpus, systemd CPUQuota) or run more replicas. GC and libuv threads count against the quota too, so a busy single Node.js process can be throttled below one full CPU.',
    },
    host: {
      summary: (f) =>
        // one process left waiting keeps its host's finding (held: "1 processes … wait"; outside UI audit)
        `${n(f, 'nodeCount') === 1 ? '1 process' : `${f.facts.nodeCount} processes`} on host ${s(f, 'host')} ${n(f, 'nodeCount') === 1 ? 'waits' : 'wait'} for CPU: ${
          Number.isFinite(n(f, 'maxRunDelay')) && n(f, 'maxRunDelay') > 0
            ? `${n(f, 'nodeCount') === 1 ? 'its event-loop thread was' : 'their event-loop threads were'} runnable but waiting for a core up to ${fmtPercent(n(f, 'maxRunDelay'))} of the time`
            : `${n(f, 'nodeCount') === 1 ? 'its event loop is' : 'their event loops are'} busy (up to ${fmtPercent(n(f, 'elu'))} of the time) but on a core for only ${fmtPercent(n(f, 'medianOnCpu'))} of it`
        } (${s(f, 'node')}: ${fmtPercent(n(f, 'cpu'))} of a core)${neighbours(f)}.`,
      advice:
        'The host has more runnable work than cores: too many processes or workers per core, a noisy neighbour, or CPU steal on a virtual machine. Run at most one busy Node.js process per core, move other jobs off the host, or give it more cores; adding processes makes it worse.',
    },
    node: {
      summary: (f) =>
        (Number.isFinite(n(f, 'runDelay'))
          ? `Node ${s(f, 'node')} waits for CPU: its event-loop thread was runnable but not running ${fmtPercent(n(f, 'runDelay'))} of the time (event loop busy ${fmtPercent(n(f, 'elu'))}, ${fmtPercent(n(f, 'cpu'))} of a core used)`
          : `Node ${s(f, 'node')} is busy but off the CPU: its event loop is busy ${fmtPercent(n(f, 'elu'))} of the time while it uses ${fmtPercent(n(f, 'cpu'))} of a core (${fmtPercent(n(f, 'onCpu'))} of its busy time)`) + `${neighbours(f)}.`,
      advice:
        'The process waits while its loop should be running: either for a core (a container CPU limit throttling it: check its CPU quota and the cgroup cpu.stat nr_throttled; or busy neighbours on the host) or, where the run delay is not reported, in blocking calls (fs.*Sync, child_process.*Sync, Atomics.wait, a synchronous native addon).',
    },
    blocking: {
      summary: (f) =>
        `Node ${s(f, 'node')} is blocked in synchronous calls: its event loop is busy ${fmtPercent(n(f, 'elu'))} of the time, but it runs on a core for ${fmtPercent(n(f, 'cpu'))} and waits for one only ${fmtPercent(n(f, 'runDelay'))}: the rest it sleeps inside a call.`,
      advice:
        'Something on the main thread waits without using the CPU: fs.*Sync on a slow disk, child_process.execSync/spawnSync, Atomics.wait, a synchronous database or DNS call in a native addon. The CPU profile the agent takes samples wall-clock time, so the JavaScript function that makes the call shows in it while it sleeps; --trace-sync-io prints a stack trace for every synchronous I/O call, and strace -f -T -p PID the system calls it sleeps in. Move them to their async versions or a worker thread.',
    },
  },
  'gc-pressure': {
    share: {
      summary: (f) =>
        `Garbage collection takes ${fmtPercent(n(f, 'share'))} of wall time on ${nodes(f)} (fleet median ${fmtPercent(n(f, 'fleetShare'))}; heap at ${fmtPercent(n(f, 'heapRatio'))} of its limit)${
          n(f, 'cpu') < n(f, 'share') ? `, while the process had ${fmtPercent(n(f, 'cpu'))} of a core: part of each pause is waiting for the CPU` : ''
        }.`,
      advice:
        'The process allocates faster than it should: look for per-request buffers, large temporary arrays or JSON round-trips (a heap-allocation profile shows them). If the heap is near its limit, raise --max-old-space-size or find what is retained.',
    },
    'long-pauses': {
      summary: (f) => `Long GC pauses (up to ${fmtSeconds(n(f, 'pauseMax'))}) on ${nodes(f)} with the heap at ${fmtPercent(n(f, 'heapRatio'))} of its limit.`,
      advice: 'The old generation is nearly full, so every major collection scans a lot and frees little. Check for a leak (heap snapshot), lower retained caches, or raise --max-old-space-size.',
    },
  },
  'io-wait': {
    route: {
      summary: (f) =>
        `${s(f, 'route')} waits on something outside the process: p50 ${fmtSeconds(n(f, 'p50'))} ${s(f, 'baselineKind') === 'threshold' ? `with no past here to compare with (a median of ${fmtSeconds(n(f, 'before'))} or more is a wait)` : `against ${fmtSeconds(n(f, 'before'))} before`}, while its nodes' event loop is ${fmtPercent(n(f, 'elu'))} busy and CPU ${fmtPercent(n(f, 'cpu'))}.`,
      advice:
        'The time goes to a database, cache or downstream service, not to this code: check the downstream’s latency and errors, connection-pool sizes and timeouts. A route that reads request bodies (uploads, POSTs from slow mobile networks) also waits on its clients sending them: if its downstream calls are fast, the wait is the clients’ network. More Node.js processes will not help.',
    },
    node: {
      summary: (f) =>
        `Node ${s(f, 'node')} waits on something outside the process: ${s(f, 'stat') || 'p99'} ${fmtSeconds(n(f, 'p99'))} against ${fmtSeconds(n(f, 'others'))} on the service's other nodes, while its event loop is ${fmtPercent(n(f, 'elu'))} busy and CPU ${fmtPercent(n(f, 'cpu'))}${s(f, 'route') ? `, mostly in ${s(f, 'route')}` : ''}.`,
      advice:
        'Only this node waits, so look at what it does not share with its peers: its connection pool to the database or downstream (exhausted, or holding broken connections), the replica or instance it talks to, its DNS, its disk. Draining or restarting it relieves its users while you look; more processes will not help.',
    },
  },
  'load-imbalance': {
    rps: {
      summary: (f) =>
        `Load imbalance in ${s(f, 'service')}: ${s(f, 'node')} serves ${sig(n(f, 'rps'))} req/s against a median of ${sig(n(f, 'fleetRps'))} req/s per node (${sig(n(f, 'ratio'))}×).`,
      advice:
        'Traffic is not spread evenly: check the load balancer’s algorithm and health checks, and long-lived keep-alive or HTTP/2 connections pinned to one node (set a max requests/age per connection).',
    },
    latency: {
      summary: (f) => `${s(f, 'node')} is slow at the same load: p99 ${fmtSeconds(n(f, 'p99'))} against ${fmtSeconds(n(f, 'fleetP99'))} on its peers, with an idle event loop.`,
      advice: 'Something about that machine differs: a noisy neighbour, a slower disk or network path, or a different downstream endpoint. Compare its host metrics with a healthy peer.',
    },
  },
  'memory-leak': {
    heap: {
      summary: (f) =>
        `Heap growing steadily on ${s(f, 'node')}: +${fmtBytes(n(f, 'slope'))}/s over ${f.facts.span} s, now ${fmtBytes(n(f, 'used'))} of ${fmtBytes(n(f, 'limit'))}${n(f, 'toLimit') > 0 ? `, full in about ${Math.round(n(f, 'toLimit'))} s` : ''}.`,
      advice:
        'Something retains objects per request or per event (an unbounded cache or map, listeners never removed, closures kept by timers). Take two heap snapshots a minute apart and compare what grew; bound caches with a size or TTL.',
    },
    rss: {
      summary: (f) => `Resident memory growing steadily on ${s(f, 'node')}: +${fmtBytes(n(f, 'slope'))}/s over ${f.facts.span} s (now ${fmtBytes(n(f, 'rss'))}) while the JS heap stays flat.`,
      advice: 'Memory outside the JS heap grows: Buffers or native addons. Check retained Buffers (heap snapshot "system / ArrayBuffer"), streams never consumed and native modules.',
    },
  },
  'error-burst': {
    route: {
      summary: (f) =>
        `Error burst on ${s(f, 'route')}: ${fmtPercent(n(f, 'rate'))} of requests answered 5xx (${sig(n(f, 'errorsPerSecond'))}/s) against ${fmtPercent(n(f, 'before'))} before${n(f, 'nodeCount') > 0 ? `, on ${nodes(f)}` : ''}` +
        (n(f, 'nodeRate') > 0 ? `; ${s(f, 'node')} answers ${fmtPercent(n(f, 'nodeRate'))} of its requests${n(f, 'nodeRateOnRoute') === 1 ? ' there' : ''} with 5xx.` : '.'),
      advice: 'Check the route’s logs for the failing requests; a recent deploy, a failing dependency or an exhausted pool are the usual causes.',
    },
    node: {
      summary: (f) =>
        `Error burst on node ${s(f, 'node')}: ${fmtPercent(n(f, 'rate'))} of its requests answered 5xx against ${fmtPercent(n(f, 'before'))} before` +
        (s(f, 'route') ? (n(f, 'routeInferred') === 1 ? `, where its service’s 5xx rose most: ${s(f, 'route')}.` : `, mostly ${s(f, 'route')}.`) : '.'),
      advice: 'Only this process fails: check its logs, its dependencies’ connections (a broken pool, a bad DNS answer) and whether it runs a different version; restart or drain it.',
    },
  },
  'os-limits': {
    fds: {
      summary: (f) => `File descriptors nearly exhausted on ${nodes(f)}: ${f.facts.fds} open of a limit of ${f.facts.limit} (${fmtPercent(n(f, 'ratio'))}).`,
      advice: 'New connections and files will fail with EMFILE. Look for sockets or files never closed (a leak shows as a steady rise); raise the limit (`ulimit -n`, LimitNOFILE in systemd, nofile in the container runtime).',
    },
    'listen-queue': {
      summary: (f) =>
        `The kernel is dropping connections on host ${s(f, 'host')}: ${f.facts.overflows} listen-queue overflows and ${f.facts.drops} drops in the last ${f.facts.seconds} s (${f.facts.nodeCount} node(s) there).` +
        (s(f, 'queueNode') ? ` ${s(f, 'queueNode')} is the one not keeping up: ${f.facts.queued} connections waited in its accept queue.` : '') +
        (n(f, 'queuesEmpty') === 1 ? ' None of these nodes held connections in its accept queue: another process on the host may be the one dropping them.' : ''),
      advice:
        'Connections arrive faster than the processes accept them: raise the listen backlog (server.listen({ backlog })), `net.core.somaxconn` and `net.ipv4.tcp_max_syn_backlog`, and check whether the event loop is blocked (it cannot accept while blocked).',
    },
  },
  'hot-route': {
    regression: {
      summary: (f) =>
        `${s(f, 'route')} regressed: p99 ${fmtSeconds(n(f, 'p99'))} against ${fmtSeconds(n(f, 'before'))}${n(f, 'usualMinutes') > 0 ? `, its usual over the last ${n(f, 'usualMinutes')} min` : ' in its own recent past'} (${sig(n(f, 'ratio'))}×).`,
      advice: 'Compare with the last deploy or configuration change; the route page’s heatmap shows whether all requests slowed or a new slow mode appeared.',
    },
    dominant: {
      summary: (f) => `${s(f, 'route')} takes ${fmtPercent(n(f, 'share'))} of the request time on ${n(f, 'nodeCount')} busy node(s): it is where the capacity goes.`,
      advice: 'Optimising or caching this route frees the most capacity; profile it first.',
    },
  },
  'requests-abandoned': {
    route: {
      summary: (f) =>
        `Clients give up on ${s(f, 'route')}: ${sig(n(f, 'perSecond'))} requests a second aborted before an answer (${fmtPercent(n(f, 'rate'))} of its requests, against ${fmtPercent(n(f, 'before'))} before)${n(f, 'nodeCount') > 0 ? `, on ${nodes(f)}` : ''}.`,
      advice:
        'Its requests hang until their clients leave, so no latency or error rate shows them: look for what the route waits on (a dependency that never answers, a lock or a pool with no free slot, a call without a timeout) and for a path that never ends its response.',
    },
  },
  'requests-stuck': {
    nodes: {
      summary: (f) =>
        `Requests are started and not answered on ${nodes(f)}: ${Math.round(n(f, 'inFlight'))} in flight, against ${Math.round(n(f, 'before'))} before and ${sig(n(f, 'expected'))} that its finished requests account for` +
        (n(f, 'growth') > 0 ? `, ${sig(n(f, 'growth'))} more each second` : '') +
        (s(f, 'heldRoute') ? `; ${n(f, 'heldRouteCount') * 2 >= n(f, 'heldListed') ? 'most' : 'many'} on ${s(f, 'heldRoute')} (${Math.round(n(f, 'heldRouteCount'))} of ${Math.round(n(f, 'heldListed'))} unanswered at the last export${n(f, 'nodeCount') > 1 ? 's' : ''})` : '') +
        (s(f, 'route') ? `; clients give up on ${fmtPercent(n(f, 'abandoned'))} of ${s(f, 'route')}'s requests.` : '.'),
      advice:
        'Requests that never finish show in no latency or error rate: look for a path that never ends its response (a missing res.end() or reply on an error branch), a call without a timeout to a dependency that never answers, a lock or a pool with no free slot. Each held request keeps its socket and memory: set a timeout on outgoing calls and server.requestTimeout. Streams, server-sent events and long polls are held on purpose and count too.',
    },
  },
};

/**
 * cpu-saturated's headline: "CPU saturated", or "Event loop saturated" when the loop's business tripped it with the
 * CPU well under a core (a starved host: "CPU saturated … up to 27% of a core" contradicted itself, outside audit V)
 */
function saturated(f: FindingDraft): string {
  return n(f, 'cpu') < 0.9 && n(f, 'elu') >= 0.95 ? 'Event loop saturated' : 'CPU saturated';
}

/** The one-sentence summary and the advice for a draft. */
export function explain(f: FindingDraft): { summary: string; advice: string } {
  const t = TEXTS[f.kind][f.variant];
  if (!t) return { summary: `${f.kind} on ${f.nodes.join(', ') || f.routes.join(', ')}`, advice: '' };
  return { summary: t.summary(f), advice: t.advice };
}

const METRIC_LABEL: Record<string, string> = {
  'eventLoopDelay.p99': 'event-loop delay p99',
  'eventLoopDelay.max': 'event-loop delay max',
  elu: 'event-loop utilisation',
  cpu: 'CPU',
  cpuThrottled: 'CPU periods throttled',
  runDelay: 'event loop waiting for a CPU',
  gcShare: 'GC share of wall time',
  heapUsed: 'heap used',
  rss: 'RSS',
  fds: 'open file descriptors',
  listenQueue: 'connections waiting to be accepted',
  rps: 'requests per second',
  errorRate: '5xx rate',
  aborted: 'requests aborted by their clients',
  inFlight: 'requests in flight',
  'latency.p50': 'latency p50',
  'latency.p99': 'latency p99',
};

const BASELINE_LABEL: Record<EvidenceItem['baselineKind'], string> = {
  'fleet-median': 'fleet median',
  'own-past': 'own recent past',
  usual: 'usual level',
  limit: 'limit',
  threshold: 'threshold',
};

function fmtValue(v: number, unit: EvidenceItem['unit']): string {
  switch (unit) {
    case 's':
      return fmtSeconds(v);
    case 'ratio':
      return fmtPercent(v);
    case 'bytes':
      return fmtBytes(v);
    case 'bytes/s':
      return `${fmtBytes(v)}/s`;
    case 'rps':
      return `${sig(v)} req/s`;
    case 'per-s':
      return `${sig(v)}/s`;
    case 'fd':
      return String(Math.round(v));
    case 'connections':
      return `${Math.round(v)} connections`;
    case 'requests':
      return `${Math.round(v)} requests`;
  }
}

/** One human line per evidence item: "node-3 event-loop delay p99: 180 ms (fleet median 2.1 ms)". */
export function evidenceLine(e: EvidenceItem): string {
  const where = [e.instance, e.route].filter(Boolean).join(' ');
  // a threshold says which side of it the value is: "27.4% (threshold 30%)" left the reader to guess what tripped
  // the rule (outside UI audit)
  const base = !Number.isFinite(e.baseline)
    ? ''
    : e.baselineKind === 'threshold'
      ? ` (${e.value >= e.baseline ? 'over' : 'under'} the ${fmtValue(e.baseline, e.unit)} threshold)`
      : ` (${BASELINE_LABEL[e.baselineKind]} ${fmtValue(e.baseline, e.unit)})`;
  return `${where ? `${where} ` : ''}${METRIC_LABEL[e.metric] ?? e.metric}${e.unit === 'bytes/s' ? ' growth' : ''}: ${fmtValue(e.value, e.unit)}${base}`;
}
