// The listening ports' accept queues (Linux): every port the app listens on, and while the app's loop is
// stalled the connections waiting in the queue of the port they connected to, read by the export thread from
// /proc/net/tcp and exported per server.port; empty again once accepted. The queues are read at every export
// here (PERF_LISTEN_QUEUE_INTERVAL=0) and the backlog is not exceeded: the host's overflow counters, which
// other tests' dashboards watch, stay untouched (listen-overflow.test.ts overflows a queue for real, in a
// network namespace of its own).
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { GaugeMetric } from '@perf/metrics';
import { findMetric, OtlpSink, type Received } from '../helpers/sink.js';
import { printed, startFixture, type Child } from '../helpers/processes.js';

const linux = process.platform === 'linux';

/** port → value of a per-port gauge in one export */
function perPort(r: Received, name: string): Map<number, number> {
  const m = findMetric(r, name) as GaugeMetric | undefined;
  return new Map((m?.points ?? []).map((p) => [Number(p.attributes['server.port']), p.value]));
}

describe('listen queues of the app\'s servers', { skip: linux ? false : 'Linux only (/proc/net/tcp)' }, () => {
  const sink = new OtlpSink();
  let app: Child;
  let small: number;
  let dflt: number;
  const sockets: Socket[] = [];

  before(async () => {
    await sink.start();
    app = await startFixture('listen-server.mjs', { OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, OTEL_SERVICE_NAME: 'listen', PERF_LISTEN_QUEUE_INTERVAL: '0' });
    small = Number(app.ready.small);
    dflt = Number(app.ready.dflt);
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    await app.kill();
    await sink.stop();
  });

  test('every port the app listens on is reported, with an empty queue while the app keeps up', async () => {
    const r = await sink.waitFor((x) => perPort(x, 'system.network.listen.queue').size === 2);
    assert.deepEqual(perPort(r, 'system.network.listen.queue'), new Map([[small, 0], [dflt, 0]]));
  });

  test('connections the stalled app has not accepted yet are in its queue, and leave it once accepted', async () => {
    const from = sink.received.length;
    app.proc.stdin!.write('stall\n');
    await printed(app, 'stalling');
    // the kernel completes these handshakes and queues them (backlog 64): the stalled app does not accept
    await Promise.all(
      Array.from({ length: 20 }, () => new Promise<void>((resolve, reject) => {
        const s = connect(small, '127.0.0.1', () => resolve());
        s.on('error', reject);
        sockets.push(s);
      })),
    );
    await printed(app, 'stalled');
    const during = sink.received.slice(from).map((x) => perPort(x, 'system.network.listen.queue').get(small));
    assert.ok(during.includes(20), `20 connections waiting during the stall; exports saw ${JSON.stringify(during)}`);
    // the other port's queue was never touched
    assert.ok(sink.received.slice(from).every((x) => (perPort(x, 'system.network.listen.queue').get(dflt) ?? 0) === 0));
    await sink.waitFor((x) => perPort(x, 'system.network.listen.queue').get(small) === 0, 10_000, true);
  });
});

// regression: a process scraped by Prometheus alone never showed its accept queues on /metrics (the export thread
// learnt the ports only from OTLP snapshots, and answered a scrape only with freshly read values)
test('Prometheus alone: /metrics carries every listening port\'s accept queue', { skip: linux ? false : 'Linux only' }, async () => {
  const app = await startFixture('listen-server.mjs', { OTEL_METRICS_EXPORTER: 'prometheus', PERF_PROMETHEUS_PORT: '0', PERF_PROMETHEUS_HOST: '127.0.0.1' });
  try {
    const url = `http://127.0.0.1:${String(app.ready.prometheusPort)}/metrics`;
    for (let scrape = 0; scrape < 3; scrape++) {
      const text = await (await fetch(url)).text();
      for (const port of [app.ready.small, app.ready.dflt]) {
        assert.match(text, new RegExp(`^system_network_listen_queue\\{server_port="${String(port)}"\\} 0$`, 'm'), `scrape ${scrape}, port ${String(port)}`);
      }
    }
  } finally {
    await app.kill();
  }
});
