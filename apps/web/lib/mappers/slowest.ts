// The slowest nodes of a by-node latency series: ranked by mean over the range (a single spike does not
// rank a node first), the latest value shown beside it.
import type { Series } from '../../server/api/types.js';
import { lineMeans } from './series.js';

export function slowestNodes(series: Series | null | undefined, n: number): { instance: string; mean: number; last: number | null }[] {
  return lineMeans(series)
    .filter((l): l is { key: Record<string, string>; mean: number; last: number | null } => l.mean !== null && l.key.instance !== undefined)
    .sort((a, b) => b.mean - a.mean)
    .slice(0, n)
    .map((l) => ({ instance: l.key.instance, mean: l.mean, last: l.last }));
}
