// The server under test for the overhead benchmark (plain JS: no loader in the measured process).
//   BENCH_VARIANT = bare | agent | prom | otel | dc-min   (agent, otel, dc-min: preloaded with --import by run.ts)
//   BENCH_HANDLER = hello | json                 (json: ~1 ms of JSON work per request)
// GET /__stats answers this process's CPU time (µs) and the number of requests served, so the harness
// measures CPU per request from the server's own accounting.
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';

const variant = process.env.BENCH_VARIANT ?? 'bare';
const handlerKind = process.env.BENCH_HANDLER ?? 'hello';
let served = 0;

let observe = () => {};
if (variant === 'prom') {
  // what a careful user does with prom-client: a per-request histogram with route/status labels + default metrics
  const client = await import('prom-client');
  client.collectDefaultMetrics();
  const h = new client.Histogram({ name: 'http_request_duration_seconds', help: 'request duration', labelNames: ['method', 'route', 'status_code'] });
  observe = (req, res, seconds) => h.observe({ method: req.method, route: '/', status_code: res.statusCode }, seconds);
}
// otel and dc-min are preloaded with --import by run.ts (otel-preload.mjs, dc-min-preload.mjs)

// ~1 ms of JSON work: parse and stringify a document BENCH_JSON_REPS times
const doc = JSON.stringify({ items: Array.from({ length: 200 }, (_, i) => ({ id: i, name: `item-${i}`, tags: ['a', 'b', 'c'], price: i * 1.5 })) });
// the harness calibrates the reps once, so every server does the same work
const jsonReps = Number(process.env.BENCH_JSON_REPS ?? 1);
function jsonWork() {
  let out = '';
  for (let i = 0; i < jsonReps; i++) out = JSON.stringify(JSON.parse(doc));
  return out.length;
}

/** CPU time of the main thread alone (Linux: utime + stime of /proc/self/task/<pid>/stat, 10 ms ticks), to tell it from the other threads' */
function mainThreadMicros() {
  try {
    const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10_000;
  } catch {
    return NaN;
  }
}
/** context switches of every thread of this process (Linux; NaN elsewhere): wakeups of the agent's or V8's threads show here */
function contextSwitches() {
  try {
    let n = 0;
    for (const t of readdirSync('/proc/self/task')) {
      const status = readFileSync(`/proc/self/task/${t}/status`, 'utf8');
      n += Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(status)[1]) + Number(/nonvoluntary_ctxt_switches:\s+(\d+)/.exec(status)[1]);
    }
    return n;
  } catch {
    return NaN;
  }
}
const hello = Buffer.from('hello world');
const server = http.createServer((req, res) => {
  if (req.url === '/__stats') {
    const u = process.cpuUsage();
    res.end(JSON.stringify({ cpuMicros: u.user + u.system, userMicros: u.user, mainMicros: mainThreadMicros(), switches: contextSwitches(), served }));
    return;
  }
  served++;
  const t0 = variant === 'prom' ? performance.now() : 0;
  if (handlerKind === 'json') {
    const n = jsonWork();
    res.setHeader('content-type', 'application/json');
    res.end(`{"n":${n}}`);
  } else {
    res.end(hello);
  }
  if (variant === 'prom') observe(req, res, (performance.now() - t0) / 1000);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
