// SQLite persistence: a restart keeps history, a killed process keeps what was flushed, a corrupt file
// gives a clear message and a fresh start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runSimulation } from '../../simulator/run.js';
import { encodeProtobuf } from '@perf/metrics';
import { postOtlp, testServer, waitFor } from './lib/server.js';
import { expPoint, httpExp, request, resource } from './lib/otlp.js';
import { decodeState, encodeState, newState } from '../../server/ingest/series.js';
import { packState, unpackState } from '../../server/store/persist/saved-states.js';
import { deflateRawSync } from 'node:zlib';

const webDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

test('a restart on the same data dir keeps history (fleet, routes, nodes)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'perf-persist-'));
  try {
    const a = await testServer({ dataDir: dir });
    const run = runSimulation({ nodes: 4, rpsPerNode: 200, routes: 3, samplesPerNode: 50, service: 'kept' }, { target: a.otlpUrl }, { duration: 4 });
    await run.done;
    run.sender.close();
    const exp = run.sim.expected(120, run.completed[run.completed.length - 1]);
    await waitFor(async () => (await a.get('/api/v1/fleet?window=5m'))[1].requests === exp.requests, 8000, 'all data in');
    const [, routesBefore] = await a.get('/api/v1/routes?window=5m');
    const [, nodesBefore] = await a.get('/api/v1/nodes?window=5m');
    await a.close(); // graceful: settles the open seconds and flushes
    const b = await testServer({ dataDir: dir });
    try {
      const [, fleet] = await b.get('/api/v1/fleet?window=5m');
      assert.equal(fleet.requests, exp.requests, 'the same requests after the restart');
      const [, routes] = await b.get('/api/v1/routes?window=5m');
      assert.deepEqual(
        routes.map((r: { route: string; requests: number; latency: unknown }) => [r.route, r.requests, r.latency]),
        routesBefore.map((r: { route: string; requests: number; latency: unknown }) => [r.route, r.requests, r.latency]),
        'route rows and percentiles identical',
      );
      const [, nodes] = await b.get('/api/v1/nodes?window=5m');
      assert.equal(nodes.length, 4);
      assert.ok(nodes.every((n: { up: boolean; lastSeen: number }) => n.lastSeen > 0));
      // each node's window percentiles too (outside audit: null after a restart, "—" on the Nodes page)
      type Lat = { instance: string; latency: { p50: number | null; p99: number | null } };
      const lat = (rows: Lat[]) => rows.map((n) => [n.instance, n.latency.p50, n.latency.p99]).sort();
      assert.ok(nodesBefore.every((n: Lat) => n.latency.p99 !== null));
      assert.deepEqual(lat(nodes), lat(nodesBefore), 'node window percentiles identical');
      const [, series] = await b.get('/api/v1/series?metric=rps&window=5m&step=1s');
      const total = series.series[0].points.reduce((s: number, p: [number, number | null]) => s + (p[1] ?? 0), 0);
      assert.equal(total, exp.requests);
    } finally {
      await b.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a killed dashboard keeps what it flushed; a restart reads it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'perf-kill-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', '--no-ui'], {
    cwd: webDir,
    env: { ...process.env, PORT: '0', PERF_OTLP_PORT: '0', HOST: '127.0.0.1', PERF_DATA_DIR: dir, PERF_UI: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    const [port, otlpPort] = await waitFor(() => {
      const p = /dashboard: http:\/\/[^:]+:(\d+)/.exec(out);
      const o = /receiver: http:\/\/[^:]+:(\d+)/.exec(out);
      return p && o ? [Number(p[1]), Number(o[1])] : undefined;
    }, 20_000, 'the dashboard to print its ports');
    const run = runSimulation({ nodes: 3, rpsPerNode: 100, routes: 2, samplesPerNode: 20, service: 'crash' }, { target: `http://127.0.0.1:${otlpPort}` }, { duration: 3 });
    await run.done;
    run.sender.close();
    // wait until a flush after the data settled, then kill without warning
    const flushedRequests = await waitFor(async () => {
      const status = await (await fetch(`http://127.0.0.1:${port}/api/v1/status`)).json();
      const fleet = await (await fetch(`http://127.0.0.1:${port}/api/v1/fleet?window=5m`)).json();
      // (and the nodes' 10 s histogram slot holding the last data complete: settled 3 s after its end, then flushed)
      const last = run.completed[run.completed.length - 1];
      const slotSettled = ((Math.floor(last / 10) + 1) * 10 + 3) * 1000;
      return status.store.lastFlush !== null && status.store.lastFlush > Date.now() - 1500 && Date.now() / 1000 - last > 6 && status.store.lastFlush > slotSettled + 500 ? fleet.requests : undefined;
    }, 30_000, 'a flush after the data settled');
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const b = await testServer({ dataDir: dir });
    try {
      const [, fleet] = await b.get('/api/v1/fleet?window=5m');
      assert.equal(fleet.requests, flushedRequests, 'everything flushed before the kill is there');
      assert.ok(fleet.requests > 0);
      // the nodes' window percentiles are written as their 10 s slots complete: there after a crash too
      const [, nodes] = await b.get('/api/v1/nodes?window=5m');
      assert.equal(nodes.length, 3);
      assert.ok(nodes.every((n: { latency: { p99: number | null } }) => n.latency.p99 !== null), JSON.stringify(nodes.map((n: { latency: unknown }) => n.latency)));
      // the seconds from the last one written to the restart have no rate, not a rate of 0 (durability audit: a
      // dashboard's crash read as the fleet's traffic stopping)
      const [, series] = await b.get('/api/v1/series?metric=rps&step=1s&window=120s');
      const points = series.series[0].points as [number, number | null][];
      const since = points.findIndex(([, v]) => v !== null && v > 0);
      const written = points.slice(since).filter(([, v]) => v !== null && v > 0).length;
      const unknown = points.slice(since).filter(([, v]) => v === null).length;
      assert.ok(written >= 2 && unknown >= 2 && points.at(-1)![1] === null, `seconds with a rate ${written}, without ${unknown}: ${JSON.stringify(points.slice(since).map(([, v]) => v))}`);
    } finally {
      await b.close();
    }
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a corrupt data file is moved aside with a message and a fresh one started', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'perf-corrupt-'));
  try {
    writeFileSync(join(dir, 'perf.db'), Buffer.alloc(8192, 0x5a));
    const messages: string[] = [];
    const srv = await testServer({ dataDir: dir, log: (m) => messages.push(m) });
    try {
      assert.ok(messages.some((m) => /cannot be used/.test(m) && /moved to/.test(m)), messages.join('\n'));
      const [status, body] = await srv.get('/api/v1/status');
      assert.equal(status, 200);
      assert.equal(body.store.persistence, 'sqlite');
      assert.ok(readdirSync(dir).some((f) => f.startsWith('perf.db.corrupt-')));
    } finally {
      await srv.close();
    }
    // and the fresh file opens cleanly next time, without a message
    const again: string[] = [];
    const srv2 = await testServer({ dataDir: dir, log: (m) => again.push(m) });
    await srv2.close();
    assert.deepEqual(again, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a restart keeps each node’s last CPU, heap and allocation profiles', async () => {
  const { encodeJson, Metrics } = await import('@perf/metrics');
  const { postOtlp } = await import('./lib/server.js');
  const { request, resource } = await import('./lib/otlp.js');
  const dir = mkdtempSync(join(tmpdir(), 'perf-profiles-'));
  try {
    const a = await testServer({ dataDir: dir });
    const t = Date.now() - 20_000;
    const ns = (ms: number) => ms * 1e6;
    const gauge = (name: string, unit: string, start: number, end: number, rows: [string, number][]) => ({
      name,
      description: '',
      unit,
      type: 'gauge' as const,
      points: rows.map(([fn, value]) => ({ attributes: { 'code.function.name': fn, 'code.file.path': '/srv/app/a.js', 'code.line.number': 3, 'code.column.number': 1 }, startTimeUnixNano: ns(start), timeUnixNano: ns(end), flags: 0, value, isInt: false })),
    });
    const metrics = [
      gauge(Metrics.cpuProfileSelfTime, '1', t, t + 3000, [['renderInvoice', 0.7], ['(idle)', 0.3]]),
      gauge(Metrics.heapProfileLiveSize, 'By', t, t + 10_000, [['remember', 30e6]]),
      gauge(Metrics.allocationProfileSize, 'By', t + 1000, t + 4000, [['buildView', 600e6]]),
      { name: Metrics.heapUsed, description: '', unit: 'By', type: 'gauge' as const, points: [{ attributes: {}, startTimeUnixNano: 0, timeUnixNano: ns(Date.now()), flags: 0, value: 5e7, isInt: false }] },
    ];
    const r = await postOtlp(a.otlpUrl, Buffer.from(encodeJson(request(resource('kept', 'kept-1'), metrics))), { contentType: 'application/json' });
    assert.equal(r.status, 200);
    const before = await Promise.all(['profiles', 'heap-profiles', 'allocation-profiles'].map(async (p) => (await a.get(`/api/v1/${p}`))[1]));
    assert.deepEqual(before.map((l: unknown[]) => l.length), [1, 1, 1]);
    await a.close();
    const b = await testServer({ dataDir: dir });
    try {
      const after = await Promise.all(['profiles', 'heap-profiles', 'allocation-profiles'].map(async (p) => (await b.get(`/api/v1/${p}`))[1]));
      assert.deepEqual(after, before, 'the same profiles, field for field');
    } finally {
      await b.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a restart keeps each series\' cumulative state: the requests a node served while the dashboard was down are counted, once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'perf-states-'));
  const ns = (ms: number) => ms * 1e6;
  try {
    const a = await testServer({ dataDir: dir });
    const start = ns(Date.now()); // the node's process started after this dashboard: its first point is all new
    const send = (srv: { otlpUrl: string }, time: number, count: number) =>
      postOtlp(srv.otlpUrl, encodeProtobuf(request(resource('restarted', 'node-1'), [httpExp('cumulative', [expPoint({ start, time, offset: -7, counts: [count], sum: count * 0.01 })])])));
    assert.equal((await send(a, ns(Date.now()), 100)).status, 200);
    await waitFor(async () => (await a.get('/api/v1/fleet?window=5m'))[1].requests === 100, 8000, 'the first 100 in');
    await a.close();
    // the node goes on serving while the dashboard is down: 150 more by its next export
    const b = await testServer({ dataDir: dir });
    try {
      const t1 = ns(Date.now());
      assert.equal((await send(b, t1, 250)).status, 200);
      const f = await waitFor(async () => {
        const [, f] = await b.get('/api/v1/fleet?window=5m');
        return f.requests > 100 ? f : undefined;
      }, 8000, 'the export after the restart counted');
      assert.equal(f.requests, 250, '100 before the restart + 150 since');
      // a repeat of that export changes nothing; the next one adds its difference
      await send(b, t1, 250);
      assert.equal((await send(b, t1 + ns(500), 260)).status, 200);
      await waitFor(async () => (await b.get('/api/v1/fleet?window=5m'))[1].requests === 260, 8000, '260 in all');
      const [, status] = await b.get('/api/v1/status');
      assert.equal(status.ingest.duplicatePoints, 1);
      // a route the node serves for the first time after the restart counts whole too (its process is older
      // than this dashboard, but the dashboard knows the node's series)
      await postOtlp(
        b.otlpUrl,
        encodeProtobuf(request(resource('restarted', 'node-1'), [httpExp('cumulative', [expPoint({ start, time: t1 + ns(600), offset: -7, counts: [260], sum: 2.6 }), expPoint({ start, time: t1 + ns(600), offset: -7, counts: [7], sum: 0.07, route: '/new' })])])),
      );
      await waitFor(async () => (await b.get('/api/v1/fleet?window=5m'))[1].requests === 267, 8000, '260 + the new route\'s 7');
    } finally {
      await b.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// outside audit: a graceful stop wrote ~4 KB per series state (a cumulative histogram's counts as Float64s): 36k states
// took 146 MB and 9 s, 83k states 335 MB of a 505 MB file
test('saved series states are packed: a long-tailed cumulative histogram in a fraction of its raw bytes, read back exactly; deflated and raw ones still read', () => {
  const st = newState();
  st.time = 1.7e18;
  st.start = 1.6e18;
  const counts = new Float64Array(320);
  let x = 7;
  for (let i = 0; i < counts.length; i++) counts[i] = Math.round(1e6 * Math.exp(-((i - 90) ** 2) / 800) * (1 + ((x = (x * 48271) % 2147483647) % 100) / 1000));
  st.exp = { scale: 3, offset: -60, length: counts.length, counts, zeroCount: 0 };
  st.count = counts.reduce((a, b) => a + b, 0);
  st.sum = st.count * 0.02;
  const raw = encodeState(st);
  const packed = packState(raw);
  assert.ok(packed.byteLength * 3 < raw.byteLength, `${packed.byteLength} bytes packed of ${raw.byteLength}`);
  const back = decodeState(unpackState(packed))!;
  assert.deepEqual(Array.from(back.exp!.counts).slice(0, back.exp!.length), Array.from(counts));
  assert.equal(back.count, st.count);
  assert.equal(decodeState(unpackState(raw))!.count, st.count, 'a state an earlier dashboard saved raw');
  const deflated = Buffer.concat([Buffer.from('PSZ1'), deflateRawSync(raw)]);
  assert.deepEqual(Array.from(decodeState(unpackState(deflated))!.exp!.counts).slice(0, counts.length), Array.from(counts), 'one an earlier dashboard deflated');
  assert.equal(unpackState(Buffer.concat([Buffer.from('PSZ1'), Buffer.from('not deflate')])).byteLength, 0, 'damaged: left out');
  assert.equal(unpackState(packed.subarray(0, packed.byteLength - 3)).byteLength, 0, 'cut short: left out');
  // every kind of value comes back bit for bit: fractions, negatives, NaN, the largest varint and past it
  const odd = new Float64Array([0, 1, 0.5, -3, NaN, 2 ** 50, 2 ** 50 + 2, 1.7e18, Infinity, -0]);
  const again = new Float64Array(Uint8Array.from(unpackState(packState(Buffer.from(odd.buffer)))).buffer);
  assert.deepEqual(Array.from(again, (v) => Object.is(v, -0) ? '-0' : String(v)), Array.from(odd, (v) => Object.is(v, -0) ? '-0' : String(v)));
});

// a cumulative histogram is mostly empty buckets (a route's latencies fill a few dozen of hundreds): varints gave each
// a byte, twice deflate's size on the fleet simulator's states (bench:stop: 14.0 against 6.9 MB for 77k states)
test('saved series states code runs of empty buckets: a sparse histogram packs to about deflate\'s size, read back exactly; states packed before runs still read', () => {
  const st = newState();
  st.time = 1.7e18;
  st.start = 1.6e18;
  const counts = new Float64Array(600);
  for (let i = 0; i < counts.length; i++) if (i % 37 === 0 || (i > 200 && i < 230)) counts[i] = 3 + (i % 11) * 1000;
  st.exp = { scale: 6, offset: 100, length: counts.length, counts, zeroCount: 2 };
  st.count = counts.reduce((a, b) => a + b, 0) + 2;
  st.sum = st.count * 0.02;
  const raw = encodeState(st);
  const packed = packState(raw);
  const deflated = deflateRawSync(raw, { level: 1 }).byteLength + 4;
  assert.ok(packed.byteLength <= deflated * 1.25, `${packed.byteLength} bytes packed, ${deflated} deflated`);
  const back = decodeState(unpackState(packed))!;
  assert.deepEqual(Array.from(back.exp!.counts).slice(0, back.exp!.length), Array.from(counts));
  assert.equal(back.exp!.zeroCount, 2);
  // runs at the start, the end, and a lone zero between non-zeros; -0 stays -0 (not a run)
  const edges = new Float64Array([0, 0, 0, 5, 0, 7, -0, 0, 0, 1.5, 0, 0]);
  const again = new Float64Array(Uint8Array.from(unpackState(packState(Buffer.from(edges.buffer)))).buffer);
  assert.deepEqual(Array.from(again, (v) => Object.is(v, -0) ? '-0' : String(v)), Array.from(edges, (v) => Object.is(v, -0) ? '-0' : String(v)));
  // what a dashboard before runs wrote: 'PSV1', the count, then a code a value
  const before = Buffer.from([...Buffer.from('PSV1'), 4, 0, 0, 10, 0]);
  assert.deepEqual(Array.from(new Float64Array(Uint8Array.from(unpackState(before)).buffer)), [0, 0, 5, 0]);
  // damaged: a run past the count, a count no state has
  assert.equal(unpackState(Buffer.from([...Buffer.from('PSV2'), 3, 2, 7])).byteLength, 0, 'a run of 3 zeros in 3 values after one');
  assert.equal(unpackState(Buffer.from([...Buffer.from('PSV2'), 0xff, 0xff, 0xff, 0xff, 0x0f, 0xff, 0xff, 0xff, 0xff, 0x1f])).byteLength, 0, 'a huge count and run');
});

// ---- durability audit

const nsOf = (ms: number) => ms * 1e6;
function cumulative(srv: { otlpUrl: string }, instance: string, start: number, count: number, extra: Parameters<typeof request>[1] = []) {
  return postOtlp(srv.otlpUrl, encodeProtobuf(request(resource('durable', instance), [httpExp('cumulative', [expPoint({ start, time: nsOf(Date.now()), offset: -7, counts: [count], sum: count * 0.01 })]), ...extra])));
}

test('a node that said it stops is still stopped after a restart, never down, never a nodeDown alert', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'perf-stopped-'));
  try {
    const a = await testServer({ dataDir: dir });
    const stopping = { name: 'perf.agent.stopping', description: '', unit: '1', type: 'gauge' as const, points: [{ attributes: {}, startTimeUnixNano: 0, timeUnixNano: nsOf(Date.now()), flags: 0, value: 1, isInt: true }] };
    assert.equal((await cumulative(a, 'gone', nsOf(Date.now()), 5, [stopping])).status, 200);
    await waitFor(async () => (await a.get('/api/v1/nodes?service=durable'))[1][0]?.stopped === true, 8000, 'stopped');
    await a.close();
    const b = await testServer({ dataDir: dir, store: { nodeDownAfterMs: 10 } });
    try {
      const [, nodes] = await b.get('/api/v1/nodes?service=durable');
      assert.deepEqual(nodes.map((n: { instance: string; stopped: boolean; up: boolean }) => [n.instance, n.stopped, n.up]), [['gone', true, false]]);
      const [, fleet] = await b.get('/api/v1/fleet?service=durable');
      assert.deepEqual([fleet.nodesDown, fleet.nodesStopped], [0, 1]);
    } finally {
      await b.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('saved states outlive a stop longer than PERF_NODE_RETENTION and a start that failed (a port in use): the gap is counted', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'perf-longstop-'));
  const blocker = createServer();
  try {
    const a = await testServer({ dataDir: dir });
    const start = nsOf(Date.now());
    assert.equal((await cumulative(a, 'n1', start, 100)).status, 200);
    await waitFor(async () => (await a.get('/api/v1/fleet?window=5m'))[1].requests === 100, 8000, 'the first 100');
    await a.close();
    await new Promise((r) => setTimeout(r, 2500)); // longer than the restarted dashboard's node retention (2 s)
    // a start that fails on a taken port must not use the saved states up
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const taken = (blocker.address() as AddressInfo).port;
    await assert.rejects(testServer({ dataDir: dir, port: taken, store: { nodeRetentionMs: 2000 } }), /^Error: port \d+ \(PORT\) is in use: another program listens there, or a dashboard that is still stopping .*EADDRINUSE/);
    const b = await testServer({ dataDir: dir, store: { nodeRetentionMs: 2000 } });
    try {
      assert.equal((await cumulative(b, 'n1', start, 250)).status, 200);
      const f = await waitFor(async () => {
        const [, x] = await b.get('/api/v1/fleet?window=5m');
        return x.requests > 100 ? x : undefined;
      }, 8000, 'the export after the restart');
      assert.equal(f.requests, 250, '100 before + 150 served while the dashboard was stopped');
    } finally {
      await b.close();
    }
  } finally {
    blocker.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('one dashboard per data folder: a second one is refused with a message, and the first goes on', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'perf-twice-'));
  try {
    const a = await testServer({ dataDir: dir });
    try {
      await assert.rejects(testServer({ dataDir: dir }), /in use by another process \(another dashboard with the same PERF_DATA_DIR\?\)/);
      assert.equal((await cumulative(a, 'n1', nsOf(Date.now()), 3)).status, 200);
      assert.equal(readdirSync(dir).filter((f) => f.includes('corrupt')).length, 0, 'nothing moved aside');
    } finally {
      await a.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('damaged rows that pass the integrity check are left out with a message; the rest loads', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'perf-rows-'));
  try {
    const a = await testServer({ dataDir: dir });
    const run = runSimulation({ nodes: 2, rpsPerNode: 100, routes: 3, samplesPerNode: 20, service: 'rows' }, { target: a.otlpUrl }, { duration: 3 });
    await run.done;
    run.sender.close();
    await waitFor(async () => (await a.get('/api/v1/fleet?window=5m'))[1].requests > 0, 8000, 'data in');
    await a.close();
    const db = new Database(join(dir, 'perf.db'));
    const rows = (db.prepare('SELECT COUNT(*) AS n FROM route_slots WHERE tier = 0').get() as { n: number }).n;
    // one route's rows: one of the wrong length, the others garbage of the right length; the other routes intact
    const damaged = "tier = 0 AND route = (SELECT MIN(route) FROM route_slots)";
    db.prepare(`UPDATE route_slots SET hist = randomblob(length(hist)) WHERE ${damaged}`).run();
    db.prepare(`UPDATE route_slots SET hist = x'0102030405' WHERE ${damaged} AND slot = (SELECT MIN(slot) FROM route_slots WHERE ${damaged})`).run();
    db.prepare('UPDATE node_slots SET row = randomblob(length(row)) WHERE tier = 0 AND slot % 3 = 0').run();
    db.close();
    const logs: string[] = [];
    const b = await testServer({ dataDir: dir, log: (m: string) => logs.push(m) });
    try {
      assert.ok(logs.some((l) => /stored rows of .* are damaged .* and were left out/.test(l)), logs.join('\n'));
      const [status, fleet] = await b.get('/api/v1/fleet?window=5m');
      assert.equal(status, 200);
      assert.ok(fleet.requests > 0 && fleet.latency.p99 > 0 && fleet.latency.p99 < 10, JSON.stringify(fleet.latency));
      const [, routes] = await b.get('/api/v1/routes?window=5m');
      assert.equal(routes.length, 2, 'the damaged route has no rows left; the other two load');
      assert.ok(rows > 0);
    } finally {
      await b.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
