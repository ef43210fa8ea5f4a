'use client';
import { useMemo } from 'react';
import type { NodeRow, Series } from '../../server/api/types.js';
import { ConnectHelp, noAgentYet } from '../../components/connect-help.js';
import { UnknownService, unknownService } from '../../components/unknown-service.js';
import { NodesTable } from '../../components/nodes-table.js';
import { useApi, useNow, useStream, useTick, useView } from '../../lib/hooks.js';
import { sparklines } from '../../lib/mappers/sparklines.js';
import { RANGE_SPECS, statsWindowSeconds, windowParam } from '../../lib/url-state.js';

/** Sparkline points per row, whatever the range. */
const SPARK_POINTS = 30;

export function NodesClient() {
  const [view] = useView();
  const state = useStream(view.service);
  const tick = useTick(view, state);
  const now = useNow(5000);
  const spec = RANGE_SPECS[view.range];
  const nodesQ = useApi<NodeRow[]>('nodes', { service: view.service, window: windowParam(statsWindowSeconds(view.range)) }, tick);
  // Sparklines move slowly: one by-node query every 10 ticks, not every second.
  const sparkStep = Math.max(spec.step, Math.round(spec.seconds / SPARK_POINTS));
  const sparkQ = useApi<Series>(
    'series',
    { metric: 'latency.p99', by: 'node', step: sparkStep, window: windowParam(spec.seconds), limit: 1000, service: view.service },
    Math.floor(tick / 10),
  );
  const sparks = useMemo(() => sparklines(sparkQ.data), [sparkQ.data]);
  // no agent has reported: how to connect one, not an empty table (the stream turns the page into the table)
  if (noAgentYet(state.snapshot)) {
    return (
      <div data-testid="nodes-page">
        <ConnectHelp origin={typeof window === 'undefined' ? null : window.location.origin} />
      </div>
    );
  }
  const known = unknownService(state.snapshot, view.service);
  if (known && view.service) {
    return (
      <div data-testid="nodes-page">
        <UnknownService service={view.service} known={known} view={view} path="/nodes" />
      </div>
    );
  }
  return (
    <div data-testid="nodes-page">
      <h1>
        Nodes{view.service ? <span className="muted">: {view.service}</span> : null}{' '}
        <span className="muted" style={{ fontSize: 13, fontWeight: 400 }}>
          over {spec.live ? `the last ${statsWindowSeconds(view.range)} s` : spec.label.toLowerCase()}
        </span>
      </h1>
      {nodesQ.error && !nodesQ.data ? <p className="error-text">Could not load nodes: {nodesQ.error.message}</p> : null}
      {!nodesQ.data ? <p className="muted">Loading…</p> : <NodesTable nodes={nodesQ.data} view={view} now={now} sparks={sparks} />}
    </div>
  );
}
