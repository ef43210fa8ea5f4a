// Annotation templates in the Prometheus spirit: `{{ $value }}`, `{{ $threshold }}` and `{{ $labels.name }}`,
// and a default summary when the rule has none, so a notification always says what crossed what.
import type { MetricName, Rule } from '../types.js';

const TEMPLATE = /\{\{\s*\$(value|threshold|labels\.([a-zA-Z_][a-zA-Z0-9_]*))\s*\}\}/g;

/** Formats a value in the metric's unit for humans: "230 ms", "1.2%", "512 MiB", "45 req/s". */
export function formatValue(metric: MetricName, value: number): string {
  if (!Number.isFinite(value)) return 'no data';
  if (metric.startsWith('latency.') || metric.startsWith('eventLoopDelay.')) {
    return value >= 1 ? `${+value.toFixed(3)} s` : `${+(value * 1000).toPrecision(3)} ms`;
  }
  if (metric === 'errorRate' || metric === 'elu' || metric === 'cpu') return `${+(value * 100).toPrecision(3)}%`;
  if (metric === 'heapUsed') return `${+(value / 2 ** 20).toPrecision(4)} MiB`;
  if (metric === 'rps') return `${+value.toPrecision(4)} req/s`;
  return String(+value.toPrecision(4));
}

/** Expands the rule's annotations for one alert, adding `summary` when missing (and `description` from the source's detail). */
export function renderAnnotations(rule: Rule, labels: Record<string, string>, value: number, detail?: string): Record<string, string> {
  const out: Record<string, string> = {};
  const subst = (text: string) =>
    text.includes('{{')
      ? text.replace(TEMPLATE, (_m, what: string, label?: string) =>
          label !== undefined ? (Object.hasOwn(labels, label) ? labels[label] : '') : what === 'value' ? formatValue(rule.metric, value) : formatValue(rule.metric, rule.threshold),
        )
      : text;
  for (const k in rule.annotations) out[k] = subst(rule.annotations[k]);
  if (out.summary === undefined) out.summary = defaultSummary(rule, labels, value);
  if (out.description === undefined && detail) out.description = detail;
  return out;
}

function defaultSummary(rule: Rule, labels: Record<string, string>, value: number): string {
  const where =
    rule.scope === 'node' ? `node ${labels.instance ?? '?'}` : rule.scope === 'route' ? `route ${labels.method ? `${labels.method} ` : ''}${labels.route ?? '?'}` : 'fleet';
  const svc = rule.service ? ` (${rule.service})` : '';
  if (rule.metric === 'nodeDown') return rule.scope === 'node' ? `${where}${svc} stopped reporting` : `${+value} node(s)${svc} stopped reporting`;
  if (rule.metric === 'finding') return `finding ${rule.finding} on ${where}${svc}`;
  return `${where}${svc} ${rule.metric} ${formatValue(rule.metric, value)} ${rule.op} ${formatValue(rule.metric, rule.threshold)} over ${rule.window}`;
}
