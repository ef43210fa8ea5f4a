'use client';
// Every instance of the fleet: sortable, filterable, paged (50 rows are rendered whatever the fleet size),
// rows memoised so a live tick re-renders only what changed, outliers against the fleet median marked.
import { memo, useEffect, useMemo, useState } from 'react';
import type { NodeRow } from '../server/api/types.js';
import { formatAgo, formatBytes, formatDuration, formatExact, formatPercent, formatRps } from '../lib/format.js';
import { formatDateTime } from '../lib/format-time.js';
import { Link } from '../lib/link.js';
import {
  filterNodes,
  fleetMedians,
  NODE_COLUMNS,
  mediansByService,
  outlier,
  paginate,
  sortNodes,
  stateOf,
  type FleetMedians,
  type NodeColumn,
  type NodeStateFilter,
  type OutlierColumn,
  type SortDir,
} from '../lib/mappers/nodes.js';
import { hrefFor, type ViewState } from '../lib/url-state.js';
import { Sparkline } from './sparkline.js';

export const PAGE_SIZE = 50;

const EMPTY_MEDIANS: FleetMedians = fleetMedians([]);

const HEADERS: { col: NodeColumn; label: string; num?: boolean; title?: string }[] = [
  { col: 'up', label: 'State' },
  { col: 'instance', label: 'Instance' },
  { col: 'service', label: 'Service' },
  { col: 'host', label: 'Host' },
  { col: 'rps', label: 'req/s', num: true },
  { col: 'p50', label: 'p50', num: true, title: 'Latency p50' },
  { col: 'p99', label: 'p99', num: true, title: 'Latency p99' },
  { col: 'eld', label: 'Loop p99', num: true, title: 'Event-loop delay p99' },
  { col: 'elu', label: 'ELU', num: true, title: 'Event-loop utilisation' },
  { col: 'cpu', label: 'CPU', num: true, title: 'CPU (of one core)' },
  { col: 'heap', label: 'Heap', num: true, title: 'Heap used' },
  { col: 'lastSeen', label: 'Last seen', num: true },
];

export interface NodesTableProps {
  nodes: NodeRow[];
  view: ViewState;
  now: number;
  /** p99 history per instance for the sparklines (missing: no sparkline yet) */
  sparks: Map<string, (number | null)[]>;
}

