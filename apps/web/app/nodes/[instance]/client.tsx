'use client';
import { useMemo } from 'react';
import type { Finding, NodeRow, RouteRow } from '../../../server/api/types.js';
import { ChartHeatmapLatency } from '../../../components/chart-heatmap-latency.js';
import { ChartLineEventLoop } from '../../../components/chart-line-event-loop.js';
import { ChartLineLatency } from '../../../components/chart-line-latency.js';
import { ChartLineMetric } from '../../../components/chart-line-metric.js';
import { FindingsPanel } from '../../../components/findings-panel.js';
import { Allocations, HeapGrowth } from '../../../components/heap-growth.js';
import { HotCode } from '../../../components/hot-code.js';
import { stateOf } from '../../../lib/mappers/nodes.js';
import { formatAgo, formatBytes, formatDuration, formatInteger, formatPercent, formatRps } from '../../../lib/format.js';
import { formatDateTime } from '../../../lib/format-time.js';
import { useApi, useNow, useScrollToHash, useStream, useTick, useView } from '../../../lib/hooks.js';
import { Link } from '../../../lib/link.js';
import { hrefFor, serializeViewState, statsWindowSeconds, windowParam, type ViewState } from '../../../lib/url-state.js';

export function NodeClient({ instance }: { instance: string }) {
  const [view] = useView();
  const state = useStream(view.service);
  const tick = useTick(view, state);
  const now = useNow(1000);
  // `instance=` narrows the answer server-side (a 1,000-node fleet is not shipped to show one row).
  const nodesQ = useApi<NodeRow[]>('nodes', { instance, window: windowParam(statsWindowSeconds(view.range)) }, tick);
  const node = useMemo(() => nodesQ.data?.find((n) => n.instance === instance) ?? null, [nodesQ.data, instance]);
  const filter = useMemo(() => ({ instance }), [instance]);
  const serviceFilter = useMemo(() => ({ service: node?.service ?? null }), [node?.service]);
  // The findings naming this node (the diagnosis is live: every range shows the current ones).
  const findingsQ = useApi<Finding[]>('findings', { instance }, tick);
  const findingsPage = useMemo(() => ({ kind: 'node' as const, instance }), [instance]);
  useScrollToHash();

  // `/nodes` lists every node the store holds, whatever the window: no row means no such node (a typo, or
  // one dropped after the retention without data), so say so rather than draw a page of empty panels.
  // A node that is down still has its row and keeps its page.
  if (nodesQ.data && !node) {
    return (
      <section className="panel connect" data-testid="node-not-found" data-instance={instance} aria-labelledby="node-not-found-title">
        <h1 id="node-not-found-title">Node not found</h1>
        <p>
          No node named <span className="mono">{instance}</span> has reported to this dashboard (nodes are forgotten after the retention without
          data).
        </p>
        <p>
          <Link href={hrefFor('/nodes', view)}>← All nodes</Link>
        </p>
      </section>
    );
  }

  return (
    <div data-testid="node-page" data-instance={instance}>
      <p>
        <Link href={hrefFor('/nodes', view)}>← Nodes</Link>
      </p>
      <h1>
        <span className="mono">{instance}</span>{' '}
        {node ? (
          <span className={`badge ${stateOf(node)}`} data-testid="node-state">
            {stateOf(node)}
          </span>
        ) : null}
      </h1>
      {node && node.stopped ? (
        <div className="banner info" role="status" data-testid="node-stopped" style={{ marginBottom: 12, borderRadius: 6 }}>
          <strong>Node stopped</strong> {formatAgo(now - node.lastSeen)}: its agent said so in its last export ({formatDateTime(node.lastSeen)}), as
          at a graceful shutdown or a deploy. The charts stop there.
        </div>
      ) : null}
      {node && !node.up && !node.stopped ? (
        <div className="banner bad" role="alert" data-testid="node-down" style={{ marginBottom: 12, borderRadius: 6 }}>
          <strong>Node down:</strong> nothing received for {formatAgo(now - node.lastSeen).replace(' ago', '')} (last seen{' '}
          {formatDateTime(node.lastSeen)}). The charts stop at its last export.
        </div>
      ) : null}
      {node ? (
        <section className="grid kpis" aria-label="Node summary">
          <Info label="Service" value={node.service} />
          <Info label="Host" value={node.host} />
          <Info label="PID" value={node.pid === null ? '—' : String(node.pid)} />
          <Info label="Throughput" value={formatRps(node.rps)} testId="node-rps" />
          <Info label="Latency p99" value={formatDuration(node.latency.p99)} testId="node-p99" />
          {node.aborted > 0 ? (
            // requests its clients gave up on: no duration, so in neither the throughput nor the latency beside it
            <Info label="Aborted by clients" value={formatInteger(node.aborted)} testId="node-aborted" />
          ) : null}
          {node.inFlight !== null ? <Info label="In flight" value={formatInteger(node.inFlight)} testId="node-in-flight" /> : null}
          {node.inFlightRoutes && node.inFlightRoutes.length > 0 ? (
            // where its agent named them (10 or more in flight): which routes hold them
            <Info
              label="In flight, by route"
              value={node.inFlightRoutes
                .slice(0, 3)
                .map((r) => `${r.method} ${r.route}: ${formatInteger(r.count)}${r.answering > 0 ? ` (${formatInteger(r.answering)} being answered)` : ''}`)
                .join(' · ')}
              testId="node-in-flight-routes"
            />
          ) : null}
          <Info label="Loop delay p99" value={formatDuration(node.eventLoopDelay.p99)} />
          <Info label="ELU / CPU" value={`${formatPercent(node.elu)} / ${formatPercent(node.cpu)}`} />
          <Info label="Heap" value={`${formatBytes(node.heapUsed)}${node.heapLimit ? ` of ${formatBytes(node.heapLimit)}` : ''}`} />
          <Info label="RSS" value={formatBytes(node.rss)} />
          <Info label="Handles / fds" value={`${formatInteger(node.handles)} / ${formatInteger(node.fds)}`} />
          <Info label="Last seen" value={formatAgo(now - node.lastSeen)} testId="node-last-seen" />
          <Info label="Agent" value={node.version ?? '—'} />
        </section>
      ) : null}
      <FindingsPanel
        findings={findingsQ.data}
        view={view}
        now={now}
        page={findingsPage}
        emptyText="No bottleneck found on this node: nothing the finder watches (event-loop delay, CPU, GC, heap, latency, errors, load) stands out against the fleet or its own recent past."
      />
      {node?.version && /^opentelemetry\b/i.test(node.version) ? (
        // an OpenTelemetry SDK's own exporter (telemetry.sdk.name "opentelemetry", in every language): it takes no profiles
        <div className="banner info" role="status" data-testid="node-foreign-sdk" style={{ marginBottom: 12, borderRadius: 6 }}>
          This node reports through {node.version}, not the perf agent: hot code, heap growth and allocation profiles come from the agent (
          <code>node --import @perf/agent app.js</code>), which takes them when the node&apos;s loop is busy, its heap grows or GC runs hot.
        </div>
      ) : (
        <>
          <HotCode instance={instance} view={view} now={now} />
          <HeapGrowth instance={instance} view={view} now={now} />
          <Allocations instance={instance} view={view} now={now} />
        </>
      )}
      <div className="grid charts">
        <ChartLineMetric title="Throughput" testId="chart-rps" metric="rps" by="node" params={filter} view={view} tick={tick} />
        <ChartLineMetric title="Error rate (5xx)" testId="chart-error-rate" metric="errorRate" by="node" params={filter} view={view} tick={tick} />
        <ChartLineLatency view={view} tick={tick} by="node" params={filter} />
        <ChartLineMetric title="Requests in flight" testId="chart-in-flight" metric="inFlight" by="node" params={filter} view={view} tick={tick} />
        {node ? (
          // The store keeps routes fleet-wide per service (a node's histograms are not split by route), so this
          // chart shows the routes of the node's service; the node's own latency is the chart above.
          <ChartLineMetric
            title={`Latency p99 per route (${node.service}, all nodes)`}
            testId="chart-route-latency"
            metric="latency.p99"
            by="route"
            params={serviceFilter}
            view={view}
            tick={tick}
          />
        ) : null}
        {node ? <ServiceRoutes service={node.service} view={view} tick={tick} /> : null}
        <ChartLineEventLoop view={view} tick={tick} by="node" params={filter} />
        <ChartLineMetric title="Event-loop utilisation" testId="chart-elu" metric="elu" by="node" params={filter} view={view} tick={tick} />
        <ChartLineMetric title="CPU (of one core)" testId="chart-cpu" metric="cpu" by="node" params={filter} view={view} tick={tick} />
        <ChartLineMetric title="Heap used" testId="chart-heap" metric="heapUsed" by="node" params={filter} view={view} tick={tick} />
        <ChartLineMetric title="GC share of wall time" testId="chart-gc" metric="gcShare" by="node" params={filter} view={view} tick={tick} />
        <ChartLineMetric title="RSS" testId="chart-rss" metric="rss" by="node" params={filter} view={view} tick={tick} />
        <ChartLineMetric title="Active handles" testId="chart-handles" metric="handles" by="node" params={filter} view={view} tick={tick} />
        <ChartLineMetric title="Accept queue (connections waiting)" testId="chart-listen-queue" metric="listenQueue" by="node" params={filter} view={view} tick={tick} />
        <ChartLineMetric title="Event loop waiting for a CPU" testId="chart-run-delay" metric="runDelay" by="node" params={filter} view={view} tick={tick} />
        <ChartLineMetric
          title="CPU quota: periods throttled"
          testId="chart-cpu-throttled"
          metric="cpuThrottled"
          by="node"
          params={filter}
          view={view}
          tick={tick}
          emptyText="No CPU quota on this node in this range (no cgroup CPU limit reported): nothing to throttle."
        />
      </div>
      <ChartHeatmapLatency view={view} tick={tick} params={filter} />
    </div>
  );
}

