// Small statistics over the rules' per-second windows. Every function skips NaN (a second without data).

import type { DiagnosisInput, NodeWindow, Series } from './types.js';

/** Seconds the rules call "now": a condition must hold in most of them (see `countWhere`). */
export const RECENT_SECONDS = 5;
/** Of the recent seconds with data, how many must show a condition before a rule calls it sustained. */
export const SUSTAINED_SECONDS = 3;
/** Seconds just before the recent ones left out of baselines, so a problem's onset does not raise its own baseline. */
export const BASELINE_GAP_SECONDS = 10;

/** The values of the last `n` seconds that have data, oldest first. */
export function lastValues(s: Series, n: number): number[] {
  const out: number[] = [];
  for (let i = Math.max(0, s.length - n); i < s.length; i++) {
    const v = s[i];
    if (!Number.isNaN(v)) out.push(v);
  }
  return out;
}

/** Values from the start of the window up to `skip` seconds before its end (a subject's own past). */
export function pastValues(s: Series, skip: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length - skip; i++) {
    const v = s[i];
    if (!Number.isNaN(v)) out.push(v);
  }
  return out;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function mean(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

export function max(values: readonly number[]): number {
  let m = NaN;
  for (const v of values) if (!(v <= m)) m = v;
  return m;
}

/** Median of the last `n` seconds with data (NaN when none). */
export function recent(s: Series, n = RECENT_SECONDS): number {
  return median(lastValues(s, n));
}

/** Median of the subject's own past (excluding the recent seconds and the gap before them); NaN when too short. */
export function baseline(s: Series, minSamples = 10): number {
  const past = pastValues(s, RECENT_SECONDS + BASELINE_GAP_SECONDS);
  return past.length >= minSamples ? median(past) : NaN;
}

/** How many of the last `n` seconds have data, and how many of those satisfy `test`. */
export function countWhere(s: Series, test: (v: number, i: number) => boolean, n = RECENT_SECONDS): { present: number; hits: number } {
  let present = 0;
  let hits = 0;
  for (let i = Math.max(0, s.length - n); i < s.length; i++) {
    const v = s[i];
    if (Number.isNaN(v)) continue;
    present++;
    if (test(v, i)) hits++;
  }
  return { present, hits };
}

/**
 * True when the condition held in at least SUSTAINED_SECONDS of the recent seconds, or in every one of
 * them that has data when that is at least two: a struggling process exports late, leaving seconds
 * without data, and it should not take longer to diagnose because of it.
 */
export function sustained(s: Series, test: (v: number, i: number) => boolean, n = RECENT_SECONDS, need = SUSTAINED_SECONDS): boolean {
  const { present, hits } = countWhere(s, test, n);
  return hits >= need || (hits >= Math.min(2, need) && hits === present);
}

/** Whether a series has enough recent data to judge (at least SUSTAINED_SECONDS of the recent seconds). */
export function hasRecent(s: Series, n = RECENT_SECONDS): boolean {
  return countWhere(s, () => true, n).present >= SUSTAINED_SECONDS;
}

export interface LinearFit {
  /** units per second */
  slope: number;
  /** coefficient of determination, 0..1 (1 when every point lies on the line) */
  r2: number;
  /** points used, and the fitted value at the first and last of them */
  count: number;
  first: number;
  last: number;
}

/** Least-squares line through the last `n` seconds with data (x in seconds). */
export function linearFit(s: Series, n: number): LinearFit {
  let count = 0;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  let x0 = -1;
  let x1 = -1;
  for (let i = Math.max(0, s.length - n); i < s.length; i++) {
    const y = s[i];
    if (Number.isNaN(y)) continue;
    if (x0 < 0) x0 = i;
    x1 = i;
    count++;
    sx += i;
    sy += y;
    sxx += i * i;
    sxy += i * y;
    syy += y * y;
  }
  if (count < 3) return { slope: NaN, r2: NaN, count, first: NaN, last: NaN };
  const vx = sxx - (sx * sx) / count;
  const vy = syy - (sy * sy) / count;
  const cxy = sxy - (sx * sy) / count;
  const slope = vx === 0 ? NaN : cxy / vx;
  const r2 = vx === 0 || vy === 0 ? 0 : (cxy * cxy) / (vx * vy);
  const intercept = (sy - slope * sx) / count;
  return { slope, r2, count, first: intercept + slope * x0, last: intercept + slope * x1 };
}

/**
 * Per-second median across several aligned series (e.g. the fleet's median rps in each second), for the
 * seconds from `from` on (the recent ones by default: the rules judge those; earlier slots stay NaN).
 */
export function medianAcross(series: readonly Series[], length: number, from = length - RECENT_SECONDS): Float64Array {
  const out = new Float64Array(length).fill(NaN);
  const column: number[] = [];
  for (let i = Math.max(0, from); i < length; i++) {
    column.length = 0;
    for (const s of series) {
      const v = s[i];
      if (v !== undefined && !Number.isNaN(v)) column.push(v);
    }
    out[i] = median(column);
  }
  return out;
}

/** "GET /users/:id" */
export function routeName(r: { method: string; route: string }): string {
  return `${r.method} ${r.route}`;
}

/**
 * A live finding holds on this share of the lines that raised it: a figure hovering about a line raised and cleared
 * a finding every few seconds (outside audit: error rates, run delays, GC shares, loop delays on a crowded host).
 */
export const HOLD = 0.6;

/** The nodes named by the live findings of `kind` (of the `variants` given, else of any): rules hold them (HOLD). */
export function heldNodes(input: DiagnosisInput, kind: string, variants?: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const [key, f] of input.active ?? []) {
    const [k, variant] = key.split('|', 2);
    if (k === kind && (variants === undefined || variants.includes(variant))) for (const n of f.nodes) out.add(n);
  }
  return out;
}

