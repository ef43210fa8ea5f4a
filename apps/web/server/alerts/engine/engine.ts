// The alert engine in the dashboard process: holds the rules (API and file), evaluates them every second over a
// MetricSource, writes transitions and their deliveries to SQLite in one transaction, and runs the delivery
// queue. Also re-sends firing alerts to Alertmanager targets as Prometheus does.
import { randomBytes, randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { AlertError } from '../errors.js';
import { parseDuration } from '../duration.js';
import { validateRule } from '../rules/validate.js';
import { loadRulesFile } from '../rules/file.js';
import { OpenedFile } from '../../store/sqlite-file.js';
import { AlertStore, alertId } from '../store/alert-store.js';
import { DeliveryQueue } from '../notify/queue.js';
import { alertmanagerWebhookBody } from '../notify/payload/alertmanager-webhook.js';
import { slackBody } from '../notify/payload/slack.js';
import { alertmanagerApiBody, RESEND_DELAY_MS } from '../notify/payload/alertmanager-api.js';
import { blockPrivateFromEnv } from '../notify/url-guard.js';
import { HIDDEN, hasHidden, redactUrl } from '../notify/redact-url.js';
import { Evaluator } from './evaluator.js';
import type { EvaluatorOptions } from './evaluator.js';
import type { QueueOptions } from '../notify/queue.js';
import type { DeliveryRow, StoredAlert } from '../store/alert-store.js';
import type { Alert, MetricSource, Notification, Rule, RuleSpec, Target } from '../types.js';
import type { RulesFileStatus } from '../../api/types.js';

/** Stands for a webhook secret in API answers; sending it back in a PUT keeps the stored secret. */
export const REDACTED = HIDDEN;

/** notifications held while the alerts file cannot be written, at most (the oldest go first) */
const MAX_UNRECORDED = 10_000;

export interface AlertEngineOptions {
  db: Database.Database;
  source: MetricSource;
  /**
   * Base URL of the UI for links in notifications (`externalURL`, `generatorURL`), or a function read at each
   * notification (the dashboard's port is known only once it listens). Default PERF_PUBLIC_URL, else
   * http://localhost:<PORT or 3000>.
   */
  externalURL?: string | (() => string);
  /** YAML or JSON rules file (PERF_ALERT_RULES_FILE). */
  rulesFile?: string;
  /** Refuse private and link-local targets (PERF_ALERTS_BLOCK_PRIVATE=true). */
  blockPrivate?: boolean;
  /** Evaluation period (ms). Default 1000; 0 when the host calls `tick()` itself (the dashboard's per-second tick). */
  intervalMs?: number;
  /** Re-send period of firing alerts to Alertmanager targets (ms). Default 60 s. */
  resendDelayMs?: number;
  evaluator?: EvaluatorOptions;
  /**
   * After a restart, firing alerts do not resolve for this long (ms) while the store's windows refill. Default: the
   * longest rule window, 10 s to 60 s, and at least the source's `restartGraceMs` and 5 s.
   */
  restoreGraceMs?: number;
  queue?: QueueOptions;
  /** Finished deliveries and resolved alerts are kept this long (ms). Default 7 days. */
  retentionMs?: number;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

export interface DeliveryView {
  id: string;
  status: 'firing' | 'resolved';
  repeat: boolean;
  target: { type: 'webhook' | 'alertmanager'; url: string; format?: string };
  state: 'pending' | 'delivered' | 'failed';
  attempts: number;
  nextAttemptAt: number | null;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
  history: { attempt: number; at: number; durationMs: number; status: number | null; outcome: string; error: string | null }[];
}

export interface AlertView {
  id: string;
  ruleId: string;
  ruleName: string;
  state: 'pending' | 'firing' | 'resolved';
  fingerprint: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Unix ms */
  startsAt: number;
  firedAt: number | null;
  endsAt: number | null;
  /** last value, in the rule metric's unit */
  value: number | null;
  deliveries: DeliveryView[];
}

export interface AlertsView {
  active: AlertView[];
  past: AlertView[];
  /** PERF_ALERT_RULES_FILE as last read (a file that does not load says why here); null when none is set */
  rulesFile: RulesFileStatus | null;
  /**
   * Rules at their cap of pending and firing alerts (PERF_ALERTS_MAX_PER_RULE) at the last evaluation, with how many
   * more of their subjects were over the threshold (they get an alert once others resolve); empty when none is
   */
  capped: { ruleId: string; ruleName: string; over: number }[];
}

export type RuleView = Omit<Rule, 'targets'> & { targets: Target[] };

/** ticks past the source's restart grace before a restored alert may resolve (a node reads down on the tick after) */
const RESTORE_MARGIN_MS = 5_000;

export class AlertEngine {
  readonly store: AlertStore;
  readonly queue: DeliveryQueue;
  readonly evaluator: Evaluator;
  private readonly options: AlertEngineOptions;
  private readonly externalURLOf: () => string;
  private readonly blockPrivate: boolean;
  private readonly resendDelayMs: number;
  private rules: Rule[] = [];
  private timer: NodeJS.Timeout | undefined;
  private lastPrune = 0;
  /** `${ruleId}|${targetIndex}` → last time the rule's firing alerts went to that Alertmanager. */
  private readonly amSent = new Map<string, number>();
  private lastTickMs = 0;
  private started = false;
  private fileTimer: NodeJS.Timeout | undefined;
  /** mtime and size of the rules file version last read */
  private fileStamp = '';
  /** PERF_ALERT_RULES_FILE, when set */
  private readonly rulesFile: string | undefined;
  private fileLoadedAt: number | null = null;
  private fileError: RulesFileStatus['error'] = null;
  /** the alerts file as opened (checked at each tick; never for one in memory) */
  private readonly dbFile: OpenedFile;

  constructor(options: AlertEngineOptions) {
    this.options = options;
    this.store = new AlertStore(options.db);
    this.dbFile = new OpenedFile(
      options.db.name,
      `the alerts file ${options.db.name} was deleted or replaced while the dashboard runs: rules made through the API, alert history and pending deliveries are kept only until the dashboard stops; stop it and restore the file from a backup, or accept the loss`,
    );
    const external = options.externalURL ?? defaultExternalURL();
    if (typeof external === 'function') this.externalURLOf = () => external().replace(/\/+$/, '');
    else {
      const fixed = external.replace(/\/+$/, '');
      this.externalURLOf = () => fixed;
    }
    this.blockPrivate = options.blockPrivate ?? blockPrivateFromEnv();
    this.resendDelayMs = options.resendDelayMs ?? RESEND_DELAY_MS;
    this.evaluator = new Evaluator(options.evaluator);
    this.queue = new DeliveryQueue(this.store, {
      blockPrivate: this.blockPrivate,
      ...options.queue,
      onDone: (row, result) => {
        if (result.outcome === 'failed') this.log('warn', `alert delivery ${row.id} (${row.ruleName} ${row.status} → ${redactUrl(row.url)}) failed: ${result.error}`);
        options.queue?.onDone?.(row, result);
      },
    });
    this.rulesFile = options.rulesFile ?? (process.env.PERF_ALERT_RULES_FILE || undefined);
    // the rules as they were when the alerts were recorded: the firing alerts are restored against those, and the
    // rules file read after, so an edit made while the dashboard was stopped is a change like one made while it runs
    // (a rule removed: its alerts resolved; its labels changed: resolved and fired anew). Restored against the edited
    // file, a removed rule's alerts vanished without a resolved and a changed rule's kept their old labels (outside
    // audit AB3)
    this.rules = this.store.listRules();
    // firing alerts survive a restart: same startsAt, not announced again
    const longestWindow = this.rules.reduce((m, r) => Math.max(m, r.windowMs), 0);
    // with the times each was announced again, so a restart does not renew MAX_REVISIONS
    const firing = this.store.firingAlerts().map((a) => ({ ...a, revisions: this.store.repeatsOfAlert(alertId(a)) }));
    // held while the store's windows refill, and until a node not heard from since the restart is judged (up with a
    // rate, or down): an audit's node rps floor, its node silent after the restart, sent resolved 10 s after it, then
    // a new firing once the node read down (36 s)
    const refill = Math.min(60_000, Math.max(10_000, longestWindow));
    const judged = options.source.restartGraceMs === undefined ? 0 : options.source.restartGraceMs + RESTORE_MARGIN_MS;
    this.evaluator.restore(firing, this.rules, Date.now(), options.restoreGraceMs ?? Math.max(refill, judged));
    if (this.rulesFile) this.loadFile(this.rulesFile, true);
  }

  /** Starts the per-second evaluation and the delivery queue. */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.queue.start();
    if (this.options.intervalMs !== 0) {
      this.timer = setInterval(() => this.tick(), this.options.intervalMs ?? 1000);
      this.timer.unref();
    }
    const file = this.rulesFile;
    if (file) {
      // polled against the stat of the version loaded (fs.watch misses editors' rename-over writes)
      this.fileTimer = setInterval(() => {
        if (fileStamp(file) !== this.fileStamp) this.loadFile(file, false);
      }, 2000);
      this.fileTimer.unref();
    }
  }

  async stop(): Promise<void> {
    this.started = false;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.fileTimer) clearInterval(this.fileTimer);
    this.fileTimer = undefined;
    await this.queue.stop();
  }

  /**
   * When the alerts file was found deleted or replaced while the dashboard runs (said once; in /api/v1/status): every
   * rule, alert and pending delivery since is gone at the next start (outside audit AB: only perf.db was watched)
   */
  get fileGone(): { message: string; since: number } | undefined {
    return this.dbFile.gone;
  }

  /** notifications the evaluator made that could not be recorded yet (see tick) */
  private unrecorded: Notification[] = [];

  /** One evaluation. Public for tests and benchmarks; returns the notifications it queued. */
  tick(nowMs = Date.now()): Notification[] {
    this.lastTickMs = nowMs;
    this.dbFile.check(nowMs, (message) => this.log('error', message));
    let notifications: Notification[];
    try {
      notifications = this.evaluator.evaluate(this.rules, this.options.source, nowMs);
    } catch (e) {
      this.log('error', `alert evaluation failed: ${(e as Error).stack ?? e}`);
      return [];
    }
    // notifications the alerts file could not take before (a full disk) go first: the evaluator has moved on, so
    // dropping them lost a firing (or resolved) for good (outside audit AB2: 50 nodeDown alerts firing, no delivery)
    const toRecord = this.unrecorded.length > 0 ? [...this.unrecorded, ...notifications] : notifications;
    let recorded = false;
    if (toRecord.length > 0) {
      try {
        this.store.transaction(() => {
          for (const n of toRecord) this.record(n, nowMs);
        });
        if (this.unrecorded.length > 0) this.log('info', `${this.unrecorded.length} alert notifications held while the alerts file could not be written are recorded and sent`);
        this.unrecorded = [];
        recorded = true;
      } catch (e) {
        if (this.unrecorded.length === 0) this.log('error', `alert notifications could not be recorded (${(e as Error).message}); they are held (up to ${MAX_UNRECORDED}) and recorded and sent once the alerts file can be written`);
        this.unrecorded = toRecord.slice(-MAX_UNRECORDED);
      }
    }
    this.resendToAlertmanager(nowMs);
    if (recorded) this.queue.pump();
    if (nowMs - this.lastPrune > 3_600_000) {
      this.lastPrune = nowMs;
      try {
        this.store.prune(nowMs - (this.options.retentionMs ?? 7 * 86_400_000));
      } catch (e) {
        this.log('error', `pruning old alerts and deliveries failed (${(e as Error).message}); tried again in an hour`);
      }
    }
    return notifications;
  }

  /** PERF_ALERT_RULES_FILE as last read: the version in effect and why the file on disk is not, if it is not. */
  rulesFileStatus(): RulesFileStatus | null {
    if (!this.rulesFile) return null;
    let rules = 0;
    for (const r of this.rules) if (r.source === 'file') rules++;
    return { path: this.rulesFile, rules, loadedAt: this.fileLoadedAt, error: this.fileError };
  }

  /** Alerts firing right now. */
  firingCount(): number {
    let n = 0;
    for (const a of this.evaluator.alerts()) if (a.state === 'firing') n++;
    return n;
  }

  // ---- rules

  listRules(): RuleView[] {
    return this.rules.map(redact);
  }

  getRule(id: string): RuleView {
    const r = this.rules.find((x) => x.id === id);
    if (!r) throw new AlertError('RULE_NOT_FOUND', `no alert rule with id "${id}"`, 'id', 404);
    return redact(r);
  }

  createRule(input: unknown): RuleView {
    const spec = validateRule(input, { blockPrivate: this.blockPrivate });
    refuseHiddenUrls(spec);
    spec.targets.forEach((t, i) => {
      // the placeholder must never become a secret: anyone could sign with it
      if (t.type === 'webhook' && t.secret === REDACTED) throw new AlertError('RULE_INVALID', `targets[${i}].secret is the placeholder ${REDACTED}: send the secret itself`, `targets[${i}].secret`);
    });
    this.assertNameFree(spec.name);
    const rule = this.store.insertRule(`rule-${randomBytes(6).toString('hex')}`, 'api', spec);
    this.rules = [...this.rules, rule];
    return redact(rule);
  }

  updateRule(id: string, input: unknown): RuleView {
    const old = this.rules.find((x) => x.id === id);
    if (!old) throw new AlertError('RULE_NOT_FOUND', `no alert rule with id "${id}"`, 'id', 404);
    if (old.source === 'file') throw readOnly(old);
    const spec = validateRule(keepSecrets(input, old), { blockPrivate: this.blockPrivate });
    refuseHiddenUrls(spec);
    this.assertNameFree(spec.name, id);
    const rule = this.store.updateRule(id, spec)!;
    this.rules = this.rules.map((r) => (r.id === id ? rule : r));
    return redact(rule);
  }

  /** Deletes a rule; its firing alerts are announced as resolved on the next tick. */
  deleteRule(id: string): void {
    const old = this.rules.find((x) => x.id === id);
    if (!old) throw new AlertError('RULE_NOT_FOUND', `no alert rule with id "${id}"`, 'id', 404);
    if (old.source === 'file') throw readOnly(old);
    this.store.deleteRule(id);
    this.rules = this.rules.filter((r) => r.id !== id);
  }

  // ---- alerts

  /** Active (pending and firing) and recent past alerts, each with its delivery history. */
  listAlerts(limit = 100): AlertsView {
    const names = new Map(this.rules.map((r) => [r.id, r.name]));
    const active = this.evaluator
      .alerts()
      .sort((a, b) => b.activeAt - a.activeAt)
      .map((a) => this.view(a, names.get(a.ruleId) ?? a.labels.alertname ?? a.ruleId));
    const past = this.store
      .recentAlerts(limit + active.length)
      .filter((a) => a.state === 'resolved')
      .slice(0, limit)
      .map((a) => this.view(a, a.ruleName));
    const capped = [...this.evaluator.capped()].map(([ruleId, over]) => ({ ruleId, ruleName: names.get(ruleId) ?? ruleId, over }));
    return { active, past, rulesFile: this.rulesFileStatus(), capped };
  }

  // ---- internals

  private view(a: Alert | StoredAlert, ruleName: string): AlertView {
    const id = alertId(a);
    return {
      id,
      ruleId: a.ruleId,
      ruleName,
      state: a.state,
      fingerprint: a.fingerprint,
      labels: a.labels,
      annotations: a.annotations,
      startsAt: a.activeAt,
      firedAt: a.firedAt ?? null,
      endsAt: a.resolvedAt ?? null,
      value: Number.isFinite(a.value) ? a.value : null,
      deliveries: a.state === 'pending' ? [] : this.store.deliveriesOfAlert(id).map((d) => this.deliveryView(d)),
    };
  }

  private deliveryView(d: DeliveryRow): DeliveryView {
    return {
      id: d.id,
      status: d.status,
      repeat: d.repeat,
      target: { type: d.targetType, url: redactUrl(d.url), ...(d.targetFormat ? { format: d.targetFormat } : {}) },
      state: d.state,
      attempts: d.attempts,
      nextAttemptAt: d.state === 'pending' ? d.nextAttemptAt : null,
      lastStatus: d.lastStatus,
      lastError: d.lastError,
      createdAt: d.createdAt,
      updatedAt: d.updatedAt,
      history: this.store.attempts(d.id),
    };
  }

  private record(n: Notification, now: number): void {
    for (const a of n.alerts) this.store.saveAlert(a, n.rule.name);
    const ids = n.alerts.map(alertId);
    n.rule.targets.forEach((t, i) => {
      if (t.type === 'alertmanager') {
        if (n.repeat) return; // Alertmanager targets have their own, faster re-send below
        this.amSent.set(`${n.rule.id}|${i}`, now);
      }
      this.store.insertDelivery({
        id: randomUUID(),
        ruleId: n.rule.id,
        ruleName: n.rule.name,
        status: n.status,
        repeat: n.repeat,
        targetType: t.type,
        ...(t.type === 'webhook' ? { targetFormat: t.format, secret: t.secret } : {}),
        url: t.type === 'alertmanager' ? alertmanagerUrl(t.url) : t.url,
        orderKey: `${n.rule.id}|${t.type}|${t.url}`,
        body: this.body(n, t, now),
        alertIds: ids,
        createdAt: now,
      });
    });
  }

  private body(n: Notification, t: Target, now: number): string {
    const externalURL = this.externalURLOf();
    if (t.type === 'alertmanager') return JSON.stringify(alertmanagerApiBody(n.alerts, n.status, externalURL, now, this.resendDelayMs));
    if (t.format === 'slack') return JSON.stringify(slackBody(n, externalURL));
    return JSON.stringify(alertmanagerWebhookBody(n, externalURL));
  }

  private resendToAlertmanager(now: number): void {
    let byRule: Map<string, Alert[]> | undefined;
    for (const rule of this.rules) {
      for (let i = 0; i < rule.targets.length; i++) {
        if (rule.targets[i].type !== 'alertmanager') continue;
        const key = `${rule.id}|${i}`;
        const last = this.amSent.get(key);
        if (last !== undefined && now - last < this.resendDelayMs) continue;
        if (!byRule) {
          byRule = new Map();
          for (const a of this.evaluator.alerts()) {
            if (a.state !== 'firing') continue;
            let l = byRule.get(a.ruleId);
            if (!l) byRule.set(a.ruleId, (l = []));
            l.push(a);
          }
        }
        const firing = byRule.get(rule.id);
        if (!firing) {
          this.amSent.delete(key);
          continue;
        }
        this.amSent.set(key, now);
        const n: Notification = { rule: { ...rule, targets: [rule.targets[i]] }, status: 'firing', alerts: firing, repeat: false };
        this.store.insertDelivery({
          id: randomUUID(),
          ruleId: rule.id,
          ruleName: rule.name,
          status: 'firing',
          repeat: true,
          targetType: 'alertmanager',
          url: alertmanagerUrl(rule.targets[i].url),
          orderKey: `${rule.id}|alertmanager|${rule.targets[i].url}`,
          body: this.body(n, rule.targets[i], now),
          alertIds: firing.map(alertId),
          createdAt: now,
        });
        this.queue.pump();
      }
    }
  }

  private assertNameFree(name: string, exceptId?: string): void {
    const other = this.rules.find((r) => r.name === name && r.id !== exceptId);
    if (other) throw new AlertError('RULE_NAME_TAKEN', `another rule (${other.id}) is already named "${name}"; rule names are alert names and must be unique`, 'name', 409);
  }

  /**
   * Loads the rules file whole or not at all. A bad file, at startup as on a reload, leaves the file rules in
   * effect as they were (at startup: the last valid version, kept in alerts.sqlite; none on a first start),
   * is logged once as one line naming the file, the entry and the field, and shows in `rulesFileStatus()`.
   * The evaluation and the API rules go on; the file is read again when it changes.
   */
  private loadFile(path: string, initial: boolean): void {
    this.fileStamp = fileStamp(path);
    try {
      const rules = loadRulesFile(path, { blockPrivate: this.blockPrivate });
      const apiRules = this.store.listRules().filter((x) => x.source === 'api');
      rules.forEach((r, i) => {
        const clash = apiRules.find((x) => x.name === r.spec.name);
        if (clash) throw new AlertError('RULES_FILE_INVALID', `${path}: rules[${i}].name "${r.spec.name}" is the name of API rule ${clash.id}; rename one of them`, `rules[${i}].name`);
      });
      this.store.replaceFileRules(rules);
      this.rules = this.store.listRules();
      this.fileLoadedAt = Date.now();
      if (!initial || this.fileError) this.log('info', `alert rules ${initial ? 'loaded' : 'reloaded'} from ${path} (${rules.length} rules)`);
      this.fileError = null;
    } catch (e) {
      const message = (e as Error).message;
      this.fileError = { code: 'RULES_FILE_INVALID', message, field: e instanceof AlertError ? (e.field ?? null) : null, at: Date.now() };
      const kept = this.store.listRules().filter((r) => r.source === 'file').length;
      const consequence = kept > 0 ? `keeping the ${kept} rules of its last valid version` : 'none of its rules are loaded';
      this.log('error', `${message} — ${consequence}; API rules are evaluated as usual, and the file is read again when it changes`);
    }
  }

  private log(level: 'info' | 'warn' | 'error', message: string): void {
    if (this.options.log) this.options.log(level, message);
    else if (level !== 'info') console.error(`[perf alerts] ${message}`);
  }

  /** When the last evaluation ran (Unix ms), 0 before the first. */
  get lastEvaluation(): number {
    return this.lastTickMs;
  }
}