function Info({ label, value, testId }: { label: string; value: string; testId?: string }) {
  return (
    <div className="panel kpi">
      <div className="label">{label}</div>
      <div className="value" style={{ fontSize: 16 }} data-testid={testId}>
        {value}
      </div>
    </div>
  );
}

/** how many of the service's routes are listed beside its per-route chart */
const ROUTE_LINKS = 12;

/**
 * The routes of the node's service, largest time share first, each a link to its page (the per-route chart above
 * names them in its legend only; outside audit O found no way from a node to its routes).
 */
function ServiceRoutes({ service, view, tick }: { service: string; view: ViewState; tick: number }) {
  const routesQ = useApi<RouteRow[]>('routes', { service, window: windowParam(statsWindowSeconds(view.range)) }, tick);
  const routes = routesQ.data?.slice(0, ROUTE_LINKS) ?? [];
  return (
    <section className="panel" data-testid="node-routes" aria-label={`Routes of ${service}`}>
      <h2 style={{ marginTop: 0 }}>Routes of {service}</h2>
      {routes.length === 0 ? (
        <p className="muted">{routesQ.data ? 'No requests in this range.' : 'Loading…'}</p>
      ) : (
        <ul className="plain">
          {routes.map((r) => {
            const p = new URLSearchParams(serializeViewState(view));
            p.set('method', r.method);
            p.set('route', r.route);
            p.set('service', r.service);
            return (
              <li key={`${r.method} ${r.route}`} className="mono">
                <Link href={`/routes/detail?${p.toString()}`} data-testid="node-route-link">
                  {r.method} {r.route}
                </Link>{' '}
                <span className="muted">
                  {formatRps(r.rps)}, p99 {formatDuration(r.latency.p99)}
                </span>
              </li>
            );
          })}
        </ul>
      )}
      {routesQ.data && routesQ.data.length > ROUTE_LINKS ? <p className="muted">and {routesQ.data.length - ROUTE_LINKS} more on the routes page</p> : null}
    </section>
  );
}
