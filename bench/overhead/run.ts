// The overhead benchmark (issue 4): what the agent costs a server, measured as CPU time per request.
//   pnpm bench:overhead            (≈ 5 min; BENCH_ROUNDS, BENCH_SECONDS, BENCH_CONNECTIONS, BENCH_PIPELINING,
//                                   BENCH_MODE=paired|sequential|parallel, BENCH_SKIP_JSON=1,
//                                   BENCH_VARIANTS=bare,bare-again,agent,dc-min,prom,otel,agent-nohttp;
//                                   diagnostic pieces: diag-gc, diag-gcprof, diag-interval, diag-worker,
//                                   diag-dcnoop, diag-loaded, diag-import?BENCH_IMPORT=<dist/index.js>;
//                                   any variant with extra environment: 'agent?PERF_GC_SAMPLE_ABOVE=0')
//
// A hello-world node:http server per variant, pinned to one core (taskset), loaded from a process pinned to
// the other core with autocannon, in interleaved rounds. CPU µs per request = the server's own
// process.cpuUsage() delta / requests it served in the round: far steadier than req/s. Paired mode (the
// default): each round runs every variant at the same time as a bare server of its own, both on the server
// core, and takes the ratio within the pair, so both see the same neighbours at the same moment; `bare-again`
// (a second bare server) shows the noise floor of the run. The table shows medians of the per-round ratios,
// and the best (least disturbed) round of each. Each variant's CPU is also split into the main thread and
// the other threads (export thread, libuv pool, V8 helpers), from the server's /proc/self/task/<pid>/stat.
// A second table repeats bare vs agent with a handler doing ~1 ms of JSON work (the realistic case).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { machine, median, table } from '../lib/report.js';

const here = dirname(fileURLToPath(import.meta.url));
const agentEntry = join(here, '../../apps/agent/dist/index.js');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const PIPELINING = Number(process.env.BENCH_PIPELINING ?? 1);
/** requests per second offered to each server (0: as fast as it answers). A fixed rate below saturation gives every variant the same work per second, so per-request CPU is not skewed by how much each server batches. */
const RATE = Number(process.env.BENCH_RATE ?? 0);
// BENCH_MODE: paired (default: each variant runs at the
// same time as a bare server, both on the server core: the pair shares whatever the machine's neighbours
// do, so the ratio is far steadier), sequential (each server alone on its core, in turn), parallel (all at once)
const MODE = process.env.BENCH_MODE ?? 'paired';
const hasTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
const SERVER_CPU = '1';
const LOAD_CPU = '0';

interface Server {
  name: string;
  port: number;
  child: ChildProcess;
}

/** A sink that accepts OTLP exports (the agent and the OTel SDK export somewhere real, as in production). */
async function startSink(): Promise<{ url: string; close: () => void }> {
  const sink = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(sink.address() as AddressInfo).port}`, close: () => sink.close() };
}

/** Reps of the JSON work that take ~1 ms, calibrated once here so every server does the same work. */
const jsonReps = (() => {
  const doc = JSON.stringify({ items: Array.from({ length: 200 }, (_, i) => ({ id: i, name: `item-${i}`, tags: ['a', 'b', 'c'], price: i * 1.5 })) });
  for (let i = 0; i < 200; i++) JSON.stringify(JSON.parse(doc));
  const t0 = performance.now();
  for (let i = 0; i < 400; i++) JSON.stringify(JSON.parse(doc));
  return Math.max(1, Math.round(1 / ((performance.now() - t0) / 400)));
})();

async function startServer(name: string, spec: string, handler: string, sinkUrl: string): Promise<Server> {
  // `variant?NAME=value&…`: the variant with extra environment, e.g. agent?PERF_EVENTLOOP_RESOLUTION=1000
  const [variant, query] = spec.split('?');
  const extraEnv = Object.fromEntries(new URLSearchParams(query ?? ''));
  const preload: Record<string, string> = {
    agent: agentEntry,
    'agent-nohttp': join(here, 'agent-nohttp-preload.mjs'),
    otel: join(here, 'otel-preload.mjs'),
    'dc-min': join(here, 'dc-min-preload.mjs'),
  };
  // diag-<what>: one piece of the agent alone (diag-preload.mjs)
  if (variant.startsWith('diag-')) preload[variant] = join(here, 'diag-preload.mjs');
  const nodeArgs = preload[variant] ? ['--import', preload[variant]] : [];
  const cmd = hasTaskset ? 'taskset' : process.execPath;
  const args = hasTaskset ? ['-c', SERVER_CPU, process.execPath, ...nodeArgs, join(here, 'server.mjs')] : [...nodeArgs, join(here, 'server.mjs')];
  const child = spawn(cmd, args, {
    cwd: here,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: {
      ...process.env,
      BENCH_VARIANT: variant,
      BENCH_DIAG: variant.replace(/^diag-/, ''),
      BENCH_HANDLER: handler,
      BENCH_JSON_REPS: String(jsonReps),
      OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl,
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `${sinkUrl}/v1/metrics`,
      OTEL_SERVICE_NAME: `bench-${name}`,
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
      OTEL_METRICS_EXPORTER: 'none',
      ...extraEnv,
    },
  });
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`${name} server exited (${code})`)));
  });
  return { name, port: JSON.parse(line).port as number, child };
}

interface Stats {
  cpuMicros: number;
  userMicros: number;
  mainMicros: number;
  switches: number;
  served: number;
}
async function stats(port: number): Promise<Stats> {
  const r = await fetch(`http://127.0.0.1:${port}/__stats`);
  return (await r.json()) as Stats;
}

