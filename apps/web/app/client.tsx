'use client';
// Fleet overview: headline numbers, live charts of each, the latency heatmap and the findings panel.
import type { Fleet, Finding } from '../server/api/types.js';
import { ChartHeatmapLatency } from '../components/chart-heatmap-latency.js';
import { ChartLineEventLoop } from '../components/chart-line-event-loop.js';
import { ChartLineLatency } from '../components/chart-line-latency.js';
import { ChartLineMetric } from '../components/chart-line-metric.js';
import { ConnectHelp, noAgentYet } from '../components/connect-help.js';
import { FindingsPanel } from '../components/findings-panel.js';
import { KpiTiles } from '../components/kpi-tiles.js';
import { UnknownService, unknownService } from '../components/unknown-service.js';
import { useApi, useNow, useScrollToHash, useShownSnapshot, useStream, useTick, useView } from '../lib/hooks.js';
import { RANGE_SPECS, statsWindowSeconds, windowParam } from '../lib/url-state.js';

export function OverviewClient() {
  const [view] = useView();
  const state = useStream(view.service);
  const tick = useTick(view, state);
  const snap = useShownSnapshot(view, state);
  const spec = RANGE_SPECS[view.range];
  const now = useNow(5000);
  useScrollToHash();
  // Historical ranges: the headline numbers cover the whole range (live: the stream's last 10 s).
  const fleetQ = useApi<Fleet>(spec.live ? null : 'fleet', { service: view.service, window: windowParam(spec.seconds) }, tick);
  const findingsQ = useApi<Finding[]>(spec.live ? null : 'findings', { service: view.service, window: windowParam(spec.seconds) }, tick);
  const fleet = spec.live ? (snap?.fleet ?? null) : fleetQ.data;
  const findings = spec.live ? (snap?.findings ?? null) : findingsQ.data;
  const windowLabel = spec.live ? `the last ${statsWindowSeconds(view.range)} s` : spec.label.replace('Last ', 'the last ');

  if (noAgentYet(snap)) {
    return <ConnectHelp origin={typeof window === 'undefined' ? null : window.location.origin} />;
  }
  const known = unknownService(snap, view.service);
  if (known && view.service) return <UnknownService service={view.service} known={known} view={view} path="/" />;

  return (
    <div data-testid="overview">
      <h1>
        Fleet overview{view.service ? <span className="muted">: {view.service}</span> : null}
        {view.paused ? <span className="badge warning" style={{ marginLeft: 8 }}>paused</span> : null}
      </h1>
      <KpiTiles fleet={fleet} windowLabel={windowLabel} windowSeconds={spec.live ? undefined : spec.seconds} />
      {/* the why first: under the headline numbers, not below the charts (its heading sat at 816 px of a 900 px window,
          1707 px down at 800 px wide; outside UI audit) */}
      <FindingsPanel
        findings={findings}
        view={view}
        // the snapshot's clock when it is newer: a node down 3 s read "last heard now" on a 5 s clock
        now={Math.max(now, snap?.serverTime ?? 0)}
        down={spec.live && snap ? snap.nodes.filter((n) => !n.up && !n.stopped) : undefined}
        emptyText={
          fleet !== null && fleet.nodes === 0 && fleet.nodesDown > 0
            ? `No node is up (${fleet.nodesDown} down${fleet.nodesStopped > 0 ? `, ${fleet.nodesStopped} stopped` : ''}): there is nothing to diagnose until they report again. The nodes page shows when each was last heard from.`
            : undefined
        }
      />
      <div className="grid charts">
        <ChartLineMetric title="Throughput" testId="chart-rps" metric="rps" view={view} tick={tick} />
        <ChartLineLatency view={view} tick={tick} />
        <ChartLineMetric title="Error rate (5xx)" testId="chart-error-rate" metric="errorRate" view={view} tick={tick} />
        <ChartLineEventLoop view={view} tick={tick} />
      </div>
      <ChartHeatmapLatency view={view} tick={tick} />
    </div>
  );
}
