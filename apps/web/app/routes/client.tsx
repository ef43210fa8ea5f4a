'use client';
import type { RouteRow } from '../../server/api/types.js';
import { RoutesTable } from '../../components/routes-table.js';
import { useApi, useStream, useTick, useView } from '../../lib/hooks.js';
import { RANGE_SPECS, statsWindowSeconds, windowParam } from '../../lib/url-state.js';

export function RoutesClient() {
  const [view] = useView();
  const state = useStream(view.service);
  const tick = useTick(view, state);
  const spec = RANGE_SPECS[view.range];
  const routesQ = useApi<RouteRow[]>('routes', { service: view.service, window: windowParam(statsWindowSeconds(view.range)) }, tick);
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
