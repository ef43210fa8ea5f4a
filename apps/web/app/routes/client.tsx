'use client';
import type { RouteRow } from '../../server/api/types.js';
import { ConnectHelp, noAgentYet } from '../../components/connect-help.js';
import { UnknownService, unknownService } from '../../components/unknown-service.js';
import { RoutesTable } from '../../components/routes-table.js';
import { useApi, useStream, useTick, useView } from '../../lib/hooks.js';
import { RANGE_SPECS, statsWindowSeconds, windowParam } from '../../lib/url-state.js';

export function RoutesClient() {
  const [view] = useView();
  const state = useStream(view.service);
  const tick = useTick(view, state);
  const spec = RANGE_SPECS[view.range];
  const routesQ = useApi<RouteRow[]>('routes', { service: view.service, window: windowParam(statsWindowSeconds(view.range)) }, tick);
  // no agent has reported: how to connect one, not an empty table (the stream turns the page into the table)
  if (noAgentYet(state.snapshot)) {
    return (
      <div data-testid="routes-page">
        <ConnectHelp origin={typeof window === 'undefined' ? null : window.location.origin} />
      </div>
    );
  }
  const known = unknownService(state.snapshot, view.service);
  if (known && view.service) {
    return (
      <div data-testid="routes-page">
        <UnknownService service={view.service} known={known} view={view} path="/routes" />
      </div>
    );
  }
  return (
    <div data-testid="routes-page">
      <h1>
        Routes{view.service ? <span className="muted">: {view.service}</span> : null}{' '}
        <span className="muted" style={{ fontSize: 13, fontWeight: 400 }}>
          over {spec.live ? `the last ${statsWindowSeconds(view.range)} s` : spec.label.toLowerCase()}
        </span>
      </h1>
      {routesQ.error && !routesQ.data ? <p className="error-text">Could not load routes: {routesQ.error.message}</p> : null}
      {!routesQ.data ? <p className="muted">Loading…</p> : <RoutesTable routes={routesQ.data} view={view} />}
    </div>
  );
}
