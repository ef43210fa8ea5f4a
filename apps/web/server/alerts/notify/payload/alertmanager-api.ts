// The body Prometheus posts to Alertmanager's `POST /api/v2/alerts`: firing alerts carry an `endsAt` a few
// resend periods ahead and are re-sent while they fire (Alertmanager resolves them by itself if perf goes
// quiet); resolved alerts carry their real end.
import { generatorURL } from './alertmanager-webhook.js';
import type { Alert } from '../../types.js';

export interface PostableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
}

/** How often Prometheus re-sends firing alerts (its --rules.alert.resend-delay default). */
export const RESEND_DELAY_MS = 60_000;

export function alertmanagerApiBody(alerts: Alert[], status: 'firing' | 'resolved', externalURL: string, nowMs: number, resendDelayMs = RESEND_DELAY_MS): PostableAlert[] {
  return alerts.map((a) => ({
    labels: a.labels,
    annotations: a.annotations,
    startsAt: new Date(a.activeAt).toISOString(),
    // Prometheus: ValidUntil = now + 4 × max(resend delay, evaluation interval)
    endsAt: new Date(status === 'resolved' ? (a.resolvedAt ?? nowMs) : nowMs + 4 * resendDelayMs).toISOString(),
    generatorURL: generatorURL(externalURL, a.ruleId),
  }));
}
