// Pure geometry and colour for the latency heatmap: which buckets hold data, where a cell is, what colour a
// count gets. The canvas component only draws what these return.
import type { Heatmap } from '../../server/api/types.js';

/** Empty buckets shown above the slowest one: the top band is not a strip along the axis's edge (outside audit). */
export const TOP_HEADROOM = 2;

/**
 * Bucket index range [lo, hi) that holds any request, padded by one empty bucket below and TOP_HEADROOM above;
 * null when empty. The server's bounds end at the slowest bucket, so the padding reaches past them: bucketBound
 * gives those edges.
 */
export function visibleBuckets(hm: Heatmap): { lo: number; hi: number } | null {
  const n = hm.bounds.length - 1;
  let lo = n;
  let hi = -1;
  for (const col of hm.counts) {
    for (let i = 0; i < col.length; i++) {
      if (col[i] > 0) {
        if (i < lo) lo = i;
        if (i > hi) hi = i;
      }
    }
  }
  if (hi < 0) return null;
  return { lo: lo - 1, hi: hi + 1 + TOP_HEADROOM };
}

/**
 * Lower edge (seconds) of bucket i, also outside the server's bounds (the padding of visibleBuckets): the buckets
 * are log-spaced, each edge the same ratio above the one below.
 */
export function bucketBound(hm: Heatmap, i: number): number {
  const { bounds } = hm;
  if (i >= 0 && i < bounds.length) return bounds[i];
  const ratio = bounds.length > 1 ? bounds[1] / bounds[0] : 2;
  return i < 0 ? bounds[0] * ratio ** i : bounds[bounds.length - 1] * ratio ** (i - bounds.length + 1);
}

/** Intensity 0..1 of a count on a log scale (a heatmap of latencies spans orders of magnitude of counts). */
export function intensity(count: number, maxCount: number): number {
  if (count <= 0 || maxCount <= 0) return 0;
  return Math.min(1, Math.log1p(count) / Math.log1p(maxCount));
}

type Rgb = [number, number, number];

export const HEAT_LIGHT: [Rgb, Rgb, Rgb] = [
  [222, 235, 252],
  [43, 108, 223],
  [200, 51, 47],
];
export const HEAT_DARK: [Rgb, Rgb, Rgb] = [
  [27, 44, 74],
  [110, 162, 255],
  [255, 107, 102],
];

/** 64 precomputed colours per palette: a live heatmap paints ~10,000 cells a second, one string each. */
export function heatPalette(stops: [Rgb, Rgb, Rgb], levels = 64): string[] {
  return Array.from({ length: levels }, (_, i) => heatColor(i / (levels - 1), stops));
}

