// The live stream: one snapshot a second with id/retry, replay after Last-Event-ID, many clients cheaply.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request, type IncomingMessage } from 'node:http';
import { runSimulation } from '../../simulator/run.js';
import { testServer, sleep } from './lib/server.js';

interface Event {
  id?: string;
  event?: string;
  data?: string;
  retry?: string;
  at: number;
}

/** Opens the SSE stream and collects events until `stop()`. */
function openStream(url: string, headers: Record<string, string> = {}): { events: Event[]; comments: string[]; stop: () => void; ready: Promise<IncomingMessage> } {
  const events: Event[] = [];
  const comments: string[] = [];
  let buf = '';
  let res: IncomingMessage | undefined;
  const req = request(url, { headers: { accept: 'text/event-stream', ...headers } });
  const ready = new Promise<IncomingMessage>((resolve, reject) => {
    req.on('response', (r) => {
      res = r;
      r.setEncoding('utf8');
      r.on('data', (chunk: string) => {
        buf += chunk;
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const ev: Event = { at: Date.now() };
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line);
            const m = /^(\w+): ?(.*)$/.exec(line);
            if (m) (ev as unknown as Record<string, string>)[m[1]] = m[2];
          }
          events.push(ev);
        }
      });
      resolve(r);
    });
    req.on('error', reject);
  });
  req.end();
  return { events, comments, ready, stop: () => (res?.destroy(), req.destroy()) };
}

test('SSE: a snapshot every second, with id and retry; Last-Event-ID replays what was missed', async () => {
  const srv = await testServer();
  const run = runSimulation({ nodes: 5, rpsPerNode: 300, routes: 3, samplesPerNode: 60 }, { target: srv.otlpUrl }, { duration: 8 });
  try {
    const s = openStream(`${srv.url}/api/v1/stream`);
    const res = await s.ready;
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/event-stream/);
    await sleep(5500);
    s.stop();
    assert.equal(s.events[0].retry, '2000', 'the stream starts with retry:');
    const snaps = s.events.filter((e) => e.event === 'snapshot');
    assert.ok(snaps.length >= 4 && snaps.length <= 7, `${snaps.length} snapshots in 5.5 s`);
    const ids = snaps.map((e) => Number(e.id));
    for (let i = 1; i < ids.length; i++) assert.equal(ids[i], ids[i - 1] + 1, 'ids increase by one');
    for (let i = 2; i < snaps.length; i++) {
      const gap = snaps[i].at - snaps[i - 1].at;
      assert.ok(gap > 500 && gap < 1600, `about a second apart (${gap} ms)`);
    }
    const last = JSON.parse(snaps[snaps.length - 1].data!);
    assert.equal(last.seq, ids[ids.length - 1]);
    assert.ok(last.fleet.rps > 0, 'the snapshot carries the live fleet');
    assert.equal(last.nodes.length, 5);
    assert.ok(last.routes.length >= 1);
    assert.deepEqual(last.findings, []);
    // reconnect saying which event was seen last: the missed ones come first, in order
    const lastSeen = ids[ids.length - 1];
    await sleep(2200);
    const again = openStream(`${srv.url}/api/v1/stream`, { 'last-event-id': String(lastSeen) });
    await again.ready;
    await sleep(300);
    again.stop();
    const replayed = again.events.filter((e) => e.event === 'snapshot').map((e) => Number(e.id));
    assert.ok(replayed.length >= 2, `replayed ${replayed}`);
    assert.equal(replayed[0], lastSeen + 1);
  } finally {
    run.stop();
    run.sender.close();
    await srv.dispose();
  }
});

test('SSE: 100 clients get the same snapshot, computed once per second', async () => {
  const srv = await testServer();
  try {
    const clients = Array.from({ length: 100 }, () => openStream(`${srv.url}/api/v1/stream`));
    await Promise.all(clients.map((c) => c.ready));
    let computed = 0;
    const orig = srv.live.snapshot.bind(srv.live);
    srv.live.snapshot = (service, now) => {
      computed++;
      return orig(service, now);
    };
    await sleep(3200);
    const [, status] = await srv.get('/api/v1/status');
    assert.equal(status.stream.clients, 100);
    for (const c of clients) c.stop();
    assert.ok(computed >= 2 && computed <= 4, `${computed} snapshots computed for 100 clients over ~3 s`);
    const counts = clients.map((c) => c.events.filter((e) => e.event === 'snapshot').length);
    assert.ok(Math.min(...counts) >= 2, `every client got snapshots (min ${Math.min(...counts)})`);
    const lastIds = new Set(clients.map((c) => c.events.filter((e) => e.event === 'snapshot').slice(-1)[0]?.data));
    assert.ok(lastIds.size <= 2, 'the same serialized snapshot went to everyone');
  } finally {
    await srv.dispose();
  }
});

test('SSE: at most PERF_MAX_STREAMS clients at once; one more gets 503 with Retry-After, and a place again once one leaves', async () => {
  const srv = await testServer({ maxStreams: 3 });
  try {
    const clients = Array.from({ length: 3 }, () => openStream(`${srv.url}/api/v1/stream`));
    for (const c of clients) assert.equal((await c.ready).statusCode, 200);
    const refused = await fetch(`${srv.url}/api/v1/stream`);
    assert.equal(refused.status, 503);
    assert.equal(refused.headers.get('retry-after'), '5');
    const body = (await refused.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'PERF_API_STREAMS_FULL');
    assert.match(body.error.message, /PERF_MAX_STREAMS/);
    // the other endpoints are not limited by it
    assert.equal((await srv.get('/api/v1/fleet'))[0], 200);
    clients[0].stop();
    let again: IncomingMessage | undefined;
    for (let i = 0; i < 50 && again?.statusCode !== 200; i++) {
      await sleep(20);
      const s = openStream(`${srv.url}/api/v1/stream`);
      again = await s.ready;
      if (again.statusCode === 200) clients.push(s);
      else s.stop();
    }
    assert.equal(again?.statusCode, 200, 'a place again once a client left');
    for (const c of clients) c.stop();
  } finally {
    await srv.dispose();
  }
});
