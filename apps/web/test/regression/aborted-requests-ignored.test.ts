// Regression (outside audit, "aborted requests ignored"): the agent exports http.server.aborted_requests, but the
// dashboard dropped it: a route whose requests hang until their clients give up appeared nowhere (/routes listed only
// the other routes, /fleet had no count of them, /series no metric). Over real sockets, in both encodings and both
// temporalities, with the older `http.method` attribute as other SDKs send it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeJson, encodeProtobuf } from '@perf/metrics';
import { postOtlp, testServer, waitFor } from '../server/lib/server.js';
import { abortedSum, expPoint, httpExp, request, resource } from '../server/lib/otlp.js';
import type { Fleet, RouteRow, Series } from '../../server/api/types.js';

const ns = (ms: number) => ms * 1e6;

test('a route whose requests all hang until the client aborts is listed with its aborted count; the fleet and series count them', async () => {
  const srv = await testServer();
  try {
    const now = Date.now();
    const start = ns(now);
    // node a: cumulative protobuf, a route that answers and one that hangs
    const a = (dt: number, hung: number) =>
      postOtlp(
        srv.otlpUrl,
        encodeProtobuf(
          request(resource('shop', 'a'), [
            httpExp('cumulative', [expPoint({ route: '/ok', start, time: ns(now + dt), offset: -7, counts: [10] })]),
            abortedSum('cumulative', [{ route: '/checkout', method: 'POST', start, time: ns(now + dt), value: hung }]),
          ]),
        ),
      );
    assert.equal((await a(0, 3)).status, 200);
    assert.equal((await a(500, 3)).status, 200); // nothing new
    assert.equal((await a(1000, 5)).status, 200); // +2
    // node b: delta JSON with the older attribute name
    const b = encodeJson(request(resource('shop', 'b'), [abortedSum('delta', [{ route: '/checkout', method: 'POST', legacyMethod: true, start: ns(now), time: ns(now + 1000), value: 4 }])]));
    assert.equal((await postOtlp(srv.otlpUrl, Buffer.from(b), { contentType: 'application/json' })).status, 200);
    const checkout = await waitFor(async () => {
      const [, rows] = await srv.get<RouteRow[]>('/api/v1/routes?window=60s');
      return rows.find((r) => r.method === 'POST' && r.route === '/checkout' && r.aborted === 9);
    }, 8000, 'POST /checkout with 9 aborted');
    assert.equal(checkout.requests, 0);
    assert.equal(checkout.service, 'shop');
    const [, fleet] = await srv.get<Fleet>('/api/v1/fleet?window=60s');
    assert.equal(fleet.aborted, 9);
    assert.equal(fleet.requests, 10);
    const [, series] = await srv.get<Series>('/api/v1/series?metric=aborted&window=60s&step=1s');
    const total = series.series[0].points.reduce((s, [, v]) => s + (v ?? 0), 0);
    assert.equal(total, 9);
  } finally {
    await srv.dispose();
  }
});
