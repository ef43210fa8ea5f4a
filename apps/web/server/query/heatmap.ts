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

export interface HeatmapQuery extends Scope {
  step?: number;
  route?: string;
  method?: string;
  instance?: string;
}

/** Request counts per latency bucket per step (log-spaced buckets, 4 per doubling), from merged histograms. */
export function heatmap(store: FleetStore, query: HeatmapQuery = {}): Heatmap {
  const now = query.now ?? Date.now();
  const window = query.window ?? 300;
  const tiers = store.options.tiers;
  const hstep = secondTier(store.options).step;
  let step = query.step;
  if (query.instance !== undefined) step = Math.max(step ?? hstep, hstep);
  const range = rangeFor(store, now, query.instance !== undefined ? Math.min(window, tiers[0].retention) : window, step);
  const firstStep = Math.floor(range.from / range.step) * range.step;
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
  }
  // bucket edges at scale 2 (2^(1/4) apart) over the range that has data
  const SCALE = 2;
  let lo = Infinity;
  let hi = -Infinity;
  for (const h of stepHists) {
    h.forEachBucket((lower, upper) => {
      if (upper === 0) return;
      if (lower < lo) lo = lower;
      if (upper > hi) hi = upper;
    });
  }
  if (!(lo < hi)) return { step: range.step, window: range.to - range.from + 1, times, bounds: [], counts: times.map(() => []), maxCount: 0, p50: times.map(() => null), p99: times.map(() => null) };
  const idx = (v: number) => Math.floor(Math.log2(v) * 2 ** SCALE + 1e-9);
  const first = idx(lo);
  let last = Math.ceil(Math.log2(hi) * 2 ** SCALE - 1e-9);
  if (last - first > 160) last = first + 160;
  const bounds: number[] = [];
  for (let i = first; i <= last; i++) bounds.push(2 ** (i / 2 ** SCALE));
  let maxCount = 0;
  const counts = stepHists.map((h) => {
    const row = new Array<number>(bounds.length - 1).fill(0);
    h.forEachBucket((lower, upper, n) => {
      const mid = upper === 0 ? lo : Math.sqrt(lower * upper);
      const i = Math.min(Math.max(idx(mid) - first, 0), row.length - 1);
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
