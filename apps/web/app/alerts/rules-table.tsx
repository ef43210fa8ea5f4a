'use client';
// The rules, with what each watches and where it sends; file rules are read-only here.
import type { RuleView } from '../../server/alerts/engine/engine.js';
// the formatter the alerts' summaries use, so a rule's condition reads like its alerts ("128 ms > 1 ms")
import { formatValue } from '../../server/alerts/engine/template.js';
import css from './alerts.module.css';

/** A rule's active alerts by state. */
export interface RuleAlertCounts {
  firing: number;
  pending: number;
}

export function condition(r: RuleView): string {
  const who = r.scope === 'fleet' ? 'fleet' : r.scope === 'node' ? 'any node' : 'any route';
  const svc = r.service ? ` of ${r.service}` : '';
  if (r.metric === 'nodeDown') return `${who}${svc}: node silent > ${r.window}`;
  if (r.metric === 'finding') return `${who}${svc}: finding ${r.finding}`;
  return `${who}${svc}: ${r.metric} ${r.op} ${formatValue(r.metric, r.threshold)} over ${r.window}`;
}

export function RulesTable({ rules, active, onEdit, onDelete }: { rules: RuleView[]; active: Map<string, RuleAlertCounts>; onEdit: (r: RuleView) => void; onDelete: (r: RuleView) => void }) {
  if (rules.length === 0) return <p className="muted" data-testid="rules-empty">No rules yet. Create one, or load them from PERF_ALERT_RULES_FILE.</p>;
  return (
    <div className="table-wrap">
      <table className={css.table} data-testid="rules-table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Condition</th>
            <th>For</th>
            <th>Targets</th>
            <th>State</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {rules.map((r) => (
            <tr key={r.id} data-testid="rule-row" data-rule={r.name}>
              <td>
                <strong>{r.name}</strong>
                {r.source === 'file' ? <div className="muted">from rules file</div> : null}
              </td>
              <td className="mono">{condition(r)}</td>
              <td>{r.for}</td>
              <td>{r.targets.length === 0 ? <span className="muted">UI only</span> : r.targets.map((t) => (t.type === 'alertmanager' ? 'Alertmanager' : t.format === 'slack' ? 'Slack' : 'webhook')).join(', ')}</td>
              <td>
                {r.enabled === false ? (
                  <span className="muted">disabled</span>
                ) : active.get(r.id)?.firing ? (
                  <span className={`${css.state} ${css.firing}`} data-testid="rule-state">
                    {active.get(r.id)?.firing} firing{active.get(r.id)?.pending ? `, ${active.get(r.id)?.pending} pending` : ''}
                  </span>
                ) : active.get(r.id)?.pending ? (
                  <span className={`${css.state} ${css.pending}`} data-testid="rule-state">
                    {active.get(r.id)?.pending} pending
                  </span>
                ) : (
                  <span className="muted" data-testid="rule-state">
                    ok
                  </span>
                )}
              </td>
              <td>
                {r.source === 'api' ? (
                  <span className={css.actions}>
                    <button type="button" onClick={() => onEdit(r)} aria-label={`edit ${r.name}`}>
                      Edit
                    </button>
                    <button type="button" onClick={() => onDelete(r)} aria-label={`delete ${r.name}`}>
                      Delete
                    </button>
                  </span>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
