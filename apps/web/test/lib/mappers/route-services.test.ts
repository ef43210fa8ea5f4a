import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RouteRow } from '../../../server/api/types.js';
import { pickRouteService, routeServices } from '../../../lib/mappers/route-services.js';

function row(service: string, method: string, route: string, rps: number, mean: number): RouteRow {
  const requests = rps * 10;
  return { service, method, route, rps, requests, mean, errors: 0, errorRate: 0, latency: { p50: mean, p90: mean, p99: mean }, p999: mean, timeShare: 0.5, aborted: 0 };
}

const rows = [
  row('search', 'GET', '/users/:id', 40, 0.01),
  row('checkout', 'GET', '/users/:id', 200, 0.005),
  row('checkout', 'POST', '/users/:id', 50, 0.02),
  row('checkout', 'GET', '/cart', 100, 0.01),
  row('search', 'GET', '/find', 40, 0.01),
];

test('routeServices: the services serving method + route, busiest first, time share within each service', () => {
  const served = routeServices(rows, 'GET', '/users/:id');
  assert.deepEqual(served.map((r) => r.service), ['checkout', 'search']);
  // checkout: 2000 req × 5 ms = 10 s of 10 + 10 + 10 = 30 s; search: 400 × 10 ms = 4 s of 8 s
  assert.ok(Math.abs(served[0].timeShare - 1 / 3) < 1e-12, String(served[0].timeShare));
  assert.ok(Math.abs(served[1].timeShare - 0.5) < 1e-12, String(served[1].timeShare));
  assert.deepEqual(routeServices(rows, 'DELETE', '/users/:id'), []);
  assert.deepEqual(routeServices(null, 'GET', '/users/:id'), []);
  // the input is not changed
  assert.equal(rows[1].timeShare, 0.5);
});

test('pickRouteService: the busiest, and then the same one while it still serves the route', () => {
  const served = routeServices(rows, 'GET', '/users/:id');
  assert.equal(pickRouteService(served, null), 'checkout');
  assert.equal(pickRouteService(served, 'search'), 'search', 'does not flip to the busier one');
  assert.equal(pickRouteService(served, 'gone'), 'checkout', 'a service that no longer serves it is replaced');
  assert.equal(pickRouteService([], 'search'), 'search', 'kept over a gap in the data');
  assert.equal(pickRouteService([], null), null);
});
