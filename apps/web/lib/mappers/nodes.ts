// Pure functions behind the nodes table: filter, sort, page, and mark outliers against the fleet median.
import type { NodeRow } from '../../server/api/types.js';

export const NODE_COLUMNS = ['instance', 'service', 'host', 'rps', 'p50', 'p99', 'eld', 'elu', 'cpu', 'heap', 'lastSeen', 'up'] as const;
export type NodeColumn = (typeof NODE_COLUMNS)[number];
export type SortDir = 'asc' | 'desc';

/** The columns compared against the fleet median, and which direction is bad. */
export const OUTLIER_COLUMNS = ['rps', 'p50', 'p99', 'eld', 'elu', 'cpu', 'heap'] as const;
export type OutlierColumn = (typeof OUTLIER_COLUMNS)[number];

export function nodeValue(n: NodeRow, c: NodeColumn): number | string | null {
  switch (c) {
    case 'instance':
      return n.instance;
    case 'service':
      return n.service;
    case 'host':
      return n.host;
    case 'rps':
      return n.rps;
    case 'p50':
      return n.latency.p50;
    case 'p99':
      return n.latency.p99;
    case 'eld':
      return n.eventLoopDelay.p99;
    case 'elu':
      return n.elu;
    case 'cpu':
      return n.cpu;
    case 'heap':
      return n.heapUsed;
    case 'lastSeen':
      return n.lastSeen;
    case 'up':
      return n.up ? 1 : 0;
  }
}

export type NodeStateFilter = 'all' | 'up' | 'down' | 'stopped';

/** up, down (silent: died or cut off), or stopped (its agent said so in its last export: a deploy, a scale-in) */
export function stateOf(n: Pick<NodeRow, 'up' | 'stopped'>): 'up' | 'down' | 'stopped' {
  return n.up ? 'up' : n.stopped ? 'stopped' : 'down';
}

/** Case-insensitive match on instance, service, host; `up:`/`down:` prefixes not needed: use the state filter. */
export function filterNodes(nodes: readonly NodeRow[], text: string, state: NodeStateFilter = 'all'): NodeRow[] {
  const q = text.trim().toLowerCase();
  return nodes.filter(
    (n) =>
      (state === 'all' || state === stateOf(n)) &&
      (q === '' || n.instance.toLowerCase().includes(q) || n.service.toLowerCase().includes(q) || n.host.toLowerCase().includes(q)),
  );
}

/** Stable sort by a column; missing values (null) always last, whatever the direction. */
export function sortNodes(nodes: readonly NodeRow[], column: NodeColumn, dir: SortDir): NodeRow[] {
  const sign = dir === 'asc' ? 1 : -1;
  return nodes
    .map((n, i) => ({ n, i, v: nodeValue(n, column) }))
    .sort((a, b) => {
      if (a.v === null || b.v === null) return a.v === b.v ? a.i - b.i : a.v === null ? 1 : -1;
      const d = typeof a.v === 'string' ? a.v.localeCompare(b.v as string) : a.v - (b.v as number);
      return d !== 0 ? sign * d : a.i - b.i;
    })
    .map((x) => x.n);
}

export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const xs = [...values].sort((a, b) => a - b);
  const m = xs.length >> 1;
  return xs.length % 2 ? xs[m] : (xs[m - 1] + xs[m]) / 2;
}

export interface FleetMedians {
  median: Record<OutlierColumn, number | null>;
  /** median absolute deviation, scaled to estimate a standard deviation (× 1.4826) */
  spread: Record<OutlierColumn, number | null>;
}

/** Medians (and robust spread) of each compared column over the nodes that are up. */
export function fleetMedians(nodes: readonly NodeRow[]): FleetMedians {
  const median_ = {} as Record<OutlierColumn, number | null>;
  const spread = {} as Record<OutlierColumn, number | null>;
  const up = nodes.filter((n) => n.up);
  for (const c of OUTLIER_COLUMNS) {
    const vs: number[] = [];
    for (const n of up) {
      const v = nodeValue(n, c);
      if (typeof v === 'number' && Number.isFinite(v)) vs.push(v);
    }
    const m = median(vs);
    median_[c] = m;
    spread[c] = m === null ? null : (median(vs.map((v) => Math.abs(v - m))) ?? 0) * 1.4826;
  }
  return { median: median_, spread };
}

/**
 * Medians per service: nodes of one service run the same code under the same kind of load, so that is
 * the peer group a node is compared with (a search node serving half of checkout's req/s is not an outlier).
 */
export function mediansByService(nodes: readonly NodeRow[]): Map<string, { medians: FleetMedians; size: number }> {
  const groups = new Map<string, NodeRow[]>();
  for (const n of nodes) {
    let g = groups.get(n.service);
    if (!g) groups.set(n.service, (g = []));
    g.push(n);
  }
  const out = new Map<string, { medians: FleetMedians; size: number }>();
  for (const [service, g] of groups) out.set(service, { medians: fleetMedians(g), size: g.filter((n) => n.up).length });
  return out;
}

/**
 * Whether a node's value stands out from the fleet: at least 2× the median (for req/s also half of it: a node
 * taking little traffic is an anomaly too, and one taking 3× the median is the load imbalance the finder reports,
 * which the table did not mark: outside UI audit), and more than 3 robust standard deviations away, so a fleet with
 * naturally spread values does not light up. Needs at least 3 nodes to have a meaningful median.
 */
export function outlier(value: number | null, column: OutlierColumn, m: FleetMedians, fleetSize: number): 'high' | 'low' | null {
  const med = m.median[column];
  if (value === null || med === null || fleetSize < 3 || !Number.isFinite(value)) return null;
  const far = Math.abs(value - med) > 3 * (m.spread[column] ?? 0);
  if (!far) return null;
  if (value >= 2 * med && value > 0) return 'high';
  if (column === 'rps' && value <= med / 2) return 'low';
  return null;
}

/** Page `page` (0-based) of `size` rows, and the page count. */
export function paginate<T>(rows: readonly T[], page: number, size: number): { rows: T[]; page: number; pages: number } {
  const pages = Math.max(1, Math.ceil(rows.length / size));
  const p = Math.min(Math.max(0, page), pages - 1);
  return { rows: rows.slice(p * size, p * size + size), page: p, pages };
}
