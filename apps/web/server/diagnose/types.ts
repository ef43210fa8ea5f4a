// The diagnosis rules' small contracts: what they read (recent per-second windows of every node and
// route), what they return (a verdict holding finding drafts), and the finding the API publishes.

import type { Finding as ApiFinding, CpuProfile, HeapProfile, SeriesMetric } from '../api/types.js';

/**
 * Per-second series of one subject over the recent window, oldest first, one slot per second, all aligned
 * with `DiagnosisInput.times`. `NaN` marks a second without data (node silent, no requests on a route).
 * Units: seconds for latency and delays, ratios 0..1 for rates of errors/ELU/CPU/GC share, bytes for
 * memory, per second for rates.
 */
export type Series = Float64Array | number[];

/** One route as seen on one node, or fleet-wide when it sits in `DiagnosisInput.routes`. */
export interface RouteWindow {
  route: string;
  method: string;
  service: string;
  /** requests per second */
  rps: Series;
  /** share of requests answered 5xx, 0..1 */
  errorRate: Series;
  /** latency percentiles, seconds */
  latencyP50: Series;
  latencyP99: Series;
  /** mean latency, seconds (optional: the blocking route stands out by its mean even when merged across nodes) */
  latencyMean?: Series;
  /** share of the fleet's (or the node's) total request time spent in this route per second, 0..1 */
  timeShare: Series;
  /**
   * requests per second the clients gave up on before an answer (optional: only routes with any in the window).
   * Never in `rps`, the latencies or the time share: they finished nothing.
   */
  aborted?: Series;
  /**
   * The route's usual level (optional): medians over its 10 s slots of the quarter hour before the judged seconds.
   * The window's own past can hold an earlier incident: a second slow downstream on the same route, right after a
   * first on another node, was measured against the first and named nowhere (live verification).
   */
  usual?: UsualLevel;
}

/** Medians over a route's 10 s slots (seconds), and how many seconds of slots they come from. */
export interface UsualLevel {
  p50: number;
  p99: number;
  mean: number;
  seconds: number;
}

/** One node (one process, `service.instance.id`). */
export interface NodeWindow {
  instance: string;
  service: string;
  host: string;
  /** Unix ms of the process's first export (optional): its start-up is not judged for a busy loop (window.ts warmingUp) */
  startedAt?: number;
  rps: Series;
  errorRate: Series;
  latencyP50: Series;
  latencyP99: Series;
  /** mean request duration of the second, seconds (optional: inputs built elsewhere may leave it out) */
  latencyMean?: Series;
  /** event-loop delay p99 and max of the second, seconds */
  eventLoopDelayP99: Series;
  eventLoopDelayMax: Series;
  /** event-loop utilisation, 0..1 */
  elu: Series;
  /** CPU time as a share of one core, 0..1 (may exceed 1 with worker threads) */
  cpu: Series;
  /** bytes */
  heapUsed: Series;
  heapLimit: Series;
  rss: Series;
  /** share of wall time spent in GC pauses in the second, 0..1 */
  gcShare: Series;
  /** longest single GC pause in the second, seconds */
  gcPauseMax: Series;
  /** open file descriptors and the process's soft limit */
  fds: Series;
  fdLimit: Series;
  /** kernel listen-queue overflows and drops per second (Linux; NaN elsewhere) */
  listenOverflows: Series;
  listenDrops: Series;
  /** connections waiting in the node's accept queues (Linux; the agent reads it when overflows rise, else every 30 s) */
  listenQueue: Series;
  /**
   * CPU quota throttling (Linux cgroups; optional, NaN where not reported): the share of the second's
   * scheduling periods in which the node's cgroup was throttled, and its quota in cores
   */
  cpuThrottled?: Series;
  cpuLimit?: Series;
  /** share of the second the event-loop thread was runnable but waiting for a CPU (Linux; optional) */
  runDelay?: Series;
  /** requests per second its clients gave up on before an answer (optional: only nodes with any in the window) */
  aborted?: Series;
  /** requests in flight at each second's export (optional: only nodes whose agent reports them) */
  inFlight?: Series;
  /**
   * its requests in flight by route ("POST /api/orders") at its latest export with requests in flight, where its agent
   * named them (`perf.http.server.active_requests.by_route`: with 10 or more in flight), busiest first; `answering`: of
   * them, those whose response has begun (streams, downloads)
   */
  inFlightRoutes?: { name: string; count: number; answering: number }[];
  /** this node's routes (optional: fleet-scale inputs may leave it out) */
  routes?: RouteWindow[];
}

