'use client';
import { useEffect, useMemo, useState } from 'react';
import type { Finding, RouteRow, Series } from '../../../server/api/types.js';
import { ChartHeatmapLatency } from '../../../components/chart-heatmap-latency.js';
import { ChartLineLatency } from '../../../components/chart-line-latency.js';
import { ChartLineMetric } from '../../../components/chart-line-metric.js';
import { FindingsPanel } from '../../../components/findings-panel.js';
import { formatDuration, formatExact, formatInteger, formatPercent, formatRps } from '../../../lib/format.js';
import { useApi, useNow, useScrollToHash, useStream, useTick, useView } from '../../../lib/hooks.js';
import { Link } from '../../../lib/link.js';
import { pickRouteService, routeServices } from '../../../lib/mappers/route-services.js';
import { slowestNodes } from '../../../lib/mappers/slowest.js';
import { hrefFor, RANGE_SPECS, statsWindowSeconds, windowParam, type ViewState } from '../../../lib/url-state.js';

export function RouteClient({ method, route }: { method: string; route: string }) {
  const [view] = useView();
  const state = useStream(view.service);
  const tick = useTick(view, state);
  const spec = RANGE_SPECS[view.range];
  const filter = useMemo(() => ({ route, method }), [route, method]);
  // The route of one service at a time: two services serving `GET /users/:id` are different code, and the
  // tiles, charts, heatmap, findings and slowest nodes must all describe the same one. The URL's service=,
  // else the busiest service serving the route (kept while it serves it); the others are offered as links.
  // Asked of every service, to know who else serves it.
  const routesQ = useApi<RouteRow[]>('routes', { window: windowParam(statsWindowSeconds(view.range)) }, tick);
  const served = useMemo(() => routeServices(routesQ.data, method, route), [routesQ.data, method, route]);
  const [picked, setPicked] = useState<string | null>(null);
  const auto = pickRouteService(served, picked);
  useEffect(() => {
    if (view.service === null && auto !== picked) setPicked(auto);
  }, [view.service, auto, picked]);
  const service = view.service ?? auto;
  // until the routes answer, the service to ask for is not known (asking without one would mix services);
  // when no service served it in the window (or the call failed), every service is asked: nothing to mix
  const resolved = service !== null || routesQ.data !== null || routesQ.error !== null;
  const row = served.find((r) => r.service === service) ?? null;
  const others = served.filter((r) => r.service !== service);
  const routeView: ViewState = useMemo(() => ({ ...view, service }), [view, service]);
  // Slowest nodes: the store keeps each node's latency whole (not split by route), so this ranks the nodes
  // of the route's service by their p99 now (slowest.ts); refreshed every 5 ticks.
  const byNodeQ = useApi<Series>(
    service ? 'series' : null,
    { metric: 'latency.p99', by: 'node', service, step: spec.step, window: windowParam(spec.seconds), limit: 1000 },
    Math.floor(tick / 5),
  );
  const slowest = useMemo(() => slowestNodes(byNodeQ.data, 10), [byNodeQ.data]);
  // The findings naming this route (live, whatever the range).
  const now = useNow(5000);
  const findingsQ = useApi<Finding[]>(route && resolved ? 'findings' : null, { route, method: method === '*' ? null : method, service }, tick);
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
      <ServiceLine view={view} method={method} route={route} service={service} picked={view.service === null} others={others} />
      {routesQ.data && !row ? (
        <p className="banner warn" role="status" data-testid="route-no-requests" style={{ marginBottom: 12, borderRadius: 6 }}>
          No requests on this route{service ? ` in ${service}` : ''} in the window: nothing to show or diagnose for it.
        </p>
      ) : null}
      {row ? (
        <section className="grid kpis" aria-label="Route summary">
          <Kpi label="Throughput" value={formatRps(row.rps)} exact={formatExact('rps', row.rps)} testId="route-rps" />
          <Kpi label="Error rate" value={formatPercent(row.errorRate)} exact={formatExact('ratio', row.errorRate)} />
          <Kpi label="p50" value={formatDuration(row.latency.p50)} exact={formatExact('seconds', row.latency.p50)} />
          <Kpi label="p90" value={formatDuration(row.latency.p90)} exact={formatExact('seconds', row.latency.p90)} />
          <Kpi label="p99" value={formatDuration(row.latency.p99)} exact={formatExact('seconds', row.latency.p99)} testId="route-p99" />
          <Kpi label={`Time share of ${row.service}`} value={formatPercent(row.timeShare)} exact={`${formatExact('ratio', row.timeShare)} of ${row.service}'s request time`} />
          {row.aborted > 0 ? (
            <Kpi
              label="Aborted"
              value={formatInteger(row.aborted)}
              exact={`${formatInteger(row.aborted)} requests the clients gave up on before the response finished (not in throughput, errors or latency)`}
              testId="route-aborted"
              tone="warn"
            />
          ) : null}
        </section>
      ) : null}
      {!resolved ? (
        <p className="muted">Loading…</p>
      ) : (
        <>
          <FindingsPanel
            findings={findingsQ.data}
            view={routeView}
            now={now}
            page={findingsPage}
            emptyText={
              routesQ.data && !row
                ? 'No requests on this route in the window: nothing to diagnose.'
                : 'No bottleneck found on this route: its latency and errors are in line with its own recent past and the rest of the fleet.'
            }
          />
          <div className="grid charts">
            <ChartLineLatency view={routeView} tick={tick} params={filter} title="Latency of this route" />
            <ChartLineMetric title="Throughput" testId="chart-rps" metric="rps" params={filter} view={routeView} tick={tick} />
            <ChartLineMetric title="Error rate (5xx)" testId="chart-error-rate" metric="errorRate" params={filter} view={routeView} tick={tick} />
            {row !== null && row.aborted > 0 ? (
              <ChartLineMetric title="Aborted requests" testId="chart-aborted" metric="aborted" params={filter} view={routeView} tick={tick} />
            ) : null}
            <section className="panel" aria-labelledby="slowest-title" data-testid="slowest-nodes">
              <h2 id="slowest-title">Slowest nodes{service ? ` of ${service}` : ''}</h2>
              <p className="muted" style={{ marginTop: 0 }}>
                p99 of all requests each node served: now (the last tenth of the range), slowest first, and its mean over the range.
              </p>
              {slowest.length === 0 ? (
                <p className="muted">{byNodeQ.data ? 'No per-node data for this route.' : 'Loading…'}</p>
              ) : (
                <div className="table-wrap">
                  <table data-testid="slowest-nodes-table">
                    <thead>
                      <tr>
                        <th>Instance</th>
                        <th className="num">p99 now</th>
                        <th className="num">p99 (mean)</th>
                      </tr>
                    </thead>
                    <tbody>
                      {slowest.map((s) => (
                        <tr key={s.instance} data-testid="slow-node">
                          <td className="mono wrap">
                            <Link href={hrefFor(`/nodes/${encodeURIComponent(s.instance)}`, view)}>{s.instance}</Link>
                          </td>
                          <td className="num" title={formatExact('seconds', s.last)}>
                            {s.last === null ? <span className="muted">not reporting</span> : formatDuration(s.last)}
                          </td>
                          <td className="num" title={formatExact('seconds', s.mean)}>
                            {formatDuration(s.mean)}
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
            </section>
          </div>
          <ChartHeatmapLatency view={routeView} tick={tick} params={filter} title="Latency distribution of this route" />
        </>
      )}
    </div>
  );
}

/**
 * Which service's route the page shows, and links to the same route in the other services serving it
 * (the service selector in the top bar follows a link, as it follows the routes table's links).
 */
function ServiceLine({
  view,
  method,
  route,
  service,
  picked,
  others,
}: {
  view: ViewState;
  method: string;
  route: string;
  service: string | null;
  picked: boolean;
  others: readonly RouteRow[];
}) {
  if (service === null) return null;
  return (
    <p data-testid="route-service" data-service={service}>
      Service <strong>{service}</strong>
      {picked && others.length > 0 ? <span className="muted"> (the busiest of the {others.length + 1} services serving this route)</span> : null}
      {others.length > 0 ? (
        <>
          {' · also served by '}
          {others.map((o, i) => (
            <span key={o.service}>
              {i > 0 ? ', ' : null}
              <Link href={hrefFor('/routes/detail', { ...view, service: o.service }, { method, route })} data-testid="route-other-service" data-service={o.service}>
                {o.service}
              </Link>{' '}
              <span className="muted">({formatRps(o.rps)})</span>
            </span>
          ))}
        </>
      ) : null}
    </p>
  );
}

function Kpi({ label, value, exact, testId, tone }: { label: string; value: string; exact: string; testId?: string; tone?: 'warn' }) {
  return (
    <div className={tone ? `panel kpi ${tone}` : 'panel kpi'} title={exact} tabIndex={0}>
      <div className="label">{label}</div>
      <div className="value" data-testid={testId}>
        {value}
      </div>
    </div>
  );
}
