'use client';
// Create or edit one rule. The server validates; its 400 names the field, which is outlined and explained.
import { useState } from 'react';
import type { FormEvent } from 'react';
import type { RuleView } from '../../server/alerts/engine/engine.js';
import { EMPTY_FORM, METRIC_OPTIONS, SCOPES, formFromRule, parseLabels, ruleFromForm, thresholdHint } from './form-state.js';
import type { RuleForm, TargetForm } from './form-state.js';
import { RuleSaveError, saveRule } from './mutate.js';
import css from './alerts.module.css';

interface Props {
  rule: RuleView | null;
  onSaved: (rule: RuleView) => void;
  onCancel: () => void;
}

export function RuleEditor({ rule, onSaved, onCancel }: Props) {
  const [form, setForm] = useState<RuleForm>(() => (rule ? formFromRule(rule) : EMPTY_FORM));
  const [error, setError] = useState<{ message: string; field?: string } | null>(null);
  const [saving, setSaving] = useState(false);
  const set = (patch: Partial<RuleForm>) => setForm((f) => ({ ...f, ...patch }));
  const setTarget = (i: number, patch: Partial<TargetForm>) => set({ targets: form.targets.map((t, j) => (j === i ? { ...t, ...patch } : t)) });
  const bad = (field: string) => (error?.field === field || error?.field?.startsWith(`${field}.`) ? css.invalid : undefined);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const labels = parseLabels(form.labels);
    if (labels.error) {
      setError({ message: `labels: ${labels.error}`, field: 'labels' });
      return;
    }
    setSaving(true);
    setError(null);
    try {
      onSaved((await saveRule(rule?.id ?? null, ruleFromForm(form))) as RuleView);
    } catch (err) {
      setError(err instanceof RuleSaveError ? { message: err.message, field: err.field } : { message: String(err) });
    } finally {
      setSaving(false);
    }
  }

  const presence = form.metric === 'nodeDown' || form.metric === 'finding';
  return (
    <form className={`panel ${css.section}`} onSubmit={submit} data-testid="rule-editor" noValidate>
      <h2>{rule ? `Edit rule “${rule.name}”` : 'New alert rule'}</h2>
      {error ? (
        <p className={css.error} role="alert" data-testid="rule-error" data-field={error.field ?? ''}>
          {error.message}
        </p>
      ) : null}
      <div className={css.form}>
        <label>
          Name
          <input name="name" value={form.name} onChange={(e) => set({ name: e.target.value })} className={bad('name')} required />
        </label>
        <label>
          Service (optional)
          <input name="service" value={form.service} onChange={(e) => set({ service: e.target.value })} placeholder="every service" className={bad('service')} />
        </label>
        <label>
          Scope
          <select name="scope" value={form.scope} onChange={(e) => set({ scope: e.target.value })} className={bad('scope')}>
            {SCOPES.map((s) => (
              <option key={s} value={s}>
                {s === 'fleet' ? 'the fleet' : s === 'node' ? 'any node' : 'any route'}
              </option>
            ))}
          </select>
        </label>
        <label>
          Metric
          <select name="metric" value={form.metric} onChange={(e) => set({ metric: e.target.value })} className={bad('metric')}>
            {METRIC_OPTIONS.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </label>
        {form.metric === 'finding' ? (
          <label>
            Finding kind
            <input name="finding" value={form.finding} onChange={(e) => set({ finding: e.target.value })} placeholder="event-loop-blocked" className={bad('finding')} />
            <span className={css.hint}>a kind, or any</span>
          </label>
        ) : null}
        {form.metric === 'finding' ? (
          <label>
            <span>
              <input type="checkbox" name="rootCausesOnly" checked={form.rootCausesOnly} onChange={(e) => set({ rootCausesOnly: e.target.checked })} className={bad('consequences')} /> Root causes only
            </span>
            <span className={css.hint}>not findings another live finding likely causes</span>
          </label>
        ) : null}
        <label>
          Condition
          <select name="op" value={form.op} onChange={(e) => set({ op: e.target.value })} className={bad('op')}>
            <option value=">">above (&gt;)</option>
            <option value="<">below (&lt;)</option>
          </select>
        </label>
        <label>
          Threshold{presence ? ' (optional)' : ''}
          <input name="threshold" inputMode="decimal" value={form.threshold} onChange={(e) => set({ threshold: e.target.value })} className={bad('threshold')} />
          <span className={css.hint}>{thresholdHint(form.metric)}</span>
        </label>
        <label>
          Window
          <input name="window" value={form.window} onChange={(e) => set({ window: e.target.value })} className={bad('window')} />
          <span className={css.hint}>the metric over this much recent time</span>
        </label>
        <label>
          For
          <input name="for" value={form.for} onChange={(e) => set({ for: e.target.value })} className={bad('for')} />
          <span className={css.hint}>pending this long before it fires</span>
        </label>
        <label>
          Labels
          <textarea name="labels" value={form.labels} onChange={(e) => set({ labels: e.target.value })} className={bad('labels')} placeholder="severity=page" />
        </label>
        <label className={css.wide}>
          Summary
          <input name="summary" value={form.summary} onChange={(e) => set({ summary: e.target.value })} placeholder="{{ $labels.instance }} event loop {{ $value }}" className={bad('annotations.summary')} />
        </label>
        <label className={css.wide}>
          Description
          <input name="description" value={form.description} onChange={(e) => set({ description: e.target.value })} className={bad('annotations.description')} />
        </label>
        <label className={css.wide}>
          Runbook URL
          <input name="runbookUrl" value={form.runbookUrl} onChange={(e) => set({ runbookUrl: e.target.value })} className={bad('annotations.runbook_url')} />
        </label>
        <div className={css.wide}>
          <div className={css.hint} style={{ marginBottom: 4 }}>
            Targets
          </div>
          {form.targets.map((t, i) => (
            <div className={css.target} key={i} data-testid="target-row">
              <select aria-label="target type" value={t.type} onChange={(e) => setTarget(i, { type: e.target.value as TargetForm['type'] })} className={bad(`targets[${i}].type`)}>
                <option value="webhook">webhook</option>
                <option value="alertmanager">Alertmanager</option>
              </select>
              <input aria-label="target URL" placeholder={t.type === 'alertmanager' ? 'http://alertmanager:9093' : 'https://hooks.example.com/perf'} value={t.url} onChange={(e) => setTarget(i, { url: e.target.value })} className={bad(`targets[${i}].url`)} />
              {t.type === 'webhook' ? (
                <input aria-label="target secret" placeholder="signing secret" type="password" autoComplete="off" value={t.secret} onChange={(e) => setTarget(i, { secret: e.target.value })} className={bad(`targets[${i}].secret`)} />
              ) : (
                <span />
              )}
              {t.type === 'webhook' ? (
                <select aria-label="target format" value={t.format} onChange={(e) => setTarget(i, { format: e.target.value as TargetForm['format'] })} className={bad(`targets[${i}].format`)}>
                  <option value="alertmanager">Alertmanager JSON</option>
                  <option value="slack">Slack</option>
                </select>
              ) : (
                <span />
              )}
              <button type="button" onClick={() => set({ targets: form.targets.filter((_, j) => j !== i) })} aria-label={`remove target ${i + 1}`}>
                Remove
              </button>
            </div>
          ))}
          <button type="button" onClick={() => set({ targets: [...form.targets, { type: 'webhook', url: '', secret: '', format: 'alertmanager' }] })}>
            Add target
          </button>
        </div>
        <label>
          <span>
            <input type="checkbox" name="enabled" checked={form.enabled} onChange={(e) => set({ enabled: e.target.checked })} /> enabled
          </span>
        </label>
      </div>
      <div className={css.actions} style={{ marginTop: 12 }}>
        <button type="submit" className="primary" disabled={saving}>
          {saving ? 'Saving…' : rule ? 'Save' : 'Create rule'}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
