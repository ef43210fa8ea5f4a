// The alert engine's small contracts: rules as users write them, the metric source the evaluator reads,
// alerts as the engine tracks them, and notifications as the notifiers send them.

export type Scope = 'fleet' | 'node' | 'route';
export type Op = '>' | '<';

/**
 * Every metric a rule can watch. Units: latency and event-loop delay in seconds, errorRate/elu/cpu as ratios 0..1, rps
 * and aborted (requests the clients aborted before the response finished) per second, heapUsed in bytes, inFlight in
 * requests (started and not yet finished, at the last export).
 */
export const METRICS = [
  'latency.p50',
  'latency.p90',
  'latency.p99',
  'latency.p999',
  'eventLoopDelay.p99',
  'eventLoopDelay.max',
  'errorRate',
  'rps',
  'aborted',
  'elu',
  'cpu',
  'heapUsed',
  'inFlight',
  'nodeDown',
  'finding',
] as const;
export type MetricName = (typeof METRICS)[number];

export interface WebhookTarget {
  type: 'webhook';
  /** http(s) URL that receives a POST per notification. */
  url: string;
  /** HMAC-SHA256 key for `X-Perf-Signature`. */
  secret: string;
  format: 'alertmanager' | 'slack';
}

export interface AlertmanagerTarget {
  type: 'alertmanager';
  /** Base URL of a Prometheus Alertmanager, e.g. http://alertmanager:9093 (alerts go to `/api/v2/alerts`). */
  url: string;
}

export type Target = WebhookTarget | AlertmanagerTarget;

/** A rule as users write it (API body or rules file), after validation. Durations are kept as written and parsed into ms below. */
export interface RuleSpec {
  name: string;
  service?: string;
  scope: Scope;
  metric: MetricName;
  /** Finding kind, for `metric: "finding"` (`"any"`: every kind). */
  finding?: string;
  /**
   * For `metric: "finding"`: whether findings that are a likely consequence of another live finding count
   * (default true). `false` alerts on root causes only: a GC problem fires, the blocked loop it causes does not.
   */
  consequences?: boolean;
  op: Op;
  /** In the metric's unit: seconds, ratio, req/s or bytes. */
  threshold: number;
  window: string;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  targets: Target[];
  /** Rules can be switched off without deleting them (default true). */
  enabled?: boolean;
}

export type RuleSource = 'api' | 'file';

/** A stored rule: the spec plus identity and parsed durations. */
export interface Rule extends RuleSpec {
  id: string;
  source: RuleSource;
  windowMs: number;
  forMs: number;
  createdAt: string;
  updatedAt: string;
}

/** What the evaluator asks a metric source for: one read serves every rule with the same key. */
export interface MetricQuery {
  scope: Scope;
  metric: MetricName;
  service?: string;
  windowMs: number;
  finding?: string;
  /** false: only findings that are no other live finding's consequence */
  consequences?: boolean;
}

/** One value of a rule's metric for one scope key (the fleet, a node, a route). */
export interface ScopedValue {
  /** Labels that identify the scope key: {} for the fleet, {instance, service} for a node, {route, method} for a route. */
  labels: Record<string, string>;
  /** In the metric's unit; NaN when there is not enough data (treated as "condition false"). */
  value: number;
  /** A string unique to this label set within the read, when the source has one cheaper than sorting the labels. */
  key?: string;
  /**
   * What the source knows about this value in words, for the alert's `description` annotation when the rule sets
   * none: for `finding` rules, the summaries of the findings behind it (with the CPU profile's sentence when a
   * finding has one), so a notification carries the diagnosis, not only its name.
   */
  detail?: string;
  /**
   * What the detail tells beyond its numbers (for `finding` rules: which findings, their causes, whether a profile
   * names their code). When it changes while the alert fires, the alert is announced again with its new annotations
   * (a repeat, at most MAX_REVISIONS times per alert): the code a profile names arrives seconds after a finding.
   */
  revision?: string;
}

/** Where rule values come from. Implemented over the server's query layer; tests use plain objects. */
export interface MetricSource {
  read(query: MetricQuery, nowMs: number): ScopedValue[];
  /**
   * How long after the source starts it may not know yet the values of subjects it had before (ms): a node not
   * heard from since the dashboard restarted is neither up with a rate nor down until its agent's back-off has
   * passed. Firing alerts restored after a restart are held at least this long (plus a few ticks).
   */
  readonly restartGraceMs?: number;
}

export type AlertState = 'pending' | 'firing' | 'resolved';

/** One alert: one rule and one label set. */
export interface Alert {
  ruleId: string;
  fingerprint: string;
  /** Key of the scope labels the metric source gave (finds the alert again each tick and after a restart). */
  scopeKey: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: AlertState;
  /** When the condition first held (ms since epoch); Alertmanager's `startsAt`. */
  activeAt: number;
  firedAt?: number;
  resolvedAt?: number;
  /** Last value seen, in the metric's unit. */
  value: number;
  /** Last time the condition held (ms). */
  lastTrueAt: number;
  /** Last time a firing notification went out for this alert (ms), for repeat intervals. */
  lastNotifiedAt?: number;
}

/** A change the notifiers must announce: alerts of one rule that became firing or resolved (or re-sent) in one tick. */
export interface Notification {
  rule: Rule;
  status: 'firing' | 'resolved';
  alerts: Alert[];
  /** True when this is a repeat of an already announced state (repeat interval or Alertmanager re-send). */
  repeat: boolean;
}
