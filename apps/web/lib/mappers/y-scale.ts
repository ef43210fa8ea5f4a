// The top of a line chart's y axis. Plain max-scaling lets one rare spike set the axis: a 1.6 s p99.9 blip
// made a latency chart 0–2 s while p50 and p90 (a few ms) lay flat on the floor (outside audit). With
// `clipSpikes`, the top comes from the values without the isolated spikes, and those spikes are drawn clipped
// at the top edge with a marker (their true values stay in the tooltip). What is sustained is never clipped.
import type { ChartRow } from './series.js';

/** A run of more than this many consecutive high points is sustained, not a spike: the axis includes it. */
export const SPIKE_MAX_RUN = 3;
/** A point is high when it is more than this many times its line's typical level (its 90th percentile). */
const SPIKE_FACTOR = 2;
/** Fewer points than this in a line: not enough to tell its typical level, nothing of it is clipped. */
const MIN_POINTS = 12;
/** Clip only when it makes the axis at least this much shorter: a spike just above the rest is drawn whole. */
const CLIP_GAIN = 1.5;
/** Room above the highest unclipped value, so a line does not run along the top edge. */
const HEADROOM = 1.1;

/** One value above the axis, drawn at the top edge. */
export interface ClippedPoint {
  /** index in the rows */
  row: number;
  key: string;
  value: number;
}

export interface YScale {
  /** top of the axis, in the values' unit */
  yMax: number;
  /** the values above it, oldest first (empty when nothing is clipped) */
  clipped: ClippedPoint[];
}

function finite(v: number | null | undefined): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** The value at quantile q (0..1) of unsorted values, by nearest rank. */
function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/**
 * Adds to `spike` the rows of line `key` that are isolated spikes: runs of at most SPIKE_MAX_RUN points above
 * SPIKE_FACTOR × the line's 90th percentile. A run that reaches the line's newest value is not marked: it may be
 * the start of a rise, and a live chart must show a rise as it begins.
 */
function markSpikes(rows: ChartRow[], key: string, spike: Set<number>): void {
  const idx: number[] = [];
  for (let i = 0; i < rows.length; i++) if (finite(rows[i][key])) idx.push(i);
  if (idx.length < MIN_POINTS) return;
  const level = quantile(idx.map((i) => rows[i][key] as number), 0.9);
  if (!(level > 0)) return;
  const high = (i: number) => (rows[i][key] as number) > SPIKE_FACTOR * level;
  const newest = idx[idx.length - 1];
  let k = 0;
  while (k < idx.length) {
    if (!high(idx[k])) {
      k++;
      continue;
    }
    // a run: consecutive rows (a missing value ends it) that are all high
    let end = k;
    while (end + 1 < idx.length && idx[end + 1] === idx[end] + 1 && high(idx[end + 1])) end++;
    if (end - k + 1 <= SPIKE_MAX_RUN && idx[end] !== newest) for (let j = k; j <= end; j++) spike.add(idx[j]);
    k = end + 1;
  }
}

/**
 * The y axis of `rows` over `keys`: `niceCeil`-rounded top (via `nice`), `emptyMax` when every value is 0 or
 * missing. With `clipSpikes`, isolated spikes (see markSpikes) are left above the axis when that makes it at
 * least CLIP_GAIN× shorter; every value above the top is then listed in `clipped`.
 */
export function yScaleOf(rows: ChartRow[], keys: readonly string[], emptyMax: number, nice: (v: number) => number, clipSpikes = false): YScale {
  let max = 0;
  for (const r of rows) for (const k of keys) if (finite(r[k]) && (r[k] as number) > max) max = r[k] as number;
  if (!(max > 0)) return { yMax: emptyMax, clipped: [] };
  if (!clipSpikes) return { yMax: nice(max), clipped: [] };
  let kept = 0;
  for (const k of keys) {
    const spike = new Set<number>();
    markSpikes(rows, k, spike);
    for (let i = 0; i < rows.length; i++) {
      const v = rows[i][k];
      if (finite(v) && !spike.has(i) && v > kept) kept = v;
    }
  }
  if (!(kept > 0) || max <= CLIP_GAIN * kept) return { yMax: nice(max), clipped: [] };
  const yMax = nice(kept * HEADROOM);
  if (yMax >= max) return { yMax: nice(max), clipped: [] };
  const clipped: ClippedPoint[] = [];
  for (let i = 0; i < rows.length; i++) {
    for (const k of keys) {
      const v = rows[i][k];
      if (finite(v) && v > yMax) clipped.push({ row: i, key: k, value: v });
    }
  }
  return { yMax, clipped };
}