/** warm-up load, all servers at once, before the rounds (s; BENCH_WARMUP): the JIT, the agent's first exports, a fresh isolate's one-off major GCs (≈ 1 s and ≈ 8 s after start) */
const WARMUP = Number(process.env.BENCH_WARMUP ?? 15);

function load(port: number, seconds = SECONDS): Promise<{ requests: number; rps: number; errors: number }> {
  const cmd = hasTaskset ? 'taskset' : process.execPath;
  const script = join(here, 'load.mjs');
  const args = [`http://127.0.0.1:${port}/`, String(seconds), String(CONNECTIONS), String(PIPELINING), String(RATE)];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, hasTaskset ? ['-c', LOAD_CPU, process.execPath, script, ...args] : [script, ...args], { cwd: here, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`load exited ${code}`))));
  });
}

interface Sample {
  usPerReq: number;
  /** the main thread's share (the rest: the agent's export thread, libuv's pool, V8's helpers) */
  mainUsPerReq: number;
  /** user-space share (the rest is the kernel's: networking, scheduling, page faults) */
  userUsPerReq: number;
  /** context switches of all the process's threads per 1,000 requests */
  switchesPerK: number;
  rps: number;
}

async function round(server: Server): Promise<Sample> {
  const before = await stats(server.port);
  const t0 = performance.now();
  await load(server.port);
  const after = await stats(server.port);
  const served = after.served - before.served;
  const seconds = (performance.now() - t0) / 1000;
  return {
    usPerReq: (after.cpuMicros - before.cpuMicros) / served,
    mainUsPerReq: (after.mainMicros - before.mainMicros) / served,
    userUsPerReq: (after.userMicros - before.userMicros) / served,
    switchesPerK: ((after.switches - before.switches) * 1000) / served,
    rps: served / seconds,
  };
}

