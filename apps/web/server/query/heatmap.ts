// The latency heatmap (`/heatmap`): request counts per latency bucket per step, from merged histograms.
import { StoreHistogram } from '../store/histogram.js';
import type { FleetStore } from '../store/FleetStore.js';
import { secondTier } from '../store/config.js';
import type { Heatmap } from '../api/types.js';
import { rangeFor } from './window.js';
import { nodeStates, routeStates, type Scope } from './scope.js';
import { accRoute, readsFrom } from './route-reads.js';
import { nodeHistograms } from './node-reads.js';
import { q } from './quantiles.js';
import { runSync, type Sliced } from './sliced.js';

export interface HeatmapQuery extends Scope {
  step?: number;
  route?: string;
  method?: string;
  instance?: string;
}

/** Request counts per latency bucket per step (log-spaced buckets, 4 per doubling), from merged histograms. */
export function heatmap(store: FleetStore, query: HeatmapQuery = {}): Heatmap {
  return runSync(heatmapSliced(store, query));
}

/** heatmap() as a read that yields after each step (sliced.ts): what the API runs, in slices. */
export function* heatmapSliced(store: FleetStore, query: HeatmapQuery = {}): Sliced<Heatmap> {
  const now = query.now ?? Date.now();
  const window = query.window ?? 300;
  const tiers = store.options.tiers;
  const hstep = secondTier(store.options).step;
  let step = query.step;
  if (query.instance !== undefined) step = Math.max(step ?? hstep, hstep);
  const range = rangeFor(store, now, query.instance !== undefined ? Math.min(window, tiers[0].retention) : window, step);
  const firstStep = Math.floor(range.from / range.step) * range.step;
  const SCALE = 2;
  const stepHists: StoreHistogram[] = [];
  const times: number[] = [];
  // the routes with data in the range, looked up once (every route for every step: the overview's heatmap took
  // 0.4 s a call with 20,000 idle routes a flood had left, live verification)
  const routes =
    query.instance !== undefined
      ? []
      : routeStates(store, query.service, readsFrom(store, range)).filter((r) => (query.route === undefined || r.route === query.route) && (query.method === undefined || r.method === query.method));
  for (let t = firstStep; t <= range.to; t += range.step) {
    times.push(t * 1000);
    const h = new StoreHistogram(store.options.fleetScale, 2048, 0);
    const a = Math.max(t, range.from);
    const b = Math.min(t + range.step - 1, range.to);
    if (query.instance !== undefined) {
      for (const n of nodeStates(store, query.service)) {
        if (n.meta.instance === query.instance) h.merge(nodeHistograms(store, n, { from: a, to: b, step: range.step, tier: 0 }).lat);
      }
    } else {
      const acc = { requests: 0, errors: 0 };
      for (const r of routes) accRoute(store, r, range, a, b, acc, h);
    }
    stepHists.push(h);
    yield;
  }
  // rows at scale 2 (2^(1/4) apart) over the range that has data. A bucket of a histogram at scale s ≥ 2 lies inside
  // row index >> (s − 2): mapped by its index, not by its bounds (two Math.pow per bucket were a third of a 15 min
  // heatmap's time). The zero bucket goes in the first row; a histogram coarser than the rows (never at the store's
  // scales) by its buckets' geometric middles
  const rowOf = (h: StoreHistogram, index: number) => {
    if (h.scale >= SCALE) return index >> (h.scale - SCALE);
    const lower = h.lowerBound(index);
    return Math.floor(Math.log2(Math.sqrt(lower * h.lowerBound(index + 1))) * 2 ** SCALE + 1e-9);
  };
  let first = Infinity;
  let last = -Infinity;
  for (const h of stepHists) {
    const [a, b] = h.usedIndexes();
    if (a <= b) {
      first = Math.min(first, rowOf(h, a));
      last = Math.max(last, rowOf(h, b));
    }
  }
  if (!(first <= last)) return { step: range.step, window: range.to - range.from + 1, times, bounds: [], counts: times.map(() => []), maxCount: 0, p50: times.map(() => null), p99: times.map(() => null) };
  if (last - first >= 160) last = first + 159;
  const bounds: number[] = [];
  for (let i = first; i <= last + 1; i++) bounds.push(2 ** (i / 2 ** SCALE));
  let maxCount = 0;
  const counts = stepHists.map((h) => {
    const row = new Array<number>(bounds.length - 1).fill(0);
    if (h.zeroCount > 0) row[0] += h.zeroCount;
    h.forEachIndex((index, n) => {
      const i = Math.min(Math.max(rowOf(h, index) - first, 0), row.length - 1);
      row[i] += n;
    });
    for (const c of row) if (c > maxCount) maxCount = c;
    return row;
  });
  return {
    step: range.step,
    window: range.to - range.from + 1,
    times,
    bounds,
    counts,
    maxCount,
    p50: stepHists.map((h) => (h.count > 0 ? q(h, 0.5) : null)),
    p99: stepHists.map((h) => (h.count > 0 ? q(h, 0.99) : null)),
  };
}
