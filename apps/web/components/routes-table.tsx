'use client';
// Every route: throughput, errors, latency percentiles (merged fleet-wide) and its share of the total time
// spent serving requests (req/s × mean latency), which is where optimisation pays.
import { memo, useMemo, useState } from 'react';
import type { RouteRow } from '../server/api/types.js';
import { formatDuration, formatExact, formatInteger, formatPercent, formatRps } from '../lib/format.js';
import { Link } from '../lib/link.js';
import { filterRoutes, sortRoutes, type RouteColumn } from '../lib/mappers/routes.js';
import { serializeViewState, type ViewState } from '../lib/url-state.js';

const HEADERS: { col: RouteColumn; label: string; num?: boolean; title?: string }[] = [
  { col: 'method', label: 'Method' },
  { col: 'route', label: 'Route' },
  { col: 'service', label: 'Service' },
  { col: 'rps', label: 'req/s', num: true },
  { col: 'errorRate', label: 'Errors', num: true, title: 'Share of 5xx responses' },
  {
    col: 'aborted',
    label: 'Aborted',
    num: true,
    title: 'Requests the client gave up on (closed the connection) before the response finished, in the window: not in req/s, errors or latency',
  },
  { col: 'p50', label: 'p50', num: true },
  { col: 'p90', label: 'p90', num: true },
  { col: 'p99', label: 'p99', num: true },
  { col: 'timeShare', label: 'Time share', num: true, title: 'Share of total request time: req/s × mean latency' },
];

export function RoutesTable({ routes, view }: { routes: RouteRow[]; view: ViewState }) {
  const [text, setText] = useState('');
  const [sort, setSort] = useState<{ col: RouteColumn; dir: 'asc' | 'desc' }>({ col: 'timeShare', dir: 'desc' });
  const shown = useMemo(() => sortRoutes(filterRoutes(routes, text), sort.col, sort.dir), [routes, text, sort]);
  const onSort = (col: RouteColumn) =>
    setSort((s) => (s.col === col ? { col, dir: s.dir === 'asc' ? 'desc' : 'asc' } : { col, dir: col === 'method' || col === 'route' || col === 'service' ? 'asc' : 'desc' }));
  return (
    <section className="panel" aria-label="Routes">
      <div className="toolbar">
        <input
          type="search"
          placeholder="Filter routes"
          aria-label="Filter routes by method, route or service"
          data-testid="routes-filter"
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <span className="muted" data-testid="routes-count">
          {shown.length} of {routes.length} routes
        </span>
      </div>
      <div className="table-wrap">
        <table data-testid="routes-table">
          <thead>
            <tr>
              {HEADERS.map((h) => (
                <th key={h.col} className={h.num ? 'num' : undefined} title={h.title} aria-sort={sort.col === h.col ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none'}>
                  <button type="button" onClick={() => onSort(h.col)} data-testid={`sort-${h.col}`}>
                    {h.label}
                    {sort.col === h.col ? (sort.dir === 'asc' ? ' ▲' : ' ▼') : ''}
                  </button>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {shown.map((r) => (
              <RouteTr key={`${r.service}|${r.method}|${r.route}`} r={r} view={view} />
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

const RouteTr = memo(function RouteTr({ r, view }: { r: RouteRow; view: ViewState }) {
  const p = new URLSearchParams(serializeViewState(view));
  p.set('method', r.method);
  p.set('route', r.route);
  if (!view.service) p.set('service', r.service);
  return (
    <tr data-testid="route-row" data-route={`${r.method} ${r.route}`}>
      <td className="mono">{r.method}</td>
      <td className="mono">
        <Link href={`/routes/detail?${p.toString()}`}>{r.route}</Link>
      </td>
      <td>{r.service}</td>
      <td className="num" title={formatExact('rps', r.rps)}>
        {formatRps(r.rps)}
      </td>
      <td className="num" title={formatExact('ratio', r.errorRate)}>
        {formatPercent(r.errorRate)}
      </td>
      {/* a route whose requests hang until their clients give up shows here, even with no request finished */}
      <td className={r.aborted > 0 ? 'num aborted' : 'num'} title={`${formatInteger(r.aborted)} aborted in the window`} data-testid="route-aborted">
        {r.aborted > 0 ? formatInteger(r.aborted) : <span className="muted">0</span>}
      </td>
      <td className="num" title={formatExact('seconds', r.latency.p50)}>
        {formatDuration(r.latency.p50)}
      </td>
      <td className="num" title={formatExact('seconds', r.latency.p90)}>
        {formatDuration(r.latency.p90)}
      </td>
      <td className="num" title={formatExact('seconds', r.latency.p99)}>
        {formatDuration(r.latency.p99)}
      </td>
      <td className="num" title={formatExact('ratio', r.timeShare)}>
        <span
          aria-hidden="true"
          style={{ display: 'inline-block', width: 60, height: 6, background: 'var(--panel-2)', marginRight: 6, verticalAlign: 'middle', borderRadius: 3 }}
        >
          <span style={{ display: 'block', width: `${Math.min(100, r.timeShare * 100)}%`, height: 6, background: 'var(--c1)', borderRadius: 3 }} />
        </span>
        {formatPercent(r.timeShare)}
      </td>
    </tr>
  );
});
