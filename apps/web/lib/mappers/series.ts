// Pure functions from `/api/v1/series` answers to what the charts draw. Live charts keep a bounded window:
// each tick fetches only the last few steps and merges them in (the newest step is partial and gets
// replaced), points older than the range fall off the front, so a chart never holds more than
// range/step + a few points however long the tab stays open.
import type { Series, SeriesLine } from '../../server/api/types.js';

export type Point = [number, number | null];

/** A stable string for a line's key (`{}` → 'fleet'). */
export function lineId(key: Record<string, string>): string {
  const ks = Object.keys(key).sort();
  return ks.length === 0 ? 'fleet' : ks.map((k) => `${k}=${key[k]}`).join(',');
}

/** Human label for a line: the route (`GET /users/:id`), the instance, the service, or 'fleet'. */
export function lineLabel(key: Record<string, string>): string {
  if (key.route !== undefined) return key.method ? `${key.method} ${key.route}` : key.route;
  if (key.instance !== undefined) return key.instance;
  if (key.service !== undefined) return key.service;
  return 'fleet';
}

/**
 * Merges `points` (sorted by time) into `prev` (sorted): same timestamps take the new value, the result is
 * sorted and trimmed to times ≥ `fromMs`.
 */
export function mergePoints(prev: readonly Point[], points: readonly Point[], fromMs: number): Point[] {
  const out: Point[] = [];
  let i = 0;
  let j = 0;
  while (i < prev.length || j < points.length) {
    const a = prev[i];
    const b = points[j];
    let next: Point;
    if (b === undefined || (a !== undefined && a[0] < b[0])) {
      next = a;
      i++;
    } else if (a === undefined || b[0] < a[0]) {
      next = b;
      j++;
    } else {
      next = b;
      i++;
      j++;
    }
    if (next[0] >= fromMs) out.push(next);
  }
  return out;
}

/**
 * The live merge: lines of `fresh` replace or extend the same lines of `prev`; lines absent from `fresh`
 * keep their history (they may return); lines with no point left in the window are dropped.
 */
export function mergeSeries(prev: Series | null, fresh: Series, fromMs: number): Series {
  if (!prev || prev.metric !== fresh.metric || prev.step !== fresh.step) {
    return { ...fresh, series: fresh.series.map((l) => ({ key: l.key, points: mergePoints([], l.points, fromMs) })) };
  }
  const byId = new Map<string, SeriesLine>();
  for (const l of prev.series) byId.set(lineId(l.key), l);
  const out: SeriesLine[] = [];
  const seen = new Set<string>();
  for (const l of fresh.series) {
    const id = lineId(l.key);
    seen.add(id);
    const old = byId.get(id);
    out.push({ key: l.key, points: mergePoints(old ? old.points : [], l.points, fromMs) });
  }
  for (const l of prev.series) {
    if (seen.has(lineId(l.key))) continue;
    const points = mergePoints(l.points, [], fromMs);
    if (points.length > 0) out.push({ key: l.key, points });
  }
  return { ...fresh, window: prev.window, series: out };
}

/** One row per timestamp, one column per named input, as Recharts wants it. */
export type ChartRow = { t: number } & Record<string, number | null>;

/**
 * Joins several single-line series (e.g. latency p50, p90, p99 of the fleet) into chart rows keyed by time.
 * `inputs` maps a column name to the series whose first line feeds it.
 */
export function joinColumns(inputs: Record<string, Series | null | undefined>): ChartRow[] {
  const rows = new Map<number, ChartRow>();
  const names = Object.keys(inputs);
  for (const name of names) {
    const line = inputs[name]?.series[0];
    if (!line) continue;
    for (const [t, v] of line.points) {
      let row = rows.get(t);
      if (!row) {
        row = { t } as ChartRow;
        for (const n of names) row[n] = null;
        rows.set(t, row);
      }
      row[name] = v;
    }
  }
  return [...rows.values()].sort((a, b) => a.t - b.t);
}