/** Colour for an intensity: low → mid → high, linear in RGB between the three stops. */
export function heatColor(t: number, stops: [Rgb, Rgb, Rgb]): string {
  const [a, b] = t < 0.5 ? [stops[0], stops[1]] : [stops[1], stops[2]];
  const u = t < 0.5 ? t * 2 : (t - 0.5) * 2;
  const c = a.map((x, i) => Math.round(x + (b[i] - x) * u));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

export interface Plot {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * The time axis, as the line charts above the heatmap draw theirs (components/chart-line.tsx): the first step's
 * time at the plot's left edge, the last one's at its right edge, each step's column centred on its time (the
 * line charts' point for the same step). The first and last columns show half their width.
 */
export function timeX(hm: Heatmap, plot: Plot, t: number): number {
  const t0 = hm.times[0];
  const t1 = hm.times[hm.times.length - 1];
  return plot.left + (t1 > t0 ? ((t - t0) / (t1 - t0)) * plot.width : plot.width / 2);
}

/** Width (px) of one step's column on the time axis of timeX. */
export function columnWidth(hm: Heatmap, plot: Plot): number {
  const span = hm.times[hm.times.length - 1] - hm.times[0];
  return span > 0 ? Math.max(1, (hm.step * 1000 * plot.width) / span) : plot.width;
}

/** The cell under a point of the plot area: time step and bucket index, or null outside. */
export function cellAt(hm: Heatmap, range: { lo: number; hi: number }, plot: Plot, x: number, y: number): { t: number; b: number } | null {
  const steps = hm.times.length;
  const rows = range.hi - range.lo;
  if (steps === 0 || rows <= 0) return null;
  const fx = (x - plot.left) / plot.width;
  const fy = (y - plot.top) / plot.height;
  if (fx < 0 || fx >= 1 || fy < 0 || fy >= 1) return null;
  // the step whose column (centred on its time) holds x: the nearest time
  const at = hm.times[0] + fx * (hm.times[steps - 1] - hm.times[0]);
  let t = 0;
  for (let i = 1; i < steps; i++) if (Math.abs(hm.times[i] - at) < Math.abs(hm.times[t] - at)) t = i;
  const b = range.lo + (rows - 1 - Math.floor(fy * rows));
  return { t, b };
}

/** Vertical position (0 = top, 1 = bottom of the plot) of a latency in seconds, log-interpolated inside its bucket. */
export function latencyY(hm: Heatmap, range: { lo: number; hi: number }, seconds: number): number | null {
  const rows = range.hi - range.lo;
  if (!(seconds > 0) || rows <= 0) return null;
  for (let i = range.lo; i < range.hi; i++) {
    const lo = bucketBound(hm, i);
    const hi = bucketBound(hm, i + 1);
    if (seconds <= hi || i === range.hi - 1) {
      const within = lo > 0 ? Math.min(1, Math.max(0, Math.log(seconds / lo) / Math.log(hi / lo))) : 1;
      return 1 - (i - range.lo + within) / rows;
    }
  }
  return null;
}

/** The steps of `hm` from `fromMs` on: the first answer trimmed as the line charts trim theirs (mergeSeries). */
export function trimHeatmap(hm: Heatmap, fromMs: number): Heatmap {
  return mergeHeatmap(hm, { ...hm, times: [], counts: [], p50: [], p99: [] }, fromMs) ?? hm;
}

/** rows the server gives a heatmap at most (its bounds are cut there, the rest counted in the top row) */
const MAX_ROWS = 160;
/** bounds per doubling: the server's grid is 2^(i/4) s */
const GRID = 4;

/** The server's grid index of the first bound, or undefined when the bounds are not whole grid steps (or were cut). */
function gridStart(hm: Heatmap): number | undefined {
  const n = hm.bounds.length;
  if (n < 2 || n - 1 >= MAX_ROWS) return undefined;
  const first = Math.round(Math.log2(hm.bounds[0]) * GRID);
  const last = Math.round(Math.log2(hm.bounds[n - 1]) * GRID);
  const on = (b: number, i: number) => Math.abs(b / 2 ** (i / GRID) - 1) < 1e-9;
  return last - first === n - 1 && on(hm.bounds[0], first) && on(hm.bounds[n - 1], last) ? first : undefined;
}

/**
 * The two heatmaps on the same buckets: `a`'s when they have the same, else (both on the server's 2^(i/4) grid) the
 * span of both, each one's rows moved into it. Undefined when they cannot share them.
 */
function sameBuckets(a: Heatmap, b: Heatmap): [Heatmap, Heatmap] | undefined {
  if (a.step !== b.step) return undefined;
  if (a.bounds.length === b.bounds.length && a.bounds.every((x, i) => x === b.bounds[i])) return [a, b];
  // no data in one: none of its rows hold anything
  if (b.bounds.length === 0) return [a, { ...b, bounds: a.bounds, counts: b.counts.map(() => new Array<number>(Math.max(0, a.bounds.length - 1)).fill(0)) }];
  if (a.bounds.length === 0) return [{ ...a, bounds: b.bounds, counts: a.counts.map(() => new Array<number>(b.bounds.length - 1).fill(0)) }, b];
  const fa = gridStart(a);
  const fb = gridStart(b);
  if (fa === undefined || fb === undefined) return undefined;
  const first = Math.min(fa, fb);
  const last = Math.max(fa + a.bounds.length, fb + b.bounds.length) - 1;
  if (last - first >= MAX_ROWS) return undefined;
  const bounds: number[] = [];
  for (let i = first; i <= last; i++) bounds.push(2 ** (i / GRID));
  const move = (hm: Heatmap, at: number): Heatmap => ({
    ...hm,
    bounds,
    counts: hm.counts.map((row) => {
      const out = new Array<number>(bounds.length - 1).fill(0);
      for (let i = 0; i < row.length; i++) out[at - first + i] = row[i];
      return out;
    }),
  });
  return [move(a, fa), move(b, fb)];
}

/**
 * Live merge: steps of `fresh` replace or extend `prev`, on the buckets of both (the server gives each answer the
 * span of its own data on one grid: a live tick's few steps rarely have the whole range's, and refetching the whole
 * range each time they differed took 6 whole heatmaps in the overview's first 5 s). Null when they cannot share
 * buckets (the step changed, or the span would pass the server's 160 rows): the caller refetches the whole range.
 */
export function mergeHeatmap(prevIn: Heatmap, freshIn: Heatmap, fromMs: number): Heatmap | null {
  const both = sameBuckets(prevIn, freshIn);
  if (both === undefined) return null;
  const [prev, fresh] = both;
  const byTime = new Map<number, number>();
  const times: number[] = [];
  const counts: number[][] = [];
  const p50: (number | null)[] = [];
  const p99: (number | null)[] = [];
  const push = (hm: Heatmap, i: number) => {
    const t = hm.times[i];
    if (t < fromMs) return;
    const at = byTime.get(t);
    if (at !== undefined) {
      counts[at] = hm.counts[i];
      p50[at] = hm.p50[i];
      p99[at] = hm.p99[i];
      return;
    }
    byTime.set(t, times.length);
    times.push(t);
    counts.push(hm.counts[i]);
    p50.push(hm.p50[i]);
    p99.push(hm.p99[i]);
  };
  for (let i = 0; i < prev.times.length; i++) push(prev, i);
  for (let i = 0; i < fresh.times.length; i++) push(fresh, i);
  const order = times.map((_, i) => i).sort((a, b) => times[a] - times[b]);
  let maxCount = 0;
  for (const col of counts) for (const c of col) if (c > maxCount) maxCount = c;
  return {
    ...prev,
    times: order.map((i) => times[i]),
    counts: order.map((i) => counts[i]),
    p50: order.map((i) => p50[i]),
    p99: order.map((i) => p99[i]),
    maxCount,
  };
}
