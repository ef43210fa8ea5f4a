// The Prometheus Alertmanager webhook body (version 4), so any receiver written for Alertmanager works with perf.
// https://prometheus.io/docs/alerting/latest/configuration/#webhook_config
import type { Alert, Notification } from '../../types.js';

export interface AlertmanagerWebhookAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  /** "0001-01-01T00:00:00Z" while firing, as Alertmanager sends it. */
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

export interface AlertmanagerWebhookBody {
  version: '4';
  groupKey: string;
  truncatedAlerts: number;
  status: 'firing' | 'resolved';
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: AlertmanagerWebhookAlert[];
}

/** Alertmanager's zero time, its `endsAt` for alerts that have not ended. */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

/** Link back to the rule's alerts in the perf UI. */
export function generatorURL(externalURL: string, ruleId: string): string {
  return `${externalURL.replace(/\/+$/, '')}/alerts?rule=${encodeURIComponent(ruleId)}`;
}

/** Labels (or annotations) every alert of the group shares with the same value. */
export function common(maps: Record<string, string>[]): Record<string, string> {
  if (maps.length === 0) return {};
  const out: Record<string, string> = { ...maps[0] };
  for (let i = 1; i < maps.length; i++) {
    for (const k in out) if (maps[i][k] !== out[k]) delete out[k];
  }
  return out;
}

function quote(v: string): string {
  return JSON.stringify(v);
}

export function toWebhookAlert(a: Alert, status: 'firing' | 'resolved', externalURL: string): AlertmanagerWebhookAlert {
  return {
    status,
    labels: a.labels,
    annotations: a.annotations,
    startsAt: new Date(a.activeAt).toISOString(),
    endsAt: status === 'resolved' && a.resolvedAt !== undefined ? new Date(a.resolvedAt).toISOString() : ZERO_TIME,
    generatorURL: generatorURL(externalURL, a.ruleId),
    fingerprint: a.fingerprint,
  };
}

/**
 * Most alerts one webhook body carries; the rest are counted in `truncatedAlerts`, as Alertmanager's `max_alerts` does.
 * A route-scoped rule over a flood of routes (each route below an rps floor fires) made one body of every route.
 */
export const MAX_WEBHOOK_ALERTS = 1000;

/** Builds the webhook body for one notification (one rule's alerts that changed together). */
export function alertmanagerWebhookBody(n: Notification, externalURL: string): AlertmanagerWebhookBody {
  const groupLabels = { alertname: n.rule.name };
  const alerts = n.alerts.length > MAX_WEBHOOK_ALERTS ? n.alerts.slice(0, MAX_WEBHOOK_ALERTS) : n.alerts;
  return {
    version: '4',
    groupKey: `{}/{perf_rule=${quote(n.rule.id)}}:{alertname=${quote(n.rule.name)}}`,
    truncatedAlerts: n.alerts.length - alerts.length,
    status: n.status,
    receiver: 'perf',
    groupLabels,
    commonLabels: common(alerts.map((a) => a.labels)),
    commonAnnotations: common(alerts.map((a) => a.annotations)),
    externalURL,
    alerts: alerts.map((a) => toWebhookAlert(a, n.status, externalURL)),
  };
}