async function compare(title: string, variants: [string, string][], handler: string, sinkUrl: string): Promise<void> {
  const servers: Server[] = [];
  for (const [name, variant] of variants) servers.push(await startServer(name, variant, handler, sinkUrl));
  // paired mode: each variant has a bare partner of its own, so every process idles and runs alike
  // (one bare server shared by all pairs would stay warm while each variant waits its turn)
  const partners = new Map<string, Server>();
  if (MODE === 'paired') for (const s of servers.slice(1)) partners.set(s.name, await startServer(`bare partner of ${s.name}`, 'bare', handler, sinkUrl));
  try {
    // warm-up: JIT, connection pools, the agent's first routes
    await Promise.all([...servers, ...partners.values()].map((s) => load(s.port, WARMUP)));
    const samples = new Map<string, Sample[]>(servers.map((s) => [s.name, []]));
    /** paired mode: the bare server's sample taken alongside each variant, per round */
    const pairedBare = new Map<string, Sample[]>(servers.map((s) => [s.name, []]));
    for (let r = 0; r < ROUNDS; r++) {
      if (MODE === 'parallel') {
        const results = await Promise.all(servers.map((s) => round(s)));
        servers.forEach((s, i) => samples.get(s.name)!.push(results[i]));
      } else if (MODE === 'paired') {
        for (const s of servers.slice(1)) {
          const [b, x] = await Promise.all([round(partners.get(s.name)!), round(s)]);
          samples.get(s.name)!.push(x);
          pairedBare.get(s.name)!.push(b);
          samples.get(servers[0].name)!.push(b);
        }
      } else for (const s of servers) samples.get(s.name)!.push(await round(s));
      process.stderr.write(`  round ${r + 1}/${ROUNDS} done\n`);
    }
    const bareAll = samples.get(servers[0].name)!;
    /** the bare samples to compare variant `name` with, round by round */
    const bareFor = (name: string) => (MODE === 'paired' && name !== servers[0].name ? pairedBare.get(name)! : bareAll);
    console.log(`\n## ${title}\n`);
    const pct = (r: number) => `${r >= 1 ? '+' : ''}${((r - 1) * 100).toFixed(1)}%`;
    const bareMin = Math.min(...bareAll.map((x) => x.usPerReq));
    table(
      ['variant', 'CPU µs/request (median)', 'CPU vs bare (median of per-round ratios)', 'CPU µs/request (best round)', 'best vs bare best', 'req/s (median)', 'req/s vs bare'],
      servers.map((s) => {
        const xs = samples.get(s.name)!;
        const bare = bareFor(s.name);
        const cpuRatio = median(xs.map((x, i) => x.usPerReq / bare[i].usPerReq));
        const rpsRatio = median(xs.map((x, i) => x.rps / bare[i].rps));
        const best = Math.min(...xs.map((x) => x.usPerReq));
        const bestBare = MODE === 'paired' ? Math.min(...bare.map((x) => x.usPerReq)) : bareMin;
        return [s.name, median(xs.map((x) => x.usPerReq)), pct(cpuRatio), best, pct(best / bestBare), Math.round(median(xs.map((x) => x.rps))), pct(rpsRatio)];
      }),
    );
    console.log(`\nCPU µs/request, median: main thread / other threads: ${servers.map((s) => { const xs = samples.get(s.name)!; const main = median(xs.map((x) => x.mainUsPerReq)); return `${s.name}: ${main.toFixed(2)} / ${median(xs.map((x) => x.usPerReq - x.mainUsPerReq)).toFixed(2)}`; }).join('; ')}`);
    console.log(`\nCPU µs/request, median: user / system, and context switches per 1,000 requests: ${servers.map((s) => { const xs = samples.get(s.name)!; const user = median(xs.map((x) => x.userUsPerReq)); return `${s.name}: ${user.toFixed(2)} / ${median(xs.map((x) => x.usPerReq - x.userUsPerReq)).toFixed(2)}, ${median(xs.map((x) => x.switchesPerK)).toFixed(1)}`; }).join('; ')}`);
    console.log(`\nper-round CPU µs/request: ${servers.map((s) => `${s.name}: ${samples.get(s.name)!.map((x) => x.usPerReq.toFixed(1)).join(' ')}`).join('; ')}`);
  } finally {
    for (const s of [...servers, ...partners.values()]) s.child.kill('SIGTERM');
  }
}

const sink = await startSink();
console.log(`# Agent overhead — ${machine()}`);
console.log(`mode ${MODE}: ${ROUNDS} interleaved rounds of ${SECONDS} s, ${CONNECTIONS} connections × pipelining ${PIPELINING}, server ${hasTaskset ? `pinned to CPU ${SERVER_CPU}, load on CPU ${LOAD_CPU}` : 'unpinned (no taskset)'}; medians of per-round ratios to bare.`);
try {
  const all: [string, string][] = [
    ['bare', 'bare'],
    ['@perf/agent', 'agent'],
    ['bare-minimum diagnostics_channel subscriber (reference)', 'dc-min'],
    ['prom-client histogram + default metrics', 'prom'],
    ['OpenTelemetry NodeSDK + instrumentation-http', 'otel'],
    ['@perf/agent without its HTTP probe (diagnostic)', 'agent-nohttp'],
    // a second bare server: the A/A comparison shows the noise floor of the run
    ['bare again (noise floor)', 'bare-again'],
  ];
  // BENCH_VARIANTS=bare,agent,… runs a subset (bare is always first: it is the baseline)
  const wanted = (process.env.BENCH_VARIANTS ?? 'bare,bare-again,agent,dc-min,prom,otel').split(',');
  for (const v of wanted) if (v.startsWith('diag-') || v.includes('?')) all.push([`${v} (diagnostic)`, v]);
  await compare('hello world (worst case: the handler does nothing)', all.filter(([, v]) => v === 'bare' || wanted.includes(v)), 'hello', sink.url);
  if (process.env.BENCH_SKIP_JSON !== '1')
    await compare(
    'handler doing ~1 ms of JSON work (realistic)',
    [
      ['bare', 'bare'],
      ['@perf/agent', 'agent'],
    ],
    'json',
    sink.url,
  );
} finally {
  sink.close();
}