/**
 * Rows for a multi-line series (by node or by route): at most `maxLines` lines, the largest by their mean
 * value first, so a chart stays readable. Returns the rows and the column names (line labels) in order.
 */
export function pivotLines(series: Series | null | undefined, maxLines = 8): { rows: ChartRow[]; columns: string[] } {
  if (!series || series.series.length === 0) return { rows: [], columns: [] };
  const ranked = series.series
    .map((l) => ({ line: l, mean: pointsMean(l.points) ?? -Infinity }))
    .sort((a, b) => b.mean - a.mean)
    .slice(0, maxLines);
  const columns: string[] = [];
  const rows = new Map<number, ChartRow>();
  for (const { line } of ranked) {
    let label = lineLabel(line.key);
    while (columns.includes(label)) label += ' ';
    columns.push(label);
    for (const [t, v] of line.points) {
      let row = rows.get(t);
      if (!row) rows.set(t, (row = { t } as ChartRow));
      row[label] = v;
    }
  }
  for (const row of rows.values()) for (const c of columns) if (!(c in row)) row[c] = null;
  return { rows: [...rows.values()].sort((a, b) => a.t - b.t), columns };
}

/**
 * Steps of trailing nulls a readout looks past: the newest step is partial (a node's export for it may not have
 * landed yet) and a quiet route may have no request in one, but beyond two steps the line has stopped, and a value
 * from before an outage must not read as the current one.
 */
export const READOUT_MAX_GAP_STEPS = 2;

/** What a "latest value" readout next to a chart shows, from the first line of a series. */
export interface Readout {
  /** the latest value, null when the line has none within `READOUT_MAX_GAP_STEPS` steps of its newest point */
  value: number | null;
  /** ms: start of the step `value` comes from (null with it) */
  t: number | null;
  /** the last value when it is older than that (the line stopped), with its step's start and the line's newest time */
  stale: { value: number; t: number; newest: number } | null;
}

/**
 * The latest value of the first line for a readout, or null with the stale one when the line stopped (see Readout).
 * Where the series says how far its data is settled, the latest settled step is taken: a step still receiving
 * exports reads low (an outside audit's chart header said "0 req/s · last 2 s", and "975 req/s" with one node's
 * export in, beside a fleet serving a million a second).
 */
export function latestReadout(series: Series | null | undefined, maxGapSteps = READOUT_MAX_GAP_STEPS): Readout {
  const pts = series?.series[0]?.points;
  const none: Readout = { value: null, t: null, stale: null };
  if (!series || !pts || pts.length === 0) return none;
  const stepMs = series.step * 1000;
  const newest = pts[pts.length - 1][0];
  const settled = series.settledUntil;
  let latest: Point | undefined;
  let latestSettled: Point | undefined;
  for (let i = pts.length - 1; i >= 0; i--) {
    const p = pts[i];
    if (p[1] === null) continue;
    latest ??= p;
    if (settled === undefined || p[0] + stepMs <= settled) {
      latestSettled = p;
      break;
    }
  }
  if (latest === undefined) return none;
  const gapMs = maxGapSteps * stepMs;
  // a settled step stands for "now" when it is within the gap allowed plus the steps still settling
  if (settled !== undefined && latestSettled !== undefined && newest - latestSettled[0] <= gapMs + Math.max(0, newest + stepMs - settled)) {
    return { value: latestSettled[1], t: latestSettled[0], stale: null };
  }
  if (newest - latest[0] <= gapMs) return { value: latest[1], t: latest[0], stale: null };
  return { value: null, t: null, stale: { value: latest[1]!, t: latest[0], newest } };
}

/** The latest value of the first line ("now" readouts), null when it stopped more than a couple of steps ago. */
export function lastValue(series: Series | null | undefined): number | null {
  return latestReadout(series).value;
}

/** The mean of a line's non-null values (null when it has none). */
export function pointsMean(points: readonly (readonly [number, number | null])[]): number | null {
  let sum = 0;
  let n = 0;
  for (const [, v] of points) {
    if (v === null) continue;
    sum += v;
    n++;
  }
  return n > 0 ? sum / n : null;
}
