// Where the agent's CPU goes, by profile attribution: the hello-world server of run.ts (one core, loaded
// from the other by autocannon) sampled by Linux `perf` with JavaScript symbols (--perf-basic-prof), and
// each sample attributed to the agent when its stack is in the agent's code or the thread is the agent's
// export thread. Numerator and denominator come from the same run of the same process, so the share does not
// move with what the neighbours do (which swamps CPU-time comparisons between processes on this machine).
// It counts direct cost only: what the agent makes other code do (more GC for its allocations, cache misses
// it causes) is not attributed; run.ts measures the whole effect, with its noise.
//   node --import tsx bench/overhead/attribution.mjs     (≈ 3 min; needs Linux perf: Debian linux-perf; ATTR_ROUNDS, ATTR_SECONDS, ATTR_WARMUP,
//                                            ATTR_VARIANTS=bare,agent,dc-min; extra environment as for run.ts: 'agent?PERF_GC_SAMPLE_ABOVE=0')
//
// Categories (first match wins): export thread (every sample of the thread running the agent's worker);
// HTTP probe (HttpCollector: the two diagnostics_channel subscribers, their clock reads, the route lookup
// and the histogram record); GC probe (node's PerformanceObserver dispatch of 'gc' entries, node::performance
// GC callbacks, GcCollector); periodic (anything else in apps/agent or packages/metrics: the heartbeat,
// the event-loop sample, the snapshot); reference subscriber (dc-min-preload.mjs).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { median } from '../lib/report.js';

const here = dirname(fileURLToPath(import.meta.url));
const ROUNDS = Number(process.env.ATTR_ROUNDS ?? 3);
const SECONDS = Number(process.env.ATTR_SECONDS ?? 8);
/** load before sampling: past the JIT's warm-up and the one-off major GCs of a fresh isolate (≈ 1 s and ≈ 8 s after start) */
const WARMUP = Number(process.env.ATTR_WARMUP ?? 12);
const wanted = (process.env.ATTR_VARIANTS ?? 'bare,agent,dc-min').split(',');

if (spawnSync('perf', ['--version']).status !== 0) {
  console.error('Linux perf is not installed (Debian: apt-get install linux-perf); skipping.');
  process.exit(0);
}
const hasTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
const pin = (cpu, cmd, args) => (hasTaskset ? ['taskset', ['-c', cpu, cmd, ...args]] : [cmd, args]);

const CATEGORIES = [
  // the agent ships bundled (dist/chunk-*.js), so its code is told apart by function names (V8 keeps class names
  // in its code names: `HttpCollector.onFinish`); file names still match an unbundled build (diag builds)
  ['HTTP probe', /apps\/agent\/dist\/collectors\/http\.js|HttpCollector\./],
  ['GC probe', /node:internal\/perf\/observe|node::performance::.*GarbageCollection|GCPerformanceEntry|apps\/agent\/dist\/collectors\/gc\.js|GcCollector\./],
  ['periodic (heartbeat, event loop, snapshot)', /apps\/agent\/dist\/|packages\/metrics\/dist\//],
  ['reference subscriber', /dc-min-preload\.mjs/],
];
const EXPORT_THREAD = 'export thread';

const sink = createServer((req, res) => req.resume().on('end', () => res.end()));
await new Promise((r) => sink.listen(0, '127.0.0.1', r));
const sinkUrl = `http://127.0.0.1:${sink.address().port}`;
const dir = mkdtempSync(join(tmpdir(), 'perf-attr-'));

function load(port, seconds) {
  const [cmd, args] = pin('0', process.execPath, [join(here, 'load.mjs'), `http://127.0.0.1:${port}/`, String(seconds), '32']);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: here, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`load exited ${code}`))));
  });
}

