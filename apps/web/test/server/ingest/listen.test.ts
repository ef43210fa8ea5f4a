// The agent's listen-queue metrics through ingest: the host's overflow/drop counters (cumulative, since boot)
// become per-second increments — first point a baseline, repeats and older points ignored, a smaller value a
// reset — and the per-port accept-queue gauge is summed per node; the diagnosis sees both.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeProtobuf, Metrics, type Metric } from '@perf/metrics';
import { DiagnosisAdapter } from '../../../server/diagnose/adapter.js';
import { NodeField } from '../../../server/store/node.js';
import { postOtlp, testServer, waitFor } from '../lib/server.js';
import { request, resource } from '../lib/otlp.js';

const ns = (ms: number) => ms * 1e6;
const BOOT = ns(Date.now() - 86_400_000);

function counter(name: string, value: number, timeMs: number): Metric {
  return { name, description: '', unit: '{connection}', type: 'sum', temporality: 'cumulative', monotonic: true, points: [{ attributes: {}, startTimeUnixNano: BOOT, timeUnixNano: ns(timeMs), value, exemplars: [], flags: 0 } as never] };
}
function queue(perPort: [number, number][], timeMs: number): Metric {
  return {
    name: Metrics.listenQueue,
    description: '',
    unit: '{connection}',
    type: 'gauge',
    points: perPort.map(([port, value]) => ({ attributes: { 'server.port': port }, startTimeUnixNano: 0, timeUnixNano: ns(timeMs), value, exemplars: [], flags: 0 }) as never),
  };
}

test('listen overflows/drops become per-second increments and the accept queues add up per node', async () => {
  const srv = await testServer();
  try {
    const res = resource('svc', 'node-q');
    // each second's export sent in that second (the receiver moves early points to the next second)
    const now = Math.ceil(Date.now() / 1000) * 1000;
    const send = async (metrics: Metric[]) => {
      const at = Math.max(...metrics.map((m) => Number((m as { points: { timeUnixNano: number }[] }).points[0].timeUnixNano) / 1e6));
      await new Promise((r) => setTimeout(r, Math.max(0, at - Date.now() + 20)));
      return postOtlp(srv.otlpUrl, encodeProtobuf(request(res, metrics)));
    };
    // second 0: baselines (the counters count since boot); second 1: +7 overflows, +2 drops, queues 100 + 28;
    // a repeat of second 1 and an older point add nothing; second 2: the counter went down (reboot): +3
    assert.equal((await send([counter(Metrics.listenOverflows, 1000, now), counter(Metrics.listenDrops, 50, now)])).status, 200);
    assert.equal((await send([counter(Metrics.listenOverflows, 1007, now + 1000), counter(Metrics.listenDrops, 52, now + 1000), queue([[8080, 100], [8443, 28]], now + 1000)])).status, 200);
    assert.equal((await send([counter(Metrics.listenOverflows, 1007, now + 1000), counter(Metrics.listenOverflows, 1003, now + 500)])).status, 200);
    assert.equal((await send([counter(Metrics.listenOverflows, 3, now + 2000), queue([[8080, 0]], now + 2000)])).status, 200);
    const node = await waitFor(async () => {
      const n = srv.store.services.get('svc')?.nodes.get('node-q');
      return n !== undefined && n.tiers[0].get(now / 1000 + 2, NodeField.listenOverflows) === 3 ? n : undefined;
    }, 8000, 'the third second applied');
    const field = (t: number, f: number) => node.tiers[0].get(now / 1000 + t, f);
    assert.deepEqual([0, 1, 2].map((t) => field(t, NodeField.listenOverflows)), [NaN, 7, 3]);
    assert.deepEqual([0, 1].map((t) => field(t, NodeField.listenDrops)), [NaN, 2]);
    assert.deepEqual([1, 2].map((t) => field(t, NodeField.listenQueue)), [128, 0]);
    // what the finder's rules read
    const input = new DiagnosisAdapter(srv.store).build(now + 3000, 'svc');
    const w = input.nodes.find((n) => n.instance === 'node-q')!;
    assert.ok([...w.listenOverflows].includes(7) && [...w.listenOverflows].includes(3), `overflows ${[...w.listenOverflows]}`);
    assert.ok([...w.listenQueue].includes(128), `queue ${[...w.listenQueue]}`);
  } finally {
    await srv.dispose();
  }
});
