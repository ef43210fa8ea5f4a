'use client';
// Alerts (active or past) with what was sent for each and how each delivery went, attempt by attempt.
import type { AlertView, DeliveryView } from '../../server/alerts/engine/engine.js';
import { formatAgo } from '../../lib/format.js';
import { formatClock } from '../../lib/format-time.js';
import css from './alerts.module.css';

function target(d: DeliveryView): string {
  try {
    const u = new URL(d.target.url);
    return `${d.target.type === 'alertmanager' ? 'Alertmanager' : d.target.format === 'slack' ? 'Slack' : 'webhook'} ${u.host}`;
  } catch {
    return d.target.url;
  }
}

function Delivery({ d, now }: { d: DeliveryView; now: number }) {
  const last = d.history[d.history.length - 1];
  return (
    <li data-testid="delivery" data-state={d.state}>
      <span className={d.state === 'delivered' ? css.delivered : d.state === 'failed' ? css.failed : undefined}>{d.state}</span> {d.status}
      {d.repeat ? ' (re-sent)' : ''} → {target(d)} · {d.attempts} attempt{d.attempts === 1 ? '' : 's'}
      {last ? ` · last ${formatAgo(now - last.at)}${last.status ? ` HTTP ${last.status}` : ''}` : ''}
      {d.state === 'pending' && d.nextAttemptAt ? ` · next try ${formatClock(d.nextAttemptAt)}` : ''}
      {d.lastError && d.state !== 'delivered' ? <div className={css.failed}>{d.lastError}</div> : null}
    </li>
  );
}

export function AlertsTable({ alerts, now, empty, testId }: { alerts: AlertView[]; now: number; empty: string; testId: string }) {
  if (alerts.length === 0) return <p className="muted" data-testid={`${testId}-empty`}>{empty}</p>;
  return (
    <div className="table-wrap">
      <table className={css.table} data-testid={testId}>
        <thead>
          <tr>
            <th>State</th>
            <th>Alert</th>
            <th>Labels</th>
            <th>Since</th>
            <th>Deliveries</th>
          </tr>
        </thead>
        <tbody>
          {alerts.map((a) => (
            <tr key={a.id} data-testid="alert-row" data-rule={a.ruleName} data-state={a.state}>
              <td>
                <span className={`${css.state} ${css[a.state]}`}>{a.state}</span>
              </td>
              <td className={css.wrap}>
                <strong>{a.ruleName}</strong>
                <div>{a.annotations.summary}</div>
                {a.annotations.runbook_url ? (
                  <a href={a.annotations.runbook_url} target="_blank" rel="noreferrer">
                    runbook
                  </a>
                ) : null}
              </td>
              <td className={css.wrap}>
                <div className={css.labels}>
                  {Object.entries(a.labels)
                    .filter(([k]) => k !== 'alertname')
                    .map(([k, v]) => (
                      <span key={k} className={css.label}>
                        {k}={v}
                      </span>
                    ))}
                </div>
                <div className="muted mono" style={{ fontSize: 11 }} title="fingerprint">
                  {a.fingerprint}
                </div>
              </td>
              <td className="num">
                {formatClock(a.startsAt)}
                <div className="muted">{a.endsAt ? `ended ${formatAgo(now - a.endsAt)}` : formatAgo(now - a.startsAt)}</div>
              </td>
              <td className={css.wrap} data-testid="alert-deliveries">
                {a.deliveries.length === 0 ? (
                  <span className="muted">{a.state === 'pending' ? 'none until it fires' : 'no targets'}</span>
                ) : (
                  <ul className={css.history}>
                    {a.deliveries.map((d) => (
                      <Delivery key={d.id} d={d} now={now} />
                    ))}
                  </ul>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
