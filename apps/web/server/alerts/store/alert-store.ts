// SQLite access for rules, alert instances and the delivery queue. Statements are prepared once.
import type Database from 'better-sqlite3';
import { migrate } from './schema.js';
import { parseDuration } from '../duration.js';
import type { AttemptRecord } from '../notify/deliver.js';
import type { Alert, Rule, RuleSource, RuleSpec } from '../types.js';

/** Identity of one alert instance (one firing episode of one rule and label set). */
export function alertId(a: Pick<Alert, 'ruleId' | 'fingerprint' | 'activeAt'>): string {
  return `${a.ruleId}:${a.fingerprint}:${a.activeAt}`;
}

export interface NewDelivery {
  id: string;
  ruleId: string;
  ruleName: string;
  status: 'firing' | 'resolved';
  repeat: boolean;
  targetType: 'webhook' | 'alertmanager';
  targetFormat?: string;
  url: string;
  secret?: string;
  orderKey: string;
  body: string;
  alertIds: string[];
  createdAt: number;
}

export interface DeliveryRow {
  seq: number;
  id: string;
  ruleId: string;
  ruleName: string;
  status: 'firing' | 'resolved';
  repeat: boolean;
  targetType: 'webhook' | 'alertmanager';
  targetFormat: string | null;
  url: string;
  secret: string | null;
  orderKey: string;
  body: string;
  state: 'pending' | 'delivered' | 'failed';
  attempts: number;
  nextAttemptAt: number;
  createdAt: number;
  updatedAt: number;
  lastStatus: number | null;
  lastError: string | null;
}

export interface AttemptRow {
  attempt: number;
  at: number;
  durationMs: number;
  status: number | null;
  outcome: string;
  error: string | null;
}

export interface StoredAlert extends Alert {
  id: string;
  ruleName: string;
}

