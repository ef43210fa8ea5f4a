// Turns untrusted input (an API body or one entry of the rules file) into a RuleSpec, or throws an AlertError
// naming the field and the reason. Unknown fields are refused so that typos ("treshold") do not pass silently.
import { AlertError } from '../errors.js';
import { parseDuration } from '../duration.js';
import { checkTargetUrl } from '../notify/url-guard.js';
import { METRICS } from '../types.js';
import { FINDING_KINDS } from '../../diagnose/types.js';
import type { MetricName, RuleSpec, Scope, Target } from '../types.js';

const SCOPES: readonly Scope[] = ['fleet', 'node', 'route'];
const TARGET_TYPES = ['webhook', 'alertmanager'] as const;
/** What `finding` accepts: the diagnoser's kinds, or every kind. */
const FINDING_VALUES: readonly string[] = [...FINDING_KINDS, 'any'];
const FINDING_CHOICES = `${FINDING_KINDS.map((k) => `"${k}"`).join(', ')}, or "any"`;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** Labels the engine sets itself from the rule and the scope key. */
const RESERVED_LABELS = new Set(['alertname', 'service', 'instance', 'route', 'method', 'finding', 'perf_rule']);
/** Labels or annotations per rule: each is sent with every alert of the rule. */
const MAX_ENTRIES = 64;
/** Fields of a stored rule that a client may send back unchanged (GET → edit → PUT); they are ignored. */
const READ_ONLY = new Set(['id', 'source', 'createdAt', 'updatedAt', 'windowMs', 'forMs', 'state']);
const KNOWN = new Set(['name', 'service', 'scope', 'metric', 'finding', 'consequences', 'op', 'threshold', 'window', 'for', 'labels', 'annotations', 'targets', 'enabled']);

/** Scopes each metric exists at (a route has no event loop or heap of its own). */
const METRIC_SCOPES: Record<MetricName, readonly Scope[]> = {
  'latency.p50': SCOPES,
  'latency.p90': SCOPES,
  'latency.p99': SCOPES,
  'latency.p999': SCOPES,
  'eventLoopDelay.p99': ['fleet', 'node'],
  'eventLoopDelay.max': ['fleet', 'node'],
  errorRate: SCOPES,
  rps: SCOPES,
  aborted: SCOPES,
  elu: ['fleet', 'node'],
  cpu: ['fleet', 'node'],
  heapUsed: ['fleet', 'node'],
  inFlight: ['fleet', 'node'],
  nodeDown: ['fleet', 'node'],
  finding: SCOPES,
};
const RATIO_METRICS = new Set<MetricName>(['errorRate', 'elu']);
const SECONDS_METRICS = new Set<MetricName>(['latency.p50', 'latency.p90', 'latency.p99', 'latency.p999', 'eventLoopDelay.p99', 'eventLoopDelay.max']);
/** Metrics whose condition is "present": op and threshold are optional (default "> 0"). */
const PRESENCE_METRICS = new Set<MetricName>(['nodeDown', 'finding']);

const MIN_WINDOW_MS = 1000;
const MAX_WINDOW_MS = 3_600_000;
const MAX_FOR_MS = 7 * 86_400_000;

export interface ValidateOptions {
  /** Refuse loopback, private and link-local target addresses (PERF_ALERTS_BLOCK_PRIVATE=true). */
  blockPrivate?: boolean;
  /** Prefix for field paths, e.g. "rules[3]." when validating a rules file. */
  fieldPrefix?: string;
}

