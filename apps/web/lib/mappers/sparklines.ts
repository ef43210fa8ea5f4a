// A by-node series → one value list per instance, for the table's sparklines.
import type { Series } from '../../server/api/types.js';

export function sparklines(series: Series | null | undefined): Map<string, (number | null)[]> {
  const out = new Map<string, (number | null)[]>();
  if (!series) return out;
  for (const line of series.series) {
    const id = line.key.instance;
    if (id !== undefined) out.set(id, line.points.map((p) => p[1]));
  }
  return out;
}