/** PERF_PUBLIC_URL, else the UI on this machine at PORT (3000 when unset). */
function defaultExternalURL(): string {
  const pub = process.env.PERF_PUBLIC_URL?.trim();
  return pub ? pub : `http://localhost:${process.env.PORT?.trim() || 3000}`;
}

function fileStamp(path: string): string {
  try {
    const s = statSync(path);
    return `${s.mtimeMs}|${s.size}|${s.ino}`;
  } catch {
    return 'missing';
  }
}

function alertmanagerUrl(base: string): string {
  const u = new URL(base);
  if (!u.pathname.endsWith('/api/v2/alerts')) u.pathname = `${u.pathname.replace(/\/+$/, '')}/api/v2/alerts`;
  return u.toString();
}

function readOnly(rule: Rule): AlertError {
  return new AlertError('RULE_READONLY', `rule "${rule.name}" comes from PERF_ALERT_RULES_FILE; change it in the file`, 'id', 409);
}

function redact(rule: Rule): RuleView {
  return { ...rule, targets: rule.targets.map((t) => (t.type === 'webhook' ? { ...t, url: redactUrl(t.url), secret: REDACTED } : { ...t, url: redactUrl(t.url) })) };
}

/** A target URL sent with the placeholder in place of a credential: refused (it would be sent as it is). */
function refuseHiddenUrls(spec: RuleSpec): void {
  spec.targets.forEach((t, i) => {
    if (hasHidden(t.url)) throw new AlertError('RULE_INVALID', `targets[${i}].url holds the placeholder ${REDACTED} of a credential this rule does not have: send the URL itself`, `targets[${i}].url`);
  });
}

