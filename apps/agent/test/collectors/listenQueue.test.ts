import assert from 'node:assert/strict';
import { createServer, type AddressInfo } from 'node:net';
import { test } from 'node:test';
import { ListenQueueCollector, parseListenQueues } from '../../src/collectors/listenQueue.js';
import { MetricBatch } from '../../src/recording/MetricBatch.js';
import { parseTcpExt } from '../../src/collectors/netstat.js';

// shaped like Linux's /proc/net/tcp and tcp6 (ports in hex: 1F90 = 8080, 1F91 = 8081, 0016 = 22)
const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000007 00:00000000 00000000     0        0 1001 1 0000000000000000 100 0 0 10 0
   1: 00000000:0016 00000000:0000 0A 00000000:00000003 00:00000000 00000000     0        0 1002 1 0000000000000000 100 0 0 10 0
   2: 0100007F:1F90 0100007F:D431 01 00000000:00000020 00:00000000 00000000     0        0 1003 1 0000000000000000 20 4 30 10 -1
   3: 0100007F:1F91 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1004 1 0000000000000000 100 0 0 10 0
`;
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000002 00:00000000 00000000     0        0 2001 1 0000000000000000 100 0 0 10 0
`;

test('accept queues: listening sockets of the given ports only, IPv4 and IPv6 added up, connections ignored', () => {
  const q = parseListenQueues([TCP, TCP6], new Set([8080, 8081]));
  // 8080: 7 (IPv4 listener) + 2 (IPv6 listener); the established connection's 0x20 bytes are not a queue
  assert.deepEqual(q, new Map([[8080, 9], [8081, 0]]));
  // port 22 listens too, but is not one of ours
  assert.equal(parseListenQueues([TCP], new Set([22])).get(22), 3);
  assert.deepEqual(parseListenQueues([TCP, TCP6], new Set([9999])), new Map());
  assert.deepEqual(parseListenQueues(['', 'garbage\nmore garbage'], new Set([8080])), new Map());
});

test('TcpExt: names and values of the pair of lines, other sections ignored', () => {
  const text = 'IpExt: InNoRoutes InOctets\nIpExt: 1 2\nTcpExt: SyncookiesSent ListenOverflows ListenDrops\nTcpExt: 0 12 15\n';
  const v = parseTcpExt(text);
  assert.equal(v.get('ListenOverflows'), 12);
  assert.equal(v.get('ListenDrops'), 15);
  assert.equal(v.get('InOctets'), undefined);
});

test('the tables are read at the first collect, then only when the listen overflows rose or the interval passed', { skip: process.platform === 'linux' ? false : 'Linux only' }, async () => {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const port = (server.address() as AddressInfo).port;
  let pressure: number | undefined;
  const probe = new ListenQueueCollector(true, () => pressure, 60_000);
  probe.setPorts([port]);
  const collect = () => {
    const batch = new MetricBatch(0, Date.now() * 1e6, 'otlp');
    probe.collect(batch);
    const m = batch.metrics.get('system.network.listen.queue') as { points: { attributes: Record<string, unknown>; value: number }[] } | undefined;
    return m?.points.map((p) => [p.attributes['server.port'], p.value]);
  };
  try {
    assert.deepEqual(collect(), [[port, 0]], 'first collect reads');
    pressure = 100;
    assert.equal(collect(), undefined, 'within the interval, no rise (the first pressure is a baseline): no read, no point');
    assert.equal(collect(), undefined);
    pressure = 103;
    assert.deepEqual(collect(), [[port, 0]], 'overflows rose: read at once');
    assert.equal(collect(), undefined, 'and not again until they rise again');
    probe.setPorts([port, port + 1]);
    assert.deepEqual(collect(), [[port, 0]], 'new ports: read at once (a port with no listening socket has no point)');
  } finally {
    server.close();
  }
});