/**
 * A process's first seconds (loading and compiling its code, filling caches, opening pools) keep its loop busy and
 * stall it: a fleet started under load raised event-loop-blocked critical on every node, "in the code path", within
 * 3 s (outside audit). The busy-loop rules judge a process from this long after its first export.
 */
export const WARMUP_MS = 20_000;

/** Whether the node is still in its start-up (see WARMUP_MS), at the window's last second. */
export function warmingUp(n: NodeWindow, input: DiagnosisInput): boolean {
  const last = input.times.at(-1);
  return n.startedAt !== undefined && last !== undefined && last + 1000 - n.startedAt < WARMUP_MS;
}

/**
 * `s` with the node's start-up seconds (its first WARMUP_MS) left out (NaN), for rules that judge its recent seconds once
 * it is past its start-up: a replacement node slow for its first 20 s (a cold cache) was named the moment its start-up
 * ended, on the slow seconds still in the seconds judged (an outside audit). `s` itself when none is in the window.
 */
export function afterStartUp(n: NodeWindow, input: DiagnosisInput, s: Series): Series {
  if (n.startedAt === undefined) return s;
  const end = n.startedAt + WARMUP_MS;
  const times = input.times;
  if (times.length === 0 || times[0] >= end) return s;
  const out = Float64Array.from(s);
  for (let i = 0; i < times.length && times[i] < end; i++) out[i] = NaN;
  return out;
}

/**
 * A ratio pooled over the last `n` seconds with data, each second weighted by its count (errors over requests, not a
 * median of per-second ratios: a few errors a second come and go from second to second), and the events per second.
 */
export function pooled(rate: Series, count: Series, n = RECENT_SECONDS): { rate: number; perSecond: number; events: number; total: number } {
  let events = 0;
  let total = 0;
  let seconds = 0;
  for (let i = Math.max(0, rate.length - n); i < rate.length; i++) {
    if (Number.isNaN(rate[i]) || Number.isNaN(count[i])) continue;
    events += rate[i] * count[i];
    total += count[i];
    seconds++;
  }
  return { rate: total > 0 ? events / total : NaN, perSecond: seconds > 0 ? events / seconds : NaN, events, total };
}