function ruleFromRow(r: { id: string; source: string; spec: string; created_at: string; updated_at: string }): Rule {
  const spec = JSON.parse(r.spec) as RuleSpec;
  return {
    ...spec,
    id: r.id,
    source: r.source as RuleSource,
    windowMs: parseDuration(spec.window) ?? 30_000,
    forMs: parseDuration(spec.for) ?? 0,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function deliveryFromRow(r: any): DeliveryRow {
  return {
    seq: r.seq,
    id: r.id,
    ruleId: r.rule_id,
    ruleName: r.rule_name,
    status: r.status,
    repeat: r.repeat === 1,
    targetType: r.target_type,
    targetFormat: r.target_format,
    url: r.url,
    secret: r.secret,
    orderKey: r.order_key,
    body: r.body,
    state: r.state,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    lastStatus: r.last_status,
    lastError: r.last_error,
  };
}

function alertFromRow(r: any): StoredAlert {
  return {
    id: r.id,
    ruleId: r.rule_id,
    ruleName: r.rule_name,
    fingerprint: r.fingerprint,
    scopeKey: r.scope_key,
    labels: JSON.parse(r.labels),
    annotations: JSON.parse(r.annotations),
    state: r.state,
    activeAt: r.active_at,
    ...(r.fired_at !== null ? { firedAt: r.fired_at } : {}),
    ...(r.resolved_at !== null ? { resolvedAt: r.resolved_at } : {}),
    value: r.value ?? NaN,
    lastTrueAt: r.last_true_at,
    ...(r.last_notified_at !== null ? { lastNotifiedAt: r.last_notified_at } : {}),
  };
}

export class AlertStore {
  readonly db: Database.Database;
  private readonly s;

  constructor(db: Database.Database) {
    this.db = db;
    migrate(db);
    this.s = {
      rules: db.prepare('SELECT * FROM alert_rules ORDER BY created_at, rowid'),
      rule: db.prepare('SELECT * FROM alert_rules WHERE id = ?'),
      insertRule: db.prepare('INSERT INTO alert_rules (id, source, spec, created_at, updated_at) VALUES (@id, @source, @spec, @created_at, @updated_at)'),
      updateRule: db.prepare('UPDATE alert_rules SET spec = @spec, updated_at = @updated_at WHERE id = @id'),
      deleteRule: db.prepare('DELETE FROM alert_rules WHERE id = ?'),
      fileRules: db.prepare("SELECT id FROM alert_rules WHERE source = 'file'"),
      upsertAlert: db.prepare(`INSERT INTO alert_instances (id, rule_id, rule_name, fingerprint, scope_key, labels, annotations, state, active_at, fired_at, resolved_at, value, last_true_at, last_notified_at)
        VALUES (@id, @rule_id, @rule_name, @fingerprint, @scope_key, @labels, @annotations, @state, @active_at, @fired_at, @resolved_at, @value, @last_true_at, @last_notified_at)
        ON CONFLICT(id) DO UPDATE SET annotations = excluded.annotations, state = excluded.state, fired_at = excluded.fired_at, resolved_at = excluded.resolved_at,
          value = excluded.value, last_true_at = excluded.last_true_at, last_notified_at = excluded.last_notified_at`),
      firing: db.prepare("SELECT * FROM alert_instances WHERE state = 'firing'"),
      recentAlerts: db.prepare('SELECT * FROM alert_instances ORDER BY COALESCE(resolved_at, 9e15) DESC, active_at DESC LIMIT ?'),
      insertDelivery: db.prepare(`INSERT INTO alert_deliveries (id, rule_id, rule_name, status, repeat, target_type, target_format, url, secret, order_key, body, state, attempts, next_attempt_at, created_at, updated_at)
        VALUES (@id, @rule_id, @rule_name, @status, @repeat, @target_type, @target_format, @url, @secret, @order_key, @body, 'pending', 0, @created_at, @created_at, @created_at)`),
      linkDelivery: db.prepare('INSERT OR IGNORE INTO alert_delivery_alerts (delivery_id, alert_id) VALUES (?, ?)'),
      pending: db.prepare("SELECT * FROM alert_deliveries WHERE state = 'pending' ORDER BY seq"),
      pendingCount: db.prepare("SELECT COUNT(*) AS n FROM alert_deliveries WHERE state = 'pending'"),
      recordAttempt: db.prepare('INSERT OR REPLACE INTO alert_delivery_attempts (delivery_id, attempt, at, duration_ms, status, outcome, error) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      updateDelivery: db.prepare('UPDATE alert_deliveries SET state = @state, attempts = @attempts, next_attempt_at = @next, updated_at = @now, last_status = @status, last_error = @error WHERE id = @id'),
      deliveriesOfAlert: db.prepare(`SELECT d.* FROM alert_deliveries d JOIN alert_delivery_alerts l ON l.delivery_id = d.id WHERE l.alert_id = ? ORDER BY d.seq`),
      // one notification is a delivery per target, all made at the same moment
      repeatsOfAlert: db.prepare(`SELECT COUNT(DISTINCT d.created_at) AS n FROM alert_deliveries d JOIN alert_delivery_alerts l ON l.delivery_id = d.id
        WHERE l.alert_id = ? AND d.repeat = 1 AND d.target_type = 'webhook'`),
      attempts: db.prepare('SELECT attempt, at, duration_ms AS durationMs, status, outcome, error FROM alert_delivery_attempts WHERE delivery_id = ? ORDER BY at, attempt'),
      delivery: db.prepare('SELECT * FROM alert_deliveries WHERE id = ?'),
      pruneDeliveries: db.prepare("DELETE FROM alert_deliveries WHERE state != 'pending' AND updated_at < ?"),
      pruneAttempts: db.prepare('DELETE FROM alert_delivery_attempts WHERE delivery_id NOT IN (SELECT id FROM alert_deliveries)'),
      pruneLinks: db.prepare('DELETE FROM alert_delivery_alerts WHERE delivery_id NOT IN (SELECT id FROM alert_deliveries)'),
      pruneAlerts: db.prepare("DELETE FROM alert_instances WHERE state = 'resolved' AND resolved_at < ?"),
    };
  }

  // ---- rules

  listRules(): Rule[] {
    return (this.s.rules.all() as any[]).map(ruleFromRow);
  }

  getRule(id: string): Rule | undefined {
    const r = this.s.rule.get(id) as any;
    return r ? ruleFromRow(r) : undefined;
  }

  insertRule(id: string, source: RuleSource, spec: RuleSpec, now = new Date().toISOString()): Rule {
    this.s.insertRule.run({ id, source, spec: JSON.stringify(spec), created_at: now, updated_at: now });
    return this.getRule(id)!;
  }

  updateRule(id: string, spec: RuleSpec, now = new Date().toISOString()): Rule | undefined {
    const r = this.s.updateRule.run({ id, spec: JSON.stringify(spec), updated_at: now });
    return r.changes ? this.getRule(id) : undefined;
  }

  deleteRule(id: string): boolean {
    return this.s.deleteRule.run(id).changes > 0;
  }

  /** Makes the file-sourced rules exactly `rules` (by id): new ones inserted, changed ones updated, missing ones deleted. */
  replaceFileRules(rules: { id: string; spec: RuleSpec }[]): void {
    const tx = this.db.transaction(() => {
      const keep = new Set(rules.map((r) => r.id));
      for (const { id } of this.s.fileRules.all() as { id: string }[]) if (!keep.has(id)) this.s.deleteRule.run(id);
      const now = new Date().toISOString();
      for (const r of rules) {
        const existing = this.s.rule.get(r.id) as any;
        if (!existing) this.s.insertRule.run({ id: r.id, source: 'file', spec: JSON.stringify(r.spec), created_at: now, updated_at: now });
        else if (existing.spec !== JSON.stringify(r.spec)) this.s.updateRule.run({ id: r.id, spec: JSON.stringify(r.spec), updated_at: now });
      }
    });
    tx();
  }

  // ---- alerts

  saveAlert(a: Alert, ruleName: string): void {
    this.s.upsertAlert.run({
      id: alertId(a),
      rule_id: a.ruleId,
      rule_name: ruleName,
      fingerprint: a.fingerprint,
      scope_key: a.scopeKey,
      labels: JSON.stringify(a.labels),
      annotations: JSON.stringify(a.annotations),
      state: a.state,
      active_at: a.activeAt,
      fired_at: a.firedAt ?? null,
      resolved_at: a.resolvedAt ?? null,
      value: Number.isFinite(a.value) ? a.value : null,
      last_true_at: a.lastTrueAt,
      last_notified_at: a.lastNotifiedAt ?? null,
    });
  }

  firingAlerts(): StoredAlert[] {
    return (this.s.firing.all() as any[]).map(alertFromRow);
  }

  recentAlerts(limit: number): StoredAlert[] {
    return (this.s.recentAlerts.all(limit) as any[]).map(alertFromRow);
  }

  // ---- deliveries

  insertDelivery(d: NewDelivery): void {
    this.s.insertDelivery.run({
      id: d.id,
      rule_id: d.ruleId,
      rule_name: d.ruleName,
      status: d.status,
      repeat: d.repeat ? 1 : 0,
      target_type: d.targetType,
      target_format: d.targetFormat ?? null,
      url: d.url,
      secret: d.secret ?? null,
      order_key: d.orderKey,
      body: d.body,
      created_at: d.createdAt,
    });
    for (const a of d.alertIds) this.s.linkDelivery.run(d.id, a);
  }

  /** Runs `fn` in one transaction (alert transitions and their deliveries are written together). */
  transaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  pendingDeliveries(): DeliveryRow[] {
    return (this.s.pending.all() as any[]).map(deliveryFromRow);
  }

  pendingCount(): number {
    return (this.s.pendingCount.get() as { n: number }).n;
  }

  getDelivery(id: string): DeliveryRow | undefined {
    const r = this.s.delivery.get(id);
    return r ? deliveryFromRow(r) : undefined;
  }

  recordAttempt(id: string, a: AttemptRecord): void {
    const state = a.outcome === 'delivered' ? 'delivered' : a.outcome === 'failed' ? 'failed' : 'pending';
    this.transaction(() => {
      this.s.recordAttempt.run(id, a.attempt, a.at, a.durationMs, a.status ?? null, a.outcome, a.error ?? null);
      this.s.updateDelivery.run({
        id,
        state,
        attempts: a.attempt,
        next: a.nextAttemptAt ?? a.at + a.durationMs,
        now: a.at + a.durationMs,
        status: a.status ?? null,
        error: a.error ?? null,
      });
    });
  }

  /** How many times a firing alert was announced again (its repeats, webhook targets; Alertmanager's re-sends are not). */
  repeatsOfAlert(alertKey: string): number {
    return (this.s.repeatsOfAlert.get(alertKey) as { n: number }).n;
  }

  deliveriesOfAlert(alertKey: string): DeliveryRow[] {
    return (this.s.deliveriesOfAlert.all(alertKey) as any[]).map(deliveryFromRow);
  }

  attempts(deliveryId: string): AttemptRow[] {
    return this.s.attempts.all(deliveryId) as AttemptRow[];
  }

  /** Drops finished deliveries and resolved alerts older than `beforeMs`. */
  prune(beforeMs: number): void {
    this.transaction(() => {
      this.s.pruneDeliveries.run(beforeMs);
      this.s.pruneAttempts.run();
      this.s.pruneLinks.run();
      this.s.pruneAlerts.run(beforeMs);
    });
  }
}