export function NodesTable({ nodes, view, now, sparks }: NodesTableProps) {
  const [text, setText] = useState('');
  const [state, setState] = useState<NodeStateFilter>('all');
  const [sort, setSort] = useState<{ col: NodeColumn; dir: SortDir }>({ col: 'p99', dir: 'desc' });
  const [page, setPage] = useState(0);
  // the table's own selection in the URL too (q, state, sort, dir, page), so Back from a node, a reload or a copied
  // link shows the same table: read once mounted (the server renders the defaults), written with replaceState
  const [restored, setRestored] = useState(false);
  useEffect(() => {
    const p = new URLSearchParams(window.location.search);
    const q = p.get('q');
    if (q !== null) setText(q);
    const st = p.get('state');
    if (st === 'up' || st === 'down' || st === 'stopped') setState(st);
    const col = p.get('sort');
    if (col !== null && (NODE_COLUMNS as readonly string[]).includes(col)) setSort({ col: col as NodeColumn, dir: p.get('dir') === 'asc' ? 'asc' : 'desc' });
    const pg = Number(p.get('page'));
    if (Number.isInteger(pg) && pg > 1) setPage(pg - 1);
    setRestored(true);
  }, []);
  useEffect(() => {
    if (!restored) return;
    const url = new URL(window.location.href);
    const set = (k: string, v: string, dflt: string) => (v === dflt ? url.searchParams.delete(k) : url.searchParams.set(k, v));
    set('q', text, '');
    set('state', state, 'all');
    set('sort', sort.col, 'p99');
    set('dir', sort.dir, 'desc');
    set('page', String(page + 1), '1');
    if (url.href !== window.location.href) window.history.replaceState(window.history.state, '', url);
  }, [restored, text, state, sort, page]);

  const peers = useMemo(() => mediansByService(nodes), [nodes]);
  const counts = useMemo(() => {
    const c = { up: 0, down: 0, stopped: 0 };
    for (const n of nodes) c[stateOf(n)]++;
    return c;
  }, [nodes]);
  const shown = useMemo(() => sortNodes(filterNodes(nodes, text, state), sort.col, sort.dir), [nodes, text, state, sort]);
  const paged = paginate(shown, page, PAGE_SIZE);
  // Relative times only need to move every few seconds; a coarse clock keeps memoised rows stable.
  const coarseNow = Math.floor(now / 5000) * 5000;

  const onSort = (col: NodeColumn) =>
    setSort((s) => (s.col === col ? { col, dir: s.dir === 'asc' ? 'desc' : 'asc' } : { col, dir: col === 'instance' || col === 'service' || col === 'host' ? 'asc' : 'desc' }));

  return (
    <section className="panel" aria-label="Nodes">
      <div className="toolbar">
        <label>
          <span className="sr-only">Filter nodes</span>
          <input
            type="search"
            placeholder="Filter by instance, service, host"
            aria-label="Filter nodes by instance, service or host"
            data-testid="nodes-filter"
            value={text}
            onChange={(e) => {
              setText(e.target.value);
              setPage(0);
            }}
          />
        </label>
        <label>
          <span className="sr-only">Node state</span>
          <select aria-label="Node state" data-testid="nodes-state" value={state} onChange={(e) => (setState(e.target.value as NodeStateFilter), setPage(0))}>
            <option value="all">All states</option>
            <option value="up">Up</option>
            <option value="down">Down</option>
            <option value="stopped">Stopped</option>
          </select>
        </label>
        <span className="muted" data-testid="nodes-count">
          {shown.length} of {nodes.length} nodes · {counts.up} up, {counts.down} down{counts.stopped > 0 ? `, ${counts.stopped} stopped` : ''}
        </span>
        <span className="muted">· marked: ≥ 2× the median of the node&apos;s service (req/s: also ≤ ½)</span>
      </div>
      <div className="table-wrap">
        <table data-testid="nodes-table">
          <thead>
            <tr>
              {HEADERS.map((h) => (
                <th
                  key={h.col}
                  className={h.num ? 'num' : undefined}
                  aria-sort={sort.col === h.col ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none'}
                  title={h.title}
                >
                  <button type="button" onClick={() => onSort(h.col)} data-testid={`sort-${h.col}`}>
                    {h.label}
                    {sort.col === h.col ? (sort.dir === 'asc' ? ' ▲' : ' ▼') : ''}
                  </button>
                </th>
              ))}
              <th>p99 trend</th>
            </tr>
          </thead>
          <tbody>
            {paged.rows.length === 0 ? (
              <tr>
                <td colSpan={HEADERS.length + 1} className="muted" data-testid="nodes-empty">
                  No nodes match{text ? ` “${text}”` : ''}
                  {state !== 'all' ? ` among the ${state} ones` : ''}.
                </td>
              </tr>
            ) : null}
            {paged.rows.map((n) => (
              <NodeTr
                key={n.instance}
                node={n}
                view={view}
                medians={peers.get(n.service)?.medians ?? EMPTY_MEDIANS}
                fleetSize={peers.get(n.service)?.size ?? 0}
                now={coarseNow}
                spark={sparks.get(n.instance)}
              />
            ))}
          </tbody>
        </table>
      </div>
      {paged.pages > 1 ? (
        <nav className="pager" aria-label="Pages">
          <button type="button" onClick={() => setPage(paged.page - 1)} disabled={paged.page === 0}>
            ← Previous
          </button>
          <span data-testid="nodes-page">
            Page {paged.page + 1} of {paged.pages}
          </span>
          <button type="button" onClick={() => setPage(paged.page + 1)} disabled={paged.page >= paged.pages - 1}>
            Next →
          </button>
        </nav>
      ) : null}
    </section>
  );
}

interface NodeTrProps {
  node: NodeRow;
  view: ViewState;
  medians: FleetMedians;
  fleetSize: number;
  now: number;
  spark: (number | null)[] | undefined;
}

function cell(node: NodeRow, value: number | null, col: OutlierColumn, m: FleetMedians, fleetSize: number, text: string, exact: string) {
  const o = node.up ? outlier(value, col, m, fleetSize) : null;
  const med = m.median[col];
  return (
    <td
      className={`num${o ? ` outlier-${o}` : ''}`}
      title={o && med !== null ? `${exact} — ${o === 'high' ? 'above' : 'below'} its service's median (${formatMedian(col, med)})` : exact}
      data-outlier={o ?? undefined}
      data-col={col}
    >
      {text}
      {o ? <span className="sr-only"> (outlier against its service&apos;s median)</span> : null}
    </td>
  );
}

function formatMedian(col: OutlierColumn, v: number): string {
  switch (col) {
    case 'rps':
      return formatRps(v);
    case 'elu':
    case 'cpu':
      return formatPercent(v);
    case 'heap':
      return formatBytes(v);
    default:
      return formatDuration(v);
  }
}


const NodeTr = memo(function NodeTr({ node: n, view, medians: m, fleetSize, now, spark }: NodeTrProps) {
  return (
    <tr className={n.up ? undefined : 'down'} data-testid="node-row" data-instance={n.instance}>
      <td>
        <span className={`badge ${stateOf(n)}`}>{stateOf(n)}</span>
      </td>
      <td className="mono">
        <Link href={hrefFor(`/nodes/${encodeURIComponent(n.instance)}`, view)}>{n.instance}</Link>
      </td>
      <td>{n.service}</td>
      <td>{n.host}</td>
      {cell(n, n.rps, 'rps', m, fleetSize, formatRps(n.rps), formatExact('rps', n.rps))}
      {cell(n, n.latency.p50, 'p50', m, fleetSize, formatDuration(n.latency.p50), formatExact('seconds', n.latency.p50))}
      {cell(n, n.latency.p99, 'p99', m, fleetSize, formatDuration(n.latency.p99), formatExact('seconds', n.latency.p99))}
      {cell(n, n.eventLoopDelay.p99, 'eld', m, fleetSize, formatDuration(n.eventLoopDelay.p99), formatExact('seconds', n.eventLoopDelay.p99))}
      {cell(n, n.elu, 'elu', m, fleetSize, formatPercent(n.elu), formatExact('ratio', n.elu))}
      {cell(n, n.cpu, 'cpu', m, fleetSize, formatPercent(n.cpu), formatExact('ratio', n.cpu))}
      {cell(n, n.heapUsed, 'heap', m, fleetSize, formatBytes(n.heapUsed), formatExact('bytes', n.heapUsed))}
      <td className="num" title={formatDateTime(n.lastSeen)} data-testid="node-last-seen">
        {formatAgo(now - n.lastSeen)}
      </td>
      <td>{spark ? <Sparkline values={spark} label={`p99 trend of ${n.instance}`} /> : null}</td>
    </tr>
  );
});
