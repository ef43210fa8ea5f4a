import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RouteRow } from '../../../server/api/types.js';
import { routeValue, sortRoutes } from '../../../lib/mappers/routes.js';

function row(route: string, rps: number, aborted: number): RouteRow {
  const requests = rps * 60;
  return { service: 's', method: 'GET', route, rps, requests, mean: 0.01, errors: 0, errorRate: 0, latency: { p50: 0.01, p90: 0.01, p99: 0.01 }, p999: 0.01, timeShare: 0, aborted };
}

test('the Aborted column sorts hung routes (no request finished, some aborted) to the top', () => {
  const rows = [row('/busy', 100, 0), row('/hang', 0, 7), row('/flaky', 10, 2)];
  assert.equal(routeValue(rows[1], 'aborted'), 7);
  assert.deepEqual(
    sortRoutes(rows, 'aborted', 'desc').map((r) => r.route),
    ['/hang', '/flaky', '/busy'],
  );
});