/**
 * A PUT may send back what GET showed: a target URL with its credentials hidden (the stored URL it stands for is
 * kept), and the redacted secret, or none (the stored secret of the webhook target with the same URL is kept).
 */
function keepSecrets(input: unknown, old: Rule): unknown {
  if (typeof input !== 'object' || input === null || !Array.isArray((input as RuleSpec).targets)) return input;
  const targets = (input as { targets: unknown[] }).targets.map((t, i) => {
    if (typeof t !== 'object' || t === null) return t;
    let tt = t as Record<string, unknown>;
    if (hasHidden(tt.url)) {
      const stored = old.targets.find((o) => o.type === tt.type && redactUrl(o.url) === tt.url);
      if (stored !== undefined) tt = { ...tt, url: stored.url };
    }
    if (tt.type !== 'webhook' || (tt.secret !== undefined && tt.secret !== REDACTED)) return tt;
    // the same URL's secret; else, a target whose URL changed, the secret of the webhook at its place
    const sameUrl = old.targets.find((o) => o.type === 'webhook' && o.url === tt.url);
    const samePlace = old.targets[i]?.type === 'webhook' ? old.targets[i] : undefined;
    const prev = sameUrl ?? samePlace;
    if (prev !== undefined && prev.type === 'webhook') return { ...tt, secret: prev.secret };
    // the placeholder must never become a secret: anyone could sign with it
    if (tt.secret === REDACTED) throw new AlertError('RULE_INVALID', `targets[${i}].secret is the placeholder ${REDACTED} of a secret this rule does not have: send the secret itself`, `targets[${i}].secret`);
    return tt;
  });
  return { ...(input as object), targets };
}

/** Parses a rule's durations (exported for the API's dry-run and tests). */
export function ruleFromSpec(id: string, spec: RuleSpec, source: Rule['source'] = 'api'): Rule {
  const now = new Date().toISOString();
  return { ...spec, id, source, windowMs: parseDuration(spec.window)!, forMs: parseDuration(spec.for)!, createdAt: now, updatedAt: now };
}
