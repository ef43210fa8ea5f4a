// A real accept queue overflowing, seen through the agent's exports: the app's loop stalls while 20 clients
// connect to a port with listen() backlog 4. The kernel queues 5 (backlog + 1) and drops the other SYNs,
// counting each in TcpExt ListenOverflows and ListenDrops; the agent exports both counters (present and 0
// before, not absent) and, since they rose, reads the accept queue at that export: 5 waiting. The export
// interval for the queue is 60 s here, so a read mid-stall can only come from the overflow trigger.
//
// The counters belong to a network namespace, so this file re-runs itself in one of its own (see
// helpers/netns.ts): there they start at zero and every overflow is this test's.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import type { GaugeMetric, SumMetric } from '@perf/metrics';
import { findMetric, OtlpSink, type Received } from '../helpers/sink.js';
import { printed, startFixture, type Child } from '../helpers/processes.js';
import { IN_NETNS, netnsUnavailable, runInNetns, summary } from '../helpers/netns.js';

const BACKLOG = 4;
const CLIENTS = 20;

/** a cumulative counter's value in one export (undefined: not in it) */
function counter(r: Received, name: string): number | undefined {
  const m = findMetric(r, name) as SumMetric | undefined;
  return m?.points[0]?.value;
}

/** port → connections waiting, in one export */
function queues(r: Received): Map<number, number> {
  const m = findMetric(r, 'system.network.listen.queue') as GaugeMetric | undefined;
  return new Map((m?.points ?? []).map((p) => [Number(p.attributes['server.port']), p.value]));
}

if (!IN_NETNS) {
  test('a listen queue overflowing for real, in its own network namespace', { skip: netnsUnavailable(), timeout: 120_000 }, async () => {
    const { code, output } = await runInNetns(fileURLToPath(import.meta.url));
    assert.equal(code, 0, `the test inside the namespace failed:\n${output}`);
    assert.deepEqual(summary(output), { pass: 2, fail: 0 }, `the tests did not run inside the namespace:\n${output}`);
  });
} else {
  describe('a listen queue overflowing (inside a network namespace)', () => {
    const sink = new OtlpSink();
    let app: Child;
    let port: number;
    const sockets: Socket[] = [];

    before(async () => {
      await sink.start();
      app = await startFixture('listen-server.mjs', {
        OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint,
        OTEL_SERVICE_NAME: 'overflow',
        LISTEN_BACKLOG: String(BACKLOG),
        PERF_LISTEN_QUEUE_INTERVAL: '60000',
      });
      port = Number(app.ready.small);
    });
    after(async () => {
      for (const s of sockets) s.destroy();
      await app.kill();
      await sink.stop();
    });

    test('before: the counters are exported, at zero in a fresh namespace', async () => {
      const r = await sink.waitFor((x) => counter(x, 'system.network.listen.overflows') !== undefined);
      assert.equal(counter(r, 'system.network.listen.overflows'), 0);
      assert.equal(counter(r, 'system.network.listen.drops'), 0);
    });

    test('during a stall: backlog + 1 wait, the rest are dropped and counted, and the queue is read at once', async () => {
      const from = sink.received.length;
      app.proc.stdin!.write('stall\n');
      await printed(app, 'stalling');
      // the kernel answers the first backlog + 1 handshakes and drops the other SYNs (the clients retry later)
      for (let i = 0; i < CLIENTS; i++) {
        const s = connect(port, '127.0.0.1');
        s.on('error', () => {});
        sockets.push(s);
      }
      await printed(app, 'stalled');
      const r = await sink.waitFor((x) => (counter(x, 'system.network.listen.overflows') ?? 0) > 0, 10_000, true);
      const overflows = counter(r, 'system.network.listen.overflows')!;
      const drops = counter(r, 'system.network.listen.drops')!;
      assert.ok(overflows >= CLIENTS - (BACKLOG + 1), `${overflows} overflows for ${CLIENTS} connections to a queue of ${BACKLOG + 1}`);
      assert.ok(drops >= overflows, `drops (${drops}) count every overflow (${overflows}) and more`);
      // the snapshot handed over mid-stall: overflows had risen, so the queue was read then, full
      const during = sink.received.slice(from).map((x) => queues(x).get(port));
      console.log(`overflows ${overflows}, drops ${drops}, queue in exports during the stall: ${JSON.stringify(during)}`);
      assert.ok(during.includes(BACKLOG + 1), `a full queue (${BACKLOG + 1}) in an export during the stall; exports saw ${JSON.stringify(during)}`);
    });
  });
}