/** one profiled round of a variant: sample counts per category */
async function measure(variant, round) {
  const [name, query] = variant.split('?');
  const extraEnv = Object.fromEntries(new URLSearchParams(query ?? ''));
  const preload = { agent: join(here, '../../apps/agent/dist/index.js'), 'dc-min': join(here, 'dc-min-preload.mjs') }[name];
  const [cmd, args] = pin('1', process.execPath, ['--perf-basic-prof', ...(preload ? ['--import', preload] : []), join(here, 'server.mjs')]);
  const server = spawn(cmd, args, {
    cwd: here,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, BENCH_VARIANT: 'bare', OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl, OTEL_SERVICE_NAME: 'bench-attribution', ...extraEnv },
  });
  const data = join(dir, `perf-${round}-${variant.replace(/\W+/g, '_')}.data`);
  try {
    const { port } = JSON.parse(await new Promise((resolve) => createInterface({ input: server.stdout }).once('line', resolve)));
    const pid = server.pid; // taskset execs node: same process
    await load(port, WARMUP); // warm-up: JIT, the agent's first exports, a fresh isolate's first major GCs
    const loaded = load(port, SECONDS + 2);
    await new Promise((r) => setTimeout(r, 1000));
    execFileSync('perf', ['record', '-q', '-F', '1999', '-g', '-p', String(pid), '-o', data, '--', 'sleep', String(SECONDS)], { stdio: 'ignore' });
    await loaded;
    return attribute(execFileSync('perf', ['script', '-i', data, '-F', 'tid,ip,sym'], { encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] }));
  } finally {
    server.kill('SIGKILL');
    await new Promise((r) => (server.exitCode !== null || server.signalCode !== null ? r() : server.once('exit', r)));
  }
}

/** perf script output (tid line, then one frame per line, blank line between samples) → counts per category */
function attribute(text) {
  const samples = [];
  const workerTids = new Set();
  for (const block of text.split('\n\n')) {
    const lines = block.split('\n').filter((l) => l.trim() !== '');
    if (lines.length === 0) continue;
    const tid = Number(lines[0].trim().split(/\s+/)[0]);
    const stack = lines.slice(1).join('\n');
    // the agent's export thread: its own worker (Worker::Run at the bottom of its stacks) running the export code
    if (stack.includes('node::worker::Worker::Run') || /apps\/agent\/dist\/(export\/)?worker\.js|@opentelemetry/.test(stack)) workerTids.add(tid);
    samples.push([tid, stack]);
  }
  const counts = { total: samples.length, [EXPORT_THREAD]: 0 };
  for (const [label] of CATEGORIES) counts[label] = 0;
  for (const [tid, stack] of samples) {
    if (workerTids.has(tid)) {
      counts[EXPORT_THREAD]++;
      continue;
    }
    const hit = CATEGORIES.find(([, re]) => re.test(stack));
    if (hit) counts[hit[0]]++;
  }
  return counts;
}


const results = new Map(wanted.map((v) => [v, []]));
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const v of wanted) {
      results.get(v).push(await measure(v, round));
      process.stderr.write(`  round ${round + 1}/${ROUNDS}: ${v} done\n`);
    }
  }
} finally {
  sink.close();
  rmSync(dir, { recursive: true, force: true });
}

const labels = [...CATEGORIES.map(([l]) => l), EXPORT_THREAD];
console.log(`# Agent CPU by profile attribution (perf, ${SECONDS} s of load per round, median of ${ROUNDS} rounds) — Node.js ${process.version}\n`);
console.log(`| variant | samples | attributed (all categories) | ${labels.join(' | ')} |`);
console.log(`| --- | --- | --- | ${labels.map(() => '---').join(' | ')} |`);
const pct = (x) => `${(x * 100).toFixed(2)}%`;
for (const [v, rounds] of results) {
  const share = (key) => median(rounds.map((c) => c[key] / c.total));
  const all = median(rounds.map((c) => labels.reduce((n, l) => n + c[l], 0) / c.total));
  console.log(`| ${v} | ${Math.round(median(rounds.map((c) => c.total)))} | ${pct(all)} (${rounds.map((c) => pct(labels.reduce((n, l) => n + c[l], 0) / c.total)).join(', ')}) | ${labels.map((l) => pct(share(l))).join(' | ')} |`);
}
