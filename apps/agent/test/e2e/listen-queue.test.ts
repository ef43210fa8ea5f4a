// The listening ports' accept queues (Linux): every port the app listens on, and, when the stalled app's
// queue overflows, the connections waiting in the queue of the port they connected to, read by the export
// thread from /proc/net/tcp (because the host's listen overflows rose) and exported per server.port.
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { GaugeMetric, SumMetric } from '@perf/metrics';
import { findMetric, OtlpSink, type Received } from '../helpers/sink.js';
import { startFixture, type Child } from '../helpers/processes.js';

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
    app = await startFixture('listen-server.mjs', { OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, OTEL_SERVICE_NAME: 'listen' });
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

  test('an accept queue that overflows while the app is stalled is read at once: the waiting connections, on their port', async () => {
    const printed = (line: string) =>
      new Promise<void>((resolve) => {
        const check = setInterval(() => {
          if (app.lines.includes(line)) resolve(clearInterval(check));
        }, 5);
      });
    const from = sink.received.length;
    const overflowsBefore = Math.max(0, ...sink.received.map((x) => (findMetric(x, 'system.network.listen.overflows') as SumMetric | undefined)?.points[0]?.value ?? 0));
    app.proc.stdin!.write('stall\n');
    await printed('stalling');
    // backlog 4: the kernel queues 4–5 of these (the app does not accept while stalled) and drops the rest's
    // handshakes, counted in ListenOverflows; the dropped ones retry after the stall
    for (let i = 0; i < 20; i++) {
      const s = connect(small, '127.0.0.1');
      s.on('error', () => {});
      sockets.push(s);
    }
    await printed('stalled');
    const during = sink.received.slice(from);
    const queued = during.map((x) => perPort(x, 'system.network.listen.queue').get(small));
    const read = during.find((x) => (perPort(x, 'system.network.listen.queue').get(small) ?? 0) >= 4);
    assert.ok(read, `a full queue (≥ 4 waiting) in an export during the stall; exports saw ${JSON.stringify(queued)}`);
    const overflows = (findMetric(read, 'system.network.listen.overflows') as SumMetric).points[0].value;
    assert.ok(overflows > overflowsBefore, `overflows rose: ${overflowsBefore} → ${overflows}`);
    // the other port's queue was never touched
    assert.equal(perPort(read, 'system.network.listen.queue').get(dflt), 0);
  });
});
