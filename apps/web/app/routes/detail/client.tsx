'use client';
import { useMemo } from 'react';
import type { Finding, RouteRow, Series } from '../../../server/api/types.js';
import { ChartHeatmapLatency } from '../../../components/chart-heatmap-latency.js';
import { ChartLineLatency } from '../../../components/chart-line-latency.js';
import { ChartLineMetric } from '../../../components/chart-line-metric.js';
import { FindingsPanel } from '../../../components/findings-panel.js';
import { formatDuration, formatExact, formatPercent, formatRps } from '../../../lib/format.js';
import { useApi, useNow, useScrollToHash, useStream, useTick, useView } from '../../../lib/hooks.js';
import { Link } from '../../../lib/link.js';
import { slowestNodes } from '../../../lib/mappers/slowest.js';
import { hrefFor, RANGE_SPECS, statsWindowSeconds, windowParam } from '../../../lib/url-state.js';

export function RouteClient({ method, route }: { method: string; route: string }) {
  const [view] = useView();
  const state = useStream(view.service);
  const tick = useTick(view, state);
  const spec = RANGE_SPECS[view.range];
  const filter = useMemo(() => ({ route, method }), [route, method]);
  const routesQ = useApi<RouteRow[]>('routes', { service: view.service, window: windowParam(statsWindowSeconds(view.range)) }, tick);
  const row = useMemo(() => routesQ.data?.find((r) => r.route === route && r.method === method) ?? null, [routesQ.data, route, method]);
  // Slowest nodes: the store keeps each node's latency whole (not split by route), so this ranks the nodes
  // of the route's service by their p99 over the range; refreshed every 5 ticks.
  const service = view.service ?? row?.service ?? null;
  const byNodeQ = useApi<Series>(
    service ? 'series' : null,
    { metric: 'latency.p99', by: 'node', service, step: spec.step, window: windowParam(spec.seconds), limit: 1000 },
    Math.floor(tick / 5),
  );
  const slowest = useMemo(() => slowestNodes(byNodeQ.data, 10), [byNodeQ.data]);
  // The findings naming this route (live, whatever the range).
  const now = useNow(5000);
  const findingsQ = useApi<Finding[]>(route ? 'findings' : null, { route, method: method === '*' ? null : method, service: view.service }, tick);
  const findingsPage = useMemo(() => ({ kind: 'route' as const, method, route }), [method, route]);
  useScrollToHash();

  if (!route) {
    return (
      <p>
        No route selected. <Link href={hrefFor('/routes', view)}>Pick one from the routes table.</Link>
      </p>
    );
  }
  return (
    <div data-testid="route-page" data-route={`${method} ${route}`}>
      <p>
        <Link href={hrefFor('/routes', view)}>← Routes</Link>
      </p>
      <h1 className="mono">
        {method} {route}
      </h1>
      {routesQ.data && !row ? <p className="muted">No requests on this route in the selected window.</p> : null}
      {row ? (
        <section className="grid kpis" aria-label="Route summary">
          <Kpi label="Throughput" value={formatRps(row.rps)} exact={formatExact('rps', row.rps)} testId="route-rps" />
          <Kpi label="Error rate" value={formatPercent(row.errorRate)} exact={formatExact('ratio', row.errorRate)} />
          <Kpi label="p50" value={formatDuration(row.latency.p50)} exact={formatExact('seconds', row.latency.p50)} />
          <Kpi label="p90" value={formatDuration(row.latency.p90)} exact={formatExact('seconds', row.latency.p90)} />
          <Kpi label="p99" value={formatDuration(row.latency.p99)} exact={formatExact('seconds', row.latency.p99)} testId="route-p99" />
          <Kpi label="Time share" value={formatPercent(row.timeShare)} exact={formatExact('ratio', row.timeShare)} />
        </section>
      ) : null}
      <FindingsPanel
        findings={findingsQ.data}
        view={view}
        now={now}
        page={findingsPage}
        emptyText="No bottleneck found on this route: its latency and errors are in line with its own recent past and the rest of the fleet."
      />
      <div className="grid charts">
        <ChartLineLatency view={view} tick={tick} params={filter} title="Latency of this route" />
        <ChartLineMetric title="Throughput" testId="chart-rps" metric="rps" params={filter} view={view} tick={tick} />
        <ChartLineMetric title="Error rate (5xx)" testId="chart-error-rate" metric="errorRate" params={filter} view={view} tick={tick} />
        <section className="panel" aria-labelledby="slowest-title" data-testid="slowest-nodes">
          <h2 id="slowest-title">Slowest nodes{service ? ` of ${service}` : ''}</h2>
          <p className="muted" style={{ marginTop: 0 }}>
            p99 of all requests each node served (mean over the range).
          </p>
          {slowest.length === 0 ? (
            <p className="muted">{byNodeQ.data ? 'No per-node data for this route.' : 'Loading…'}</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>Instance</th>
                  <th className="num">p99 (mean)</th>
                  <th className="num">p99 (latest)</th>
                </tr>
              </thead>
              <tbody>
                {slowest.map((s) => (
                  <tr key={s.instance} data-testid="slow-node">
                    <td className="mono">
                      <Link href={hrefFor(`/nodes/${encodeURIComponent(s.instance)}`, view)}>{s.instance}</Link>
                    </td>
                    <td className="num" title={formatExact('seconds', s.mean)}>
                      {formatDuration(s.mean)}
                    </td>
                    <td className="num" title={formatExact('seconds', s.last)}>
                      {formatDuration(s.last)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </div>
      <ChartHeatmapLatency view={view} tick={tick} params={filter} title="Latency distribution of this route" />
    </div>
  );
}

function Kpi({ label, value, exact, testId }: { label: string; value: string; exact: string; testId?: string }) {
  return (
    <div className="panel kpi" title={exact} tabIndex={0}>
      <div className="label">{label}</div>
      <div className="value" data-testid={testId}>
        {value}
      </div>
    </div>
  );
}
