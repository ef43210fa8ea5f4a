// Ingest before reads: reads and ingest share one event loop, and an outside audit's one client reading large answers
// back to back cut ingest from 500 to 10–110 exports a second (live nodes shown down). While an export has waited
// longer than PERF_API_SHED_AFTER to be applied, reads get 503 PERF_API_BUSY with Retry-After; the status and every
// export are answered, nothing is lost.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeProtobuf } from '@perf/metrics';
import { postOtlp, testServer, waitFor } from './lib/server.js';
import { expPoint, httpExp, request, resource } from './lib/otlp.js';

test('reads wait while exports wait to be applied; exports and the status are answered, all counted', async () => {
  // 40 nodes exporting back to back keep a queue of a few hundred ms on this shared loop: the line is set under it
  const srv = await testServer({ ingestQueue: 100_000, apiShedAfterMs: 50 });
  try {
    const ns = (ms: number) => ms * 1e6;
    const ROUTES = 400;
    const exportOf = (node: number, t: number) =>
      encodeProtobuf(request(resource('busy', `n${node}`), [httpExp('delta', Array.from({ length: ROUTES }, (_, r) => expPoint({ start: ns(t - 1000), time: ns(t), offset: -8 + (r % 5), counts: [1, 2, 3, 2, 1, 1], route: `/r${r}` })))]));
    // history for the reads to chew on
    await Promise.all(Array.from({ length: 20 }, (_, i) => postOtlp(srv.otlpUrl, exportOf(i, Date.now()))));
    let sent = 20;
    const posted: number[] = [];
    const reads: { status: number; code?: string; retryAfter: string | null }[] = [];
    const statuses: number[] = [];
    const until = Date.now() + 3000;
    const exporting = Array.from({ length: 40 }, async (_, w) => {
      for (let k = 0; Date.now() < until; k++) {
        posted.push((await postOtlp(srv.otlpUrl, exportOf(w * 1000 + k, Date.now()))).status);
        sent++;
      }
    });
    // one client reading back to back, as a script polling the API would (the body read, not parsed: this test shares
    // the dashboard's event loop)
    const reading = (async () => {
      while (Date.now() < until) {
        const r = await fetch(`${srv.url}/api/v1/series?metric=latency.p99&window=5m&step=1&service=busy`);
        const body = Buffer.from(await r.arrayBuffer());
        reads.push({ status: r.status, code: r.status === 503 ? (JSON.parse(body.toString()) as { error: { code: string } }).error.code : undefined, retryAfter: r.headers.get('retry-after') });
      }
    })();
    const watching = (async () => {
      while (Date.now() < until) {
        statuses.push((await fetch(`${srv.url}/api/v1/status`)).status);
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    await Promise.all([...exporting, reading, watching]);
    assert.deepEqual([...new Set(posted)], [200], 'every export answered 200');
    const busy = reads.filter((r) => r.status === 503);
    assert.ok(busy.length > 0, `${busy.length} of ${reads.length} reads refused`);
    for (const r of busy) {
      assert.equal(r.code, 'PERF_API_BUSY');
      assert.equal(r.retryAfter, '1');
    }
    assert.ok(statuses.every((s) => s === 200), 'the status answers throughout');
    const want = sent * ROUTES * 10;
    const fleet = await waitFor(async () => {
      const [status, f] = await srv.get<{ requests: number }>('/api/v1/fleet?service=busy&window=5m');
      return status === 200 && f.requests === want ? f : undefined;
    }, 15_000, 'every request counted once ingest caught up');
    assert.equal(fleet.requests, want);
    console.log(`ingest first: ${sent} exports, ${reads.length} reads of which ${busy.length} waited (503)`);
  } finally {
    await srv.dispose();
  }
});
