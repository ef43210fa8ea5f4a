'use client';
// The alerts page: rules (create, edit, delete), active alerts and past alerts with their delivery history.
import { useEffect, useMemo, useState } from 'react';
import type { AlertsView, RuleView } from '../../server/alerts/engine/engine.js';
import { useApi, useNow } from '../../lib/hooks.js';
import { AlertsTable } from './alerts-table.js';
import { RuleEditor } from './rule-editor.js';
import { RulesTable, type RuleAlertCounts } from './rules-table.js';
import { deleteRule } from './mutate.js';
import css from './alerts.module.css';

/** How long a notice ("Saved …") stays up. */
const NOTICE_MS = 6000;

export function AlertsClient() {
  const now = useNow(2000);
  const [version, setVersion] = useState(0);
  const tick = now + version;
  const rulesQ = useApi<RuleView[]>('alerts/rules', {}, tick);
  const alertsQ = useApi<AlertsView>('alerts', { limit: 50 }, tick);
  const [editing, setEditing] = useState<RuleView | 'new' | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const rulesFileError = alertsQ.data?.rulesFile?.error;
  // the alert engine did not start (the server says why): nothing below is evaluated or delivered
  const alertsOff = [rulesQ.error, alertsQ.error].find((e) => (e as { code?: string } | null)?.code === 'PERF_ALERTS_OFF') ?? null;
  const active = useMemo(() => {
    const m = new Map<string, RuleAlertCounts>();
    for (const a of alertsQ.data?.active ?? []) {
      if (a.state !== 'firing' && a.state !== 'pending') continue;
      let c = m.get(a.ruleId);
      if (!c) m.set(a.ruleId, (c = { firing: 0, pending: 0 }));
      c[a.state]++;
    }
    return m;
  }, [alertsQ.data]);
  // "Saved …" and "Deleted …" are news for a moment, not a state: gone after a few seconds or at the next edit
  useEffect(() => {
    if (notice === null) return;
    const t = setTimeout(() => setNotice(null), NOTICE_MS);
    return () => clearTimeout(t);
  }, [notice]);
  const edit = (what: RuleView | 'new') => {
    setNotice(null);
    setEditing(what);
  };

  async function remove(r: RuleView) {
    if (!window.confirm(`Delete rule “${r.name}”? Its firing alerts are sent as resolved.`)) return;
    try {
      await deleteRule(r.id);
      setNotice(`Deleted “${r.name}”.`);
    } catch (e) {
      setNotice(`Could not delete “${r.name}”: ${(e as Error).message}`);
    }
    setVersion((v) => v + 1);
  }

  return (
    <div data-testid="alerts-page">
      <h1>Alerts</h1>
      {alertsOff ? (
        <p className="banner bad" role="alert" data-testid="alerts-off">
          {alertsOff.message.charAt(0).toUpperCase() + alertsOff.message.slice(1)}.
        </p>
      ) : null}
      {rulesFileError ? (
        <p className="banner bad" role="alert" data-testid="rules-file-error">
          The rules file is not loaded: {rulesFileError.message}.{' '}
          {alertsQ.data?.rulesFile?.rules ? `Its last valid version (${alertsQ.data.rulesFile.rules} rules) stays in effect` : 'None of its rules are in effect'} until it is fixed;
          it is read again when it changes.
        </p>
      ) : null}
      {(alertsQ.data?.capped ?? []).map((c) => (
        <p key={c.ruleId} className="banner warn" role="status" data-testid="alerts-capped">
          Rule “{c.ruleName}” holds as many alerts as one rule may (PERF_ALERTS_MAX_PER_RULE): {c.over.toLocaleString('en-US')} more{' '}
          {c.over === 1 ? 'subject is' : 'subjects are'} over its threshold and get an alert as others resolve. A rule that matches this many routes or
          nodes is usually missing a service, or watching a cardinality flood.
        </p>
      ))}
      {notice ? (
        <p className="banner info" role="status" data-testid="alerts-notice">
          {notice}
        </p>
      ) : null}
      <section className={css.section}>
        <div className="toolbar">
          <h2 style={{ margin: 0 }}>Rules</h2>
          {editing === null ? (
            <button type="button" className="primary" onClick={() => edit('new')} data-testid="new-rule">
              New rule
            </button>
          ) : null}
        </div>
        {editing !== null ? (
          <RuleEditor
            key={editing === 'new' ? 'new' : editing.id}
            rule={editing === 'new' ? null : editing}
            onCancel={() => setEditing(null)}
            onSaved={(r) => {
              setEditing(null);
              setNotice(`Saved “${r.name}”.`);
              setVersion((v) => v + 1);
            }}
          />
        ) : null}
        {rulesQ.error && !rulesQ.data && !alertsOff ? <p className="error-text">Could not load rules: {rulesQ.error.message}</p> : null}
        {rulesQ.data ? <RulesTable rules={rulesQ.data} active={active} onEdit={edit} onDelete={remove} /> : <p className="muted">Loading…</p>}
      </section>
      <section className={css.section}>
        <h2>Active</h2>
        {alertsQ.data ? <AlertsTable alerts={alertsQ.data.active} now={now} empty="Nothing is firing." testId="active-alerts" /> : <p className="muted">Loading…</p>}
      </section>
      <section className={css.section}>
        <h2>Past</h2>
        {alertsQ.data ? <AlertsTable alerts={alertsQ.data.past} now={now} empty="No resolved alerts yet." testId="past-alerts" /> : null}
      </section>
    </div>
  );
}