function fail(field: string, reason: string, prefix: string): never {
  throw new AlertError('RULE_INVALID', `${prefix}${field} ${reason}`, `${prefix}${field}`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Labels or annotations: names as Prometheus and Alertmanager take them (an annotation "see also" was saved, and
 * Alertmanager then refused every delivery of the rule with 400); `labels`: not perf's own, and not empty (an
 * Alertmanager drops an empty label, so its fingerprint would not be perf's).
 */
function stringMap(v: unknown, field: string, p: string, isLabels: boolean): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (!isObject(v)) fail(field, 'must be an object of string values', p);
  const out: Record<string, string> = {};
  if (Object.keys(v).length > MAX_ENTRIES) fail(field, `has more than ${MAX_ENTRIES} entries`, p);
  for (const [k, val] of Object.entries(v)) {
    if (!LABEL_NAME.test(k)) fail(`${field}.${k}`, `is not a valid ${isLabels ? 'label' : 'annotation'} name (letters, digits and _, not starting with a digit)`, p);
    if (k.startsWith('__')) fail(`${field}.${k}`, 'starts with __, which Prometheus and Alertmanager keep for themselves', p);
    if (isLabels && RESERVED_LABELS.has(k)) fail(`${field}.${k}`, `is set by perf itself and cannot be overridden (reserved: ${[...RESERVED_LABELS].join(', ')})`, p);
    if (typeof val !== 'string') fail(`${field}.${k}`, 'must be a string', p);
    if (isLabels && val === '') fail(`${field}.${k}`, 'is empty (Alertmanager drops empty labels: leave it out)', p);
    if (val.length > 4096) fail(`${field}.${k}`, 'is longer than 4096 characters', p);
    Object.defineProperty(out, k, { value: val, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/**
 * The first `{{ … }}` of an annotation that is not one of the templates perf expands (or a `{{` never closed), else
 * undefined: an outside audit's "{{ $value " and "{{ .Foo }} {{ range }}" were saved and sent as they were written.
 */
function badTemplate(text: string): string | undefined {
  for (let at = text.indexOf('{{'); at >= 0; at = text.indexOf('{{', at + 2)) {
    const close = text.indexOf('}}', at + 2);
    const part = close < 0 ? text.slice(at, at + 40) : text.slice(at, close + 2);
    if (close < 0 || !/^\{\{\s*\$(value|threshold|labels\.[a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}$/.test(part)) return part;
    at = close;
  }
  return undefined;
}

function target(v: unknown, i: number, p: string, blockPrivate: boolean): Target {
  const f = `targets[${i}]`;
  if (!isObject(v)) fail(f, 'must be an object', p);
  // the type decides which fields a target has, so a wrong type is named before anything it would explain
  if (!(TARGET_TYPES as readonly unknown[]).includes(v.type)) {
    fail(`${f}.type`, `must be "webhook" or "alertmanager"${v.type === undefined ? '' : ` (got ${JSON.stringify(v.type)})`}`, p);
  }
  const url = v.url;
  if (typeof url !== 'string' || url === '') fail(`${f}.url`, 'is required (an http or https URL)', p);
  const refused = checkTargetUrl(url, blockPrivate);
  if (refused) fail(`${f}.url`, refused, p);
  if (v.type === 'webhook') {
    for (const k of Object.keys(v)) if (!['type', 'url', 'secret', 'format'].includes(k)) fail(`${f}.${k}`, 'is not a field of a webhook target (type, url, secret, format)', p);
    if (typeof v.secret !== 'string' || v.secret.length === 0) fail(`${f}.secret`, 'is required: every webhook request is signed with it (X-Perf-Signature)', p);
    const format = v.format ?? 'alertmanager';
    if (format !== 'alertmanager' && format !== 'slack') fail(`${f}.format`, 'must be "alertmanager" or "slack"', p);
    return { type: 'webhook', url, secret: v.secret, format };
  }
  for (const k of Object.keys(v)) if (!['type', 'url'].includes(k)) fail(`${f}.${k}`, 'is not a field of an alertmanager target (type, url)', p);
  return { type: 'alertmanager', url };
}

/** Validates one rule. Throws AlertError('RULE_INVALID') with `field` set. */
export function validateRule(input: unknown, options: ValidateOptions = {}): RuleSpec {
  const p = options.fieldPrefix ?? '';
  if (!isObject(input)) {
    throw new AlertError('RULE_INVALID', `${p ? p.replace(/\.$/, '') : 'the rule'} must be a JSON object`, p.replace(/\.$/, '') || undefined);
  }
  for (const k of Object.keys(input)) {
    if (!KNOWN.has(k) && !READ_ONLY.has(k)) fail(k, `is not a rule field (known: ${[...KNOWN].join(', ')})`, p);
  }

  const name = input.name;
  if (typeof name !== 'string' || name.trim() === '') fail('name', 'is required (a non-empty string)', p);
  if (name.length > 200) fail('name', 'is longer than 200 characters', p);
  if (/[\u0000-\u001f\u007f]/.test(name)) fail('name', 'holds a control character (a newline, a tab): it becomes the alertname label', p);

  let service: string | undefined;
  if (input.service !== undefined && input.service !== null && input.service !== '') {
    if (typeof input.service !== 'string') fail('service', 'must be a string (a service.name)', p);
    service = input.service;
  }

  const scope = input.scope;
  if (!SCOPES.includes(scope as Scope)) fail('scope', 'must be one of "fleet", "node", "route"', p);

  const metric = input.metric as MetricName;
  if (!(METRICS as readonly string[]).includes(metric as string)) fail('metric', `must be one of ${METRICS.map((m) => `"${m}"`).join(', ')}`, p);
  if (!METRIC_SCOPES[metric].includes(scope as Scope)) {
    fail('scope', `"${String(scope)}" has no ${metric}; use ${METRIC_SCOPES[metric].map((s) => `"${s}"`).join(' or ')}`, p);
  }

  let finding: string | undefined;
  if (metric === 'finding') {
    if (typeof input.finding !== 'string' || input.finding === '') fail('finding', `is required with metric "finding": one of ${FINDING_CHOICES}`, p);
    // an unknown kind would be accepted and never fire
    if (!FINDING_VALUES.includes(input.finding)) fail('finding', `must be one of ${FINDING_CHOICES} (got ${JSON.stringify(input.finding)})`, p);
    finding = input.finding;
  } else if (input.finding !== undefined) {
    fail('finding', 'is only allowed with metric "finding"', p);
  }
  if (input.consequences !== undefined) {
    if (metric !== 'finding') fail('consequences', 'is only allowed with metric "finding"', p);
    if (typeof input.consequences !== 'boolean') fail('consequences', 'must be true or false (false: root causes only)', p);
  }

  const presence = PRESENCE_METRICS.has(metric);
  const op = input.op ?? (presence ? '>' : undefined);
  if (op !== '>' && op !== '<') fail('op', op === undefined ? 'is required (">" or "<")' : 'must be ">" or "<"', p);

  const threshold = input.threshold ?? (presence ? 0 : undefined);
  if (typeof threshold !== 'number' || !Number.isFinite(threshold)) fail('threshold', threshold === undefined ? 'is required (a number in the metric\'s unit)' : 'must be a finite number', p);
  if (threshold < 0) fail('threshold', 'must not be negative', p);
  // nodeDown and finding are conditions: "< 1" would fire for every healthy node, or wherever nothing is found
  if (presence && op === '<') fail('op', `must be ">" (or left out) for ${metric}: it fires while the condition holds`, p);
  if (op === '<' && threshold === 0) fail('threshold', `0 with "<" can never hold: ${metric} is never below 0`, p);
  if (RATIO_METRICS.has(metric) && threshold > 1) fail('threshold', `is a ratio between 0 and 1 for ${metric} (1% is 0.01)`, p);
  if (metric === 'cpu' && threshold > 64) fail('threshold', 'is a ratio of one core (0.8 is 80% of a core)', p);
  // a latency or loop delay over a minute is a value in milliseconds by mistake (200 and 3000 were accepted)
  if (SECONDS_METRICS.has(metric) && threshold > 60) fail('threshold', `is in seconds for ${metric} (200 ms is 0.2; over 60 s looks like milliseconds)`, p);

  const window = input.window ?? '30s';
  const windowMs = typeof window === 'string' ? parseDuration(window) : undefined;
  if (windowMs === undefined) fail('window', 'must be a duration such as "30s", "1m" or "5m"', p);
  if (windowMs < MIN_WINDOW_MS || windowMs > MAX_WINDOW_MS) fail('window', 'must be between 1s and 1h', p);

  const forText = input.for ?? '0s';
  const forMs = typeof forText === 'string' ? parseDuration(forText) : undefined;
  if (forMs === undefined) fail('for', 'must be a duration such as "0s", "30s" or "5m"', p);
  if (forMs > MAX_FOR_MS) fail('for', 'must be at most 7d', p);

  const labels = stringMap(input.labels, 'labels', p, true);
  const annotations = stringMap(input.annotations, 'annotations', p, false);
  for (const [k, text] of Object.entries(annotations)) {
    const bad = badTemplate(text);
    if (bad !== undefined) fail(`annotations.${k}`, `has ${JSON.stringify(bad)}, which is not a template perf expands: {{ $value }}, {{ $threshold }} or {{ $labels.<name> }}`, p);
  }

  const rawTargets = input.targets ?? [];
  if (!Array.isArray(rawTargets)) fail('targets', 'must be an array', p);
  if (rawTargets.length > 20) fail('targets', 'has more than 20 entries', p);
  const targets = rawTargets.map((t, i) => target(t, i, p, options.blockPrivate ?? false));

  if (input.enabled !== undefined && typeof input.enabled !== 'boolean') fail('enabled', 'must be true or false', p);

  return {
    name: name.trim(),
    ...(service !== undefined ? { service } : {}),
    scope: scope as Scope,
    metric,
    ...(finding !== undefined ? { finding } : {}),
    ...(input.consequences === false ? { consequences: false } : {}),
    op,
    threshold,
    window: window as string,
    for: forText as string,
    labels,
    annotations,
    targets,
    enabled: input.enabled ?? true,
  };
}