/** Everything the rules see, built once per evaluation by the adapter (or by tests). */
export interface DiagnosisInput {
  /** Unix ms of the start of each second in the window, oldest first; every series has this length. */
  times: number[];
  nodes: NodeWindow[];
  /** fleet-wide routes (merged across nodes) */
  routes: RouteWindow[];
  /**
   * every node of every service, when `nodes` holds one service's (the engine judges services apart): for
   * what is shared across services, such as a host's cores
   */
  allNodes?: NodeWindow[];
  /** each node's last CPU profile, by `service.instance.id` (only for nodes that sent one) */
  profiles?: ReadonlyMap<string, CpuProfile>;
  /** each node's last heap profile, likewise */
  heapProfiles?: ReadonlyMap<string, HeapProfile>;
  /** each node's last allocation profile, likewise */
  allocationProfiles?: ReadonlyMap<string, HeapProfile>;
  /**
   * the findings live before this evaluation, by `kind|variant|subject` (the engine sets it per service): a rule may
   * hold one of them on a lower line than the one that raised it, so a figure hovering at the line does not raise
   * and clear it again and again, and keep judging it against the baseline it was raised against (its `facts`),
   * so a long one does not become its own baseline
   */
  active?: ReadonlyMap<string, ActiveFinding>;
}

export interface ActiveFinding {
  /** Unix ms it was first seen */
  since: number;
  /** its draft's facts and nodes at the last evaluation */
  facts: Readonly<Record<string, number | string>>;
  nodes: readonly string[];
}

/** Numbers behind a finding, against the baseline they were compared with. */
export interface EvidenceItem {
  /** the `/api/v1/series` metric that shows it on a chart */
  metric: SeriesMetric;
  /** what was measured, e.g. the node's value over the last seconds */
  value: number;
  /** the fleet's median, or the subject's own recent past, or a fixed threshold */
  baseline: number;
  /** `usual`: the subject's usual level over the quarter hour before (RouteWindow.usual) */
  baselineKind: 'fleet-median' | 'own-past' | 'usual' | 'limit' | 'threshold';
  unit: 's' | 'ratio' | 'bytes' | 'rps' | 'bytes/s' | 'per-s' | 'fd' | 'connections' | 'requests';
  instance?: string;
  route?: string;
  method?: string;
}

/** Every kind of finding the rules produce: `GET /api/v1/findings?kind=` and alert rules' `finding` accept these. */
export const FINDING_KINDS = [
  'event-loop-blocked',
  'cpu-saturated',
  'off-cpu',
  'gc-pressure',
  'io-wait',
  'load-imbalance',
  'memory-leak',
  'error-burst',
  'os-limits',
  'hot-route',
  'requests-abandoned',
  'requests-stuck',
] as const;

export type FindingKind = (typeof FINDING_KINDS)[number];

export type Severity = 'info' | 'warning' | 'critical';

/** What a rule returns for one problem it sees; the engine adds text, hysteresis and `since`. */
export interface FindingDraft {
  kind: FindingKind;
  /**
   * Which text variant explains it (see texts.ts) and, with `kind` and `subject`, the identity hysteresis
   * follows: a finding keeps its identity while its nodes or routes change.
   */
  variant: string;
  /** the subject the draft is about: a node id, a route ("GET /x"), or "fleet" */
  subject: string;
  severity: Severity;
  /** `service.instance.id` of the nodes concerned, worst first */
  nodes: string[];
  /** "METHOD route" of the routes concerned, worst first */
  routes: string[];
  evidence: EvidenceItem[];
  /** values the explanation text interpolates (numbers in base units) */
  facts: Record<string, number | string>;
}

/** A rule's answer: problems found, none, or not enough data to say (like clinic doctor's analysis). */
export type Verdict =
  | { status: 'issue'; findings: FindingDraft[] }
  | { status: 'none' }
  | { status: 'insufficient-data'; reason: string };

export type Rule = (input: DiagnosisInput) => Verdict;

/** A live finding as `GET /api/v1/findings` publishes it (the API's `Finding` plus additive fields). */
export interface DiagnosisFinding extends ApiFinding {
  kind: FindingKind;
  /** human lines, each with the number and its baseline */
  evidence: string[];
  // additive fields
  /** stable identity while the finding holds: kind, variant and subject */
  id: string;
  /** what to do about it */
  advice: string;
  /** the structured numbers, each naming the chart (metric, node or route) that shows it */
  metrics: EvidenceItem[];
  /** Unix ms of the evaluation that last confirmed it */
  updatedAt: number;
  /** ids of the live findings that likely cause this one (same service; see causes.ts); empty for a root cause */
  causedBy: string[];
  /** ids of the live findings this one likely causes */
  explains: string[];
  /**
   * what the CPU was running: the last CPU profile of the finding's first profiled node, taken while the
   * finding held (or just before), top functions only; absent when no such profile exists or the kind is
   * not about CPU time (event-loop-blocked, cpu-saturated, off-cpu, hot-route)
   */
  hotCode?: CpuProfile;
  /**
   * what the growing heap holds: the last heap allocation profile of the finding's node (the agent takes one
   * when the heap keeps growing), its largest allocation sites; only on a memory-leak finding about the heap
   */
  heapProfile?: HeapProfile;
  /**
   * who makes the garbage: the last allocation profile of the finding's first node that has one from its time
   * (the agent takes one when GC takes a large share of the time), its sites that allocated the most; only on a
   * gc-pressure finding about GC's share of the time
   */
  allocations?: HeapProfile;
}
