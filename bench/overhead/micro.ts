// Micro-benchmark of the agent's per-request path alone: the two diagnostics_channel messages node:http
// publishes per request (request.start, response.finish), delivered to the real agent's subscribers, with
// real IncomingMessage/ServerResponse objects and a fresh URL string per request. Baseline: the same publishes with a no-op subscriber (Node
// builds the message object and calls subscribers either way once anyone subscribes).
//   node --import tsx bench/overhead/micro.ts
import dc from 'node:diagnostics_channel';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { ExponentialHistogram } from '@perf/metrics';
import { machine, median, table } from '../lib/report.js';

const N = 500_000;
const ROUNDS = 15;
const start = dc.channel('http.server.request.start');
const finish = dc.channel('http.server.response.finish');

// a pool of real request/response pairs on a few sockets (keep-alive: many requests per connection)
const sockets = Array.from({ length: 8 }, () => new Socket());
function makePool(size: number) {
  return Array.from({ length: size }, (_, i) => {
    const socket = sockets[i % sockets.length];
    const req = new IncomingMessage(socket);
    req.method = i % 10 === 0 ? 'POST' : 'GET';
    const url = Buffer.from(`/api/items/${i % 50}?page=${i % 7}`, 'latin1');
    const res = new ServerResponse(req);
    res.statusCode = i % 20 === 0 ? 404 : 200;
    return { req, res, socket, url };
  });
}

/** ns of this process's CPU time per request (CPU time, not wall time: steadier on a shared machine) */
function run(pool: ReturnType<typeof makePool>): number {
  const t0 = process.cpuUsage();
  for (let i = 0; i < N; i++) {
    const p = pool[i % pool.length];
    // a fresh URL string per request, as node:http's parser makes (its hash is not cached: a Map lookup pays it)
    p.req.url = p.url.toString('latin1');
    // what node:http does per request when the channels have subscribers: a fresh message object each time
    if (start.hasSubscribers) start.publish({ request: p.req, response: p.res, socket: p.socket, server: null });
    if (finish.hasSubscribers) finish.publish({ request: p.req, response: p.res, socket: p.socket, server: null });
  }
  const d = process.cpuUsage(t0);
  return ((d.user + d.system) * 1000) / N;
}

const noop = () => {};
function measureBaseline(pool: ReturnType<typeof makePool>): number {
  start.subscribe(noop);
  finish.subscribe(noop);
  const ns = run(pool);
  start.unsubscribe(noop);
  finish.unsubscribe(noop);
  return ns;
}

process.env.OTEL_EXPORTER_OTLP_ENDPOINT = 'http://127.0.0.1:9'; // nowhere: this measures recording only
process.env.OTEL_METRIC_EXPORT_INTERVAL = '3600000';
const api = await import('../../apps/agent/src/api.js');
const pool = makePool(1024);

const base: number[] = [];
const withAgent: number[] = [];
measureBaseline(pool);
const agent = api.start()!;
await agent.flush(); // the export thread is up and idle: its start-up CPU is not in the rounds
run(pool); // warm up the agent's path
for (let r = 0; r < ROUNDS; r++) {
  // interleave: agent's HTTP probe on, then off (process CPU time includes the idle export thread: ~0)
  withAgent.push(run(pool));
  agent.http.stop();
  base.push(measureBaseline(pool));
  agent.http.start();
}
await api.shutdown();

// the pieces, alone
const values = Array.from({ length: 4096 }, () => 0.0005 * Math.exp(Math.random() * 6));
function perOp(fn: (i: number) => void): number {
  for (let i = 0; i < N; i++) fn(i);
  const xs: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < N; i++) fn(i);
    xs.push(Number(process.hrtime.bigint() - t0) / N);
  }
  return median(xs);
}
let sink = 0;
const pnow = performance.now.bind(performance);
const loop = perOp((i) => { sink += i; });
const clockNs = perOp(() => { sink += pnow(); }) - loop;
const hrBigNs = perOp(() => { sink += Number(process.hrtime.bigint() & 1n); }) - loop;
const hrNs = perOp(() => { sink += process.hrtime()[1]; }) - loop;
// hidden-class question: node:http makes a fresh IncomingMessage per request, and the agent adds one own
// symbol property to it; the pool above reuses requests, so measure the transition on fresh objects here
const kProbe = Symbol('probe');
const fresh = perOp(() => { sink += new IncomingMessage(sockets[0]).complete ? 1 : 0; });
// the abort watch: one shared 'close' listener per connection (per request only without keep-alive)
const freshSocket = perOp(() => { sink += new Socket().readable ? 1 : 0; });
const freshSocketWatched = perOp(() => { const so = new Socket(); so.on('close', noop); sink += so.readable ? 1 : 0; });
const freshWithProp = perOp(() => { const r = new IncomingMessage(sockets[0]) as IncomingMessage & { [kProbe]?: number }; r[kProbe] = 1.5; sink += r[kProbe]; });
const eh = new ExponentialHistogram({ maxScale: 6, maxSize: 1024 });
const ehNs = perOp((i) => eh.record(values[i & 4095])) - loop;
void sink;

console.log(`# agent per-request path (micro) — ${machine()}`);
const b = median(base);
const a = median(withAgent);
table(['what', 'ns per request'], [
  ['2 publishes, no-op subscriber (baseline)', b],
  ['2 publishes, agent subscribed', a],
  ['agent per-request cost (difference)', a - b],
  ['  one performance.now() (two per request)', clockNs],
  ['  one process.hrtime.bigint(), for comparison', hrBigNs],
  ['  one process.hrtime() (allocates an array), for comparison', hrNs],
  ['  one own symbol property added to a fresh IncomingMessage (hidden-class transition)', freshWithProp - fresh],
  ['  socket.on(\'close\') on a fresh socket (once per connection)', freshSocketWatched - freshSocket],
  ['  ExponentialHistogram.record (scale 6, the agent\'s recorder)', ehNs],
]);
