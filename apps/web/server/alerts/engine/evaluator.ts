// The alert state machine, pure over a MetricSource and a clock value:
//
//   inactive ──cond──► pending ──cond held `for`──► firing ──clear for resolveAfter──► resolved
//      ▲                  │                          ▲   │
//      └──── !cond ───────┘                          └───┘ cond again before resolveAfter: stays firing, no notification
//
// Flapping does not storm: entering needs the condition itself, staying needs only the condition with a
// hysteresis margin (for ">": value > threshold × (1 − hysteresis)), and resolving needs the condition clear
// for `resolveAfterMs` without interruption. Firing alerts are announced again only after `repeatIntervalMs`.
import { fingerprint, labelKey } from './fingerprint.js';
import { renderAnnotations } from './template.js';
import type { Alert, MetricQuery, MetricSource, Notification, Rule, ScopedValue } from '../types.js';

export interface EvaluatorOptions {
  /** How long a firing alert's condition must stay clear before it resolves (ms). Default 10 s. */
  resolveAfterMs?: number;
  /** Relative margin a firing alert's value must cross back before it counts as clear. Default 0.05 (5%). */
  hysteresis?: number;
  /** Re-announce a still-firing alert after this long (ms). Default 4 h, as Alertmanager's repeat_interval. */
  repeatIntervalMs?: number;
  /** Most pending and firing alerts one rule holds (PERF_ALERTS_MAX_PER_RULE); default MAX_ALERTS_PER_RULE. */
  maxAlertsPerRule?: number;
}

/**
 * Most pending and firing alerts of one rule by default. A route-scoped rps floor over a flood of 50,000 routes (each
 * seen once, all at 0 req/s now) made 50,000 alerts: the first evaluation took 1.2 s of the event loop, each later one
 * 40–100 ms, and every alert list read each one's deliveries. Past the cap, subjects that cross the threshold wait
 * for room (an alert that resolves makes it) and are counted in the alerts list's `capped`.
 */
export const MAX_ALERTS_PER_RULE = 1_000;

/** Key of the metric read a rule needs; rules that share it share one read per tick. */
export function queryKey(q: MetricQuery): string {
  return `${q.scope}|${q.metric}|${q.service ?? ''}|${q.windowMs}|${q.finding ?? ''}|${q.consequences === false ? 'causes' : ''}`;
}

export function ruleQuery(rule: Rule): MetricQuery {
  return {
    scope: rule.scope,
    metric: rule.metric,
    windowMs: rule.windowMs,
    ...(rule.service !== undefined ? { service: rule.service } : {}),
    ...(rule.finding !== undefined ? { finding: rule.finding } : {}),
    ...(rule.consequences === false ? { consequences: false } : {}),
  };
}

interface Tracked extends Alert {
  /** Last tick this alert's label set was present in the source. */
  seenTick: number;
  /** the source's words on the latest value (see ScopedValue.detail) */
  detail?: string;
  /** what those words tell beyond the numbers, as last announced or seen (see ScopedValue.revision) */
  revision?: string;
  /** announcements made for a changed revision */
  revisions: number;
}

/** a firing alert is announced again for what its words newly tell at most this often (then at the repeat interval) */
export const MAX_REVISIONS = 3;

export class Evaluator {
  private readonly resolveAfterMs: number;
  private readonly hysteresis: number;
  private readonly repeatIntervalMs: number;
  /** ruleId → (label key → alert). Holds pending and firing alerts only. */
  private readonly active = new Map<string, Map<string, Tracked>>();
  private tick = 0;
  private readonly identities = new WeakMap<Rule, Map<string, { labels: Record<string, string>; fp: string }>>();
  /** Last version of each evaluated rule, so alerts of a deleted rule can still be announced as resolved. */
  private readonly rules = new Map<string, Rule>();
  private readonly maxPerRule: number;
  /** ruleId → subjects over the threshold at the last evaluation that had no room under the cap */
  private readonly over = new Map<string, number>();

  constructor(options: EvaluatorOptions = {}) {
    this.resolveAfterMs = options.resolveAfterMs ?? 10_000;
    this.hysteresis = options.hysteresis ?? 0.05;
    this.repeatIntervalMs = options.repeatIntervalMs ?? 4 * 3_600_000;
    this.maxPerRule = options.maxAlertsPerRule ?? MAX_ALERTS_PER_RULE;
  }

  /** Rules whose subjects over the threshold at the last evaluation did not all fit under the cap: ruleId → how many did not. */
  capped(): ReadonlyMap<string, number> {
    return this.over;
  }

  /** Pending and firing alerts. */
  alerts(): Alert[] {
    const out: Alert[] = [];
    for (const m of this.active.values()) for (const a of m.values()) out.push(strip(a));
    return out;
  }

