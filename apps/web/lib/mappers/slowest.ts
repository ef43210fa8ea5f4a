// The route page's "Slowest nodes": the nodes of the route's service ranked by their p99 now.
import type { Series } from '../../server/api/types.js';
import { pointsMean } from './series.js';

/**
 * the share of a node's line at its end that makes its "now" (a tenth: the last 30 s of a 5 min range), at least
 * MIN_RECENT points (one step's p99 of a few requests is noise); a node without a value in them is not reporting
 */
const RECENT_SHARE = 0.1;
const MIN_RECENT = 3;

/**
 * The `n` slowest nodes by their p99 now (the mean of the last tenth of their line), then those not reporting now by
 * their mean over the range. Ranked by the mean, the node of an incident fixed minutes ago came first while
 * another was slow now (outside UI audit), and stopped nodes were mixed in with live ones.
 */
export function slowestNodes(series: Series | null | undefined, n: number): { instance: string; mean: number; last: number | null }[] {
  if (!series) return [];
  const rows: { instance: string; mean: number; last: number | null }[] = [];
  for (const l of series.series) {
    const instance = l.key.instance;
    const mean = pointsMean(l.points);
    if (instance === undefined || mean === null) continue;
    rows.push({ instance, mean, last: pointsMean(l.points.slice(-Math.max(MIN_RECENT, Math.ceil(l.points.length * RECENT_SHARE)))) });
  }
  return rows.sort((a, b) => (b.last ?? -Infinity) - (a.last ?? -Infinity) || b.mean - a.mean).slice(0, n);
}
