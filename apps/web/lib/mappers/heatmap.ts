// Pure geometry and colour for the latency heatmap: which buckets hold data, where a cell is, what colour a
// count gets. The canvas component only draws what these return.
import type { Heatmap } from '../../server/api/types.js';

/** Bucket index range [lo, hi) that holds any request, padded by one bucket each side; null when empty. */
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
  return { lo: Math.max(0, lo - 1), hi: Math.min(n, hi + 2) };
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

/** The cell under a point of the plot area: time step and bucket index, or null outside. */
export function cellAt(hm: Heatmap, range: { lo: number; hi: number }, plot: Plot, x: number, y: number): { t: number; b: number } | null {
  const steps = hm.times.length;
  const rows = range.hi - range.lo;
  if (steps === 0 || rows <= 0) return null;
  const fx = (x - plot.left) / plot.width;
  const fy = (y - plot.top) / plot.height;
  if (fx < 0 || fx >= 1 || fy < 0 || fy >= 1) return null;
  const t = Math.floor(fx * steps);
  const b = range.lo + (rows - 1 - Math.floor(fy * rows));
  return { t, b };
}

/** Vertical position (0 = top, 1 = bottom of the plot) of a latency in seconds, log-interpolated inside its bucket. */
export function latencyY(hm: Heatmap, range: { lo: number; hi: number }, seconds: number): number | null {
  const { bounds } = hm;
  const rows = range.hi - range.lo;
  if (!(seconds > 0) || rows <= 0) return null;
  for (let i = range.lo; i < range.hi; i++) {
    const lo = bounds[i];
    const hi = bounds[i + 1];
    if (seconds <= hi || i === range.hi - 1) {
      const within = lo > 0 ? Math.min(1, Math.max(0, Math.log(seconds / lo) / Math.log(hi / lo))) : 1;
      return 1 - (i - range.lo + within) / rows;
    }
  }
  return null;
}

/**
 * Live merge: steps of `fresh` replace or extend `prev` when both use the same buckets; otherwise (bounds
 * changed, e.g. a new slowest request widened them) the caller refetches the whole range.
 */
export function mergeHeatmap(prev: Heatmap, fresh: Heatmap, fromMs: number): Heatmap | null {
  if (prev.step !== fresh.step || prev.bounds.length !== fresh.bounds.length || prev.bounds.some((b, i) => b !== fresh.bounds[i])) return null;
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