  /**
   * Puts back alerts saved before a restart, so firing alerts keep their startsAt and are not announced twice.
   * They are held firing for `graceMs` after `nowMs`: right after a restart the store's windows are partly
   * empty, and a gap in the data must not send a resolved followed by a new firing.
   */
  restore(alerts: (Alert & { revisions?: number })[], rules: readonly Rule[] = [], nowMs = Date.now(), graceMs = 0): void {
    for (const r of rules) this.rules.set(r.id, r);
    for (const a of alerts) {
      if (a.state === 'resolved') continue;
      let m = this.active.get(a.ruleId);
      if (!m) this.active.set(a.ruleId, (m = new Map()));
      m.set(a.scopeKey, { ...a, lastTrueAt: graceMs > 0 ? Math.max(a.lastTrueAt, nowMs + graceMs - this.resolveAfterMs) : a.lastTrueAt, seenTick: this.tick, revisions: a.revisions ?? 0 });
    }
  }

  /**
   * Evaluates every enabled rule at `nowMs` and returns what must be announced. Alerts of rules that are gone
   * or disabled resolve at once.
   */
  evaluate(rules: readonly Rule[], source: MetricSource, nowMs: number): Notification[] {
    const tick = ++this.tick;
    const out: Notification[] = [];
    const reads = new Map<string, ScopedValue[] | null>();
    const live = new Set<string>();

    for (const rule of rules) {
      if (rule.enabled === false) continue;
      live.add(rule.id);
      const prev = this.rules.get(rule.id);
      // a rule changed so that its alerts are others (another name or labels, scope, metric, service or finding):
      // the old ones resolve, with their labels, and the new ones go through `for` again, as in Prometheus
      if (prev !== undefined && prev !== rule && identityOf(prev) !== identityOf(rule)) this.retire(rule.id, prev, nowMs, out);
      this.rules.set(rule.id, rule);
      const q = ruleQuery(rule);
      const k = queryKey(q);
      let values = reads.get(k);
      if (values === undefined) {
        try {
          values = source.read(q, nowMs);
        } catch {
          values = null; // a failing read must not stop the other rules; their alerts are held (not resolved)
        }
        reads.set(k, values);
      }
      if (values === null) {
        this.hold(rule.id, tick);
        continue;
      }
      this.evaluateRule(rule, values, nowMs, tick, out);
    }

    for (const ruleId of this.active.keys()) {
      if (live.has(ruleId)) continue;
      const rule = this.rules.get(ruleId);
      this.rules.delete(ruleId);
      this.retire(ruleId, rule, nowMs, out);
    }
    return out;
  }

  /** Resolves a rule's firing alerts at once (announced with `rule`, the version they came from) and forgets them. */
  private retire(ruleId: string, rule: Rule | undefined, nowMs: number, out: Notification[]): void {
    const m = this.active.get(ruleId);
    if (m === undefined) return;
    const resolved: Alert[] = [];
    for (const a of m.values()) {
      if (a.state === 'firing') resolved.push(strip({ ...a, state: 'resolved', resolvedAt: nowMs }));
    }
    this.active.delete(ruleId);
    this.over.delete(ruleId);
    if (resolved.length > 0 && rule) out.push({ rule, status: 'resolved', alerts: resolved, repeat: false });
  }

  private hold(ruleId: string, tick: number): void {
    const m = this.active.get(ruleId);
    if (m) for (const a of m.values()) a.seenTick = tick;
  }

