// The rule editor's state and its mapping to and from the API's rule body. Pure (no React), so it is tested
// without a browser. Labels are edited as "name=value" lines; annotations as the three common fields plus
// any others kept as they were.
import type { RuleView } from '../../server/alerts/engine/engine.js';
import { METRICS } from '../../server/alerts/types.js';

export const SCOPES = ['fleet', 'node', 'route'] as const;
/** The metrics a rule can watch: the engine's own list (a module of plain constants, safe in the browser). */
export const METRIC_OPTIONS = METRICS;

/** Unit hint shown next to the threshold: the API takes seconds, ratios and bytes. */
export function thresholdHint(metric: string): string {
  if (metric.startsWith('latency.') || metric.startsWith('eventLoopDelay.')) return 'seconds (0.2 = 200 ms)';
  if (metric === 'errorRate' || metric === 'elu') return 'ratio 0–1 (0.01 = 1%)';
  if (metric === 'cpu') return 'share of one core (0.8 = 80%)';
  if (metric === 'heapUsed') return 'bytes (536870912 = 512 MiB)';
  if (metric === 'rps') return 'requests per second';
  if (metric === 'aborted') return 'requests the clients aborted, per second';
  if (metric === 'inFlight') return 'requests in flight (started, not yet answered)';
  if (metric === 'nodeDown') return 'fires when a node is silent longer than the window';
  return 'fires while a finding of this kind is live';
}

export interface TargetForm {
  type: 'webhook' | 'alertmanager';
  url: string;
  secret: string;
  format: 'alertmanager' | 'slack';
}

export interface RuleForm {
  name: string;
  service: string;
  scope: string;
  metric: string;
  finding: string;
  /** finding rules: count only findings no other live finding causes (`consequences: false`) */
  rootCausesOnly: boolean;
  op: string;
  threshold: string;
  window: string;
  for: string;
  labels: string;
  summary: string;
  description: string;
  runbookUrl: string;
  otherAnnotations: Record<string, string>;
  targets: TargetForm[];
  enabled: boolean;
}

export const EMPTY_FORM: RuleForm = {
  name: '',
  service: '',
  scope: 'fleet',
  metric: 'latency.p99',
  finding: '',
  rootCausesOnly: false,
  op: '>',
  threshold: '',
  window: '30s',
  // the API's default (README: `for` defaults to 0s): a rule made here behaves like the same rule posted without it
  for: '0s',
  labels: 'severity=warning',
  summary: '',
  description: '',
  runbookUrl: '',
  otherAnnotations: {},
  targets: [],
  enabled: true,
};

export function formFromRule(r: RuleView): RuleForm {
  const { summary = '', description = '', runbook_url: runbookUrl = '', ...other } = r.annotations;
  return {
    name: r.name,
    service: r.service ?? '',
    scope: r.scope,
    metric: r.metric,
    finding: r.finding ?? '',
    rootCausesOnly: r.consequences === false,
    op: r.op,
    threshold: String(r.threshold),
    window: r.window,
    for: r.for,
    labels: Object.entries(r.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n'),
    summary,
    description,
    runbookUrl,
    otherAnnotations: other,
    targets: r.targets.map((t) => (t.type === 'webhook' ? { type: 'webhook', url: t.url, secret: t.secret, format: t.format } : { type: 'alertmanager', url: t.url, secret: '', format: 'alertmanager' })),
    enabled: r.enabled !== false,
  };
}

/** Parses "name=value" lines; a line without "=" is returned as an error naming the line. */
export function parseLabels(text: string): { labels: Record<string, string>; error?: string } {
  const labels: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    const eq = line.indexOf('=');
    if (eq <= 0) return { labels, error: `line ${i + 1} "${line}" is not name=value` };
    labels[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return { labels };
}

/** The JSON body for POST/PUT. Threshold stays a string when it is not a number, so the server names the field. */
export function ruleFromForm(f: RuleForm): Record<string, unknown> {
  const presence = f.metric === 'nodeDown' || f.metric === 'finding';
  const annotations: Record<string, string> = { ...f.otherAnnotations };
  if (f.summary.trim()) annotations.summary = f.summary.trim();
  if (f.description.trim()) annotations.description = f.description.trim();
  if (f.runbookUrl.trim()) annotations.runbook_url = f.runbookUrl.trim();
  const body: Record<string, unknown> = {
    name: f.name,
    scope: f.scope,
    metric: f.metric,
    window: f.window,
    for: f.for,
    labels: parseLabels(f.labels).labels,
    annotations,
    targets: f.targets.map((t) => (t.type === 'webhook' ? { type: 'webhook', url: t.url, secret: t.secret, format: t.format } : { type: 'alertmanager', url: t.url })),
    enabled: f.enabled,
  };
  if (f.service.trim()) body.service = f.service.trim();
  if (f.metric === 'finding') body.finding = f.finding;
  if (f.metric === 'finding' && f.rootCausesOnly) body.consequences = false;
  if (!presence || f.threshold.trim() !== '') {
    body.op = f.op;
    const n = Number(f.threshold);
    body.threshold = f.threshold.trim() !== '' && Number.isFinite(n) ? n : f.threshold.trim() === '' ? undefined : f.threshold;
  }
  return body;
}
