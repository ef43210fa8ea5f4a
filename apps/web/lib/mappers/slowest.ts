// The route page's "Slowest nodes": the nodes of the route's service ranked by their p99 now.
import type { Series } from '../../server/api/types.js';

/** points at the end of a node's line that make its "now": a node without a value in them is not reporting */
const RECENT_POINTS = 3;

/**
 * The `n` slowest nodes by their p99 now (the mean of their last RECENT_POINTS points), then those not reporting now
 * by their mean over the range. Ranked by the mean, the node of an incident fixed minutes ago came first while
 * another was slow now (outside UI audit), and stopped nodes were mixed in with live ones.
 */
export function slowestNodes(series: Series | null | undefined, n: number): { instance: string; mean: number; last: number | null }[] {
  if (!series) return [];
  const rows: { instance: string; mean: number; last: number | null }[] = [];
  for (const l of series.series) {
    const instance = l.key.instance;
    if (instance === undefined) continue;
    let sum = 0;
    let count = 0;
    for (const [, v] of l.points) {
      if (v === null) continue;
      sum += v;
      count++;
    }
    if (count === 0) continue;
    let recent = 0;
    let recentCount = 0;
    for (const [, v] of l.points.slice(-RECENT_POINTS)) {
      if (v === null) continue;
      recent += v;
      recentCount++;
    }
    rows.push({ instance, mean: sum / count, last: recentCount > 0 ? recent / recentCount : null });
  }
  return rows.sort((a, b) => (b.last ?? -Infinity) - (a.last ?? -Infinity) || b.mean - a.mean).slice(0, n);
}