  private evaluateRule(rule: Rule, values: ScopedValue[], now: number, tick: number, out: Notification[]): void {
    let m = this.active.get(rule.id);
    const gt = rule.op === '>';
    const enter = rule.threshold;
    const stay = gt ? rule.threshold * (1 - this.hysteresis) : rule.threshold * (1 + this.hysteresis);
    let fired: Alert[] | undefined;
    let resolved: Alert[] | undefined;
    let repeated: Alert[] | undefined;
    let over = 0;

    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      const value = v.value;
      // NaN compares false both ways: no data never enters and counts as clear
      const entering = gt ? value > enter : value < enter;
      const key = v.key ?? labelKey(v.labels);
      const a = m?.get(key);
      if (!a) {
        if (!entering) continue;
        if (m !== undefined && m.size >= this.maxPerRule) {
          over++;
          continue;
        }
        if (!m) this.active.set(rule.id, (m = new Map()));
        const { labels, fp } = this.identity(rule, key, v.labels);
        const created: Tracked = {
          ruleId: rule.id,
          fingerprint: fp,
          scopeKey: key,
          labels,
          annotations: renderAnnotations(rule, labels, value, v.detail),
          detail: v.detail,
          revision: v.revision,
          revisions: 0,
          state: 'pending',
          activeAt: now,
          value,
          lastTrueAt: now,
          seenTick: tick,
        };
        m.set(key, created);
        if (rule.forMs === 0) (fired ??= []).push(this.fire(created, rule, now));
        continue;
      }
      a.seenTick = tick;
      a.value = value;
      a.detail = v.detail;
      // announced again when its words tell something new; a pending alert, one restored after a restart (none known
      // yet) and one announced MAX_REVISIONS times already adopt the source's without an announcement
      const revised = v.revision !== a.revision && a.state === 'firing' && a.revision !== undefined && a.revisions < MAX_REVISIONS;
      if (!revised) a.revision = v.revision;
      if (a.state === 'pending') {
        if (!entering) {
          m!.delete(key);
        } else {
          a.lastTrueAt = now;
          if (now - a.activeAt >= rule.forMs) (fired ??= []).push(this.fire(a, rule, now));
        }
        continue;
      }
      // firing
      const holding = gt ? value > stay : value < stay;
      if (holding) {
        // (a restored alert's is set ahead, to hold it through the restart: a true value now must not shorten that)
        a.lastTrueAt = Math.max(a.lastTrueAt, now);
        if (revised || (a.lastNotifiedAt !== undefined && now - a.lastNotifiedAt >= this.repeatIntervalMs)) {
          if (revised) {
            a.revisions++;
            a.revision = v.revision;
          }
          a.lastNotifiedAt = now;
          a.annotations = renderAnnotations(rule, a.labels, value, a.detail);
          (repeated ??= []).push(strip(a));
        }
      } else if (now - a.lastTrueAt >= this.resolveAfterMs) {
        m!.delete(key);
        (resolved ??= []).push(strip({ ...a, state: 'resolved', resolvedAt: now }));
      }
    }

    // alerts whose label set vanished from the source (node gone, route idle): clear, resolve after resolveAfter
    if (m) {
      for (const [key, a] of m) {
        if (a.seenTick === tick) continue;
        if (a.state === 'pending') m.delete(key);
        else if (now - a.lastTrueAt >= this.resolveAfterMs) {
          m.delete(key);
          (resolved ??= []).push(strip({ ...a, state: 'resolved', resolvedAt: now }));
        }
      }
    }
    if (m && m.size === 0) this.active.delete(rule.id);
    if (over > 0) this.over.set(rule.id, over);
    else this.over.delete(rule.id);

    if (fired) out.push({ rule, status: 'firing', alerts: fired, repeat: false });
    if (repeated) out.push({ rule, status: 'firing', alerts: repeated, repeat: true });
    if (resolved) out.push({ rule, status: 'resolved', alerts: resolved, repeat: false });
  }

  /**
   * Labels and fingerprint of a rule's alert for one scope key, cached: a flapping subject re-creates its
   * alert often and the FNV-64 over BigInt costs ~10 µs (measured with bench/alerts.ts).
   */
  private identity(rule: Rule, key: string, scoped: Record<string, string>): { labels: Record<string, string>; fp: string } {
    let m = this.identities.get(rule); // a changed rule is a new object: its cache goes with the old one
    if (!m) this.identities.set(rule, (m = new Map()));
    let id = m.get(key);
    if (!id) {
      if (m.size >= 10_000) m.clear();
      const labels = alertLabels(rule, scoped);
      m.set(key, (id = { labels, fp: fingerprint(labels) }));
    }
    return { labels: { ...id.labels }, fp: id.fp };
  }

  private fire(a: Tracked, rule: Rule, now: number): Alert {
    a.state = 'firing';
    a.firedAt = now;
    a.lastNotifiedAt = now;
    a.annotations = renderAnnotations(rule, a.labels, a.value, a.detail);
    return strip(a);
  }
}

/** What decides which alerts a rule makes and how they are labelled (a new threshold keeps them; a new label does not). */
function identityOf(rule: Rule): string {
  const labels = Object.entries(rule.labels ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([rule.name, labels, rule.service, rule.finding, rule.scope, rule.metric, rule.consequences]);
}

function alertLabels(rule: Rule, scoped: Record<string, string>): Record<string, string> {
  const labels: Record<string, string> = { alertname: rule.name, ...rule.labels };
  if (rule.service !== undefined) labels.service = rule.service;
  if (rule.finding !== undefined) labels.finding = rule.finding;
  for (const k in scoped) labels[k] = scoped[k];
  return labels;
}

function strip(a: Tracked | (Alert & { seenTick?: number })): Alert {
  const { seenTick: _s, detail: _d, revision: _r, revisions: _n, ...rest } = a as Tracked;
  return { ...rest, labels: rest.labels, annotations: { ...rest.annotations } };
}
