// Per-request work of the agent in instructions, not seconds: the hello-world server of run.ts under
// valgrind's callgrind, which counts the user-space instructions every thread of the process executes.
// Unlike CPU time on this shared machine, the count hardly moves with what the neighbours do, so it can
// resolve differences of 1–2% that run.ts's noise floor (±3%) cannot.
//   node --import tsx bench/overhead/instructions.mjs        (≈ 6 min; needs Debian's valgrind; INSTR_ROUNDS, INSTR_WARMUP, INSTR_REQUESTS;
//   INSTR_VARIANTS=bare,agent (a subset of bare, dc-min, agent); INSTR_IMPORT=<paths of other agent builds or preloads, comma-separated>
//   adds each as a variant; INSTR_KEEP=<dir> keeps the callgrind dumps there, for callgrind_annotate;
//   INSTR_CACHE=1 also simulates the caches and branch predictor: misses per request, see below)
//
// Per variant and round: start the server under callgrind, warm it up (INSTR_WARMUP requests: the JIT must
// have settled, or compilation dominates), zero the counters, send INSTR_REQUESTS requests with autocannon,
// dump, and divide. The agent's periodic work (heartbeat, export) is parked for this measurement
// (OTEL_METRIC_EXPORT_INTERVAL=1 h, PERF_EVENTLOOP_RESOLUTION=1 s): under valgrind requests run ~50× slower
// while timers keep wall-clock time, so per-second work would be charged to 50× fewer requests. That part
// is measured in CPU time by idle.ts and run.ts; the GC probe stays on (its work follows allocation, i.e.
// requests). What is left is what each request costs: the diagnostics_channel messages, the two clock
// reads, the route lookup and the histogram record.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { median } from '../lib/report.js';

const here = dirname(fileURLToPath(import.meta.url));
const ROUNDS = Number(process.env.INSTR_ROUNDS ?? 2);
const WARMUP = Number(process.env.INSTR_WARMUP ?? 20_000);
const REQUESTS = Number(process.env.INSTR_REQUESTS ?? 10_000);
/** callgrind's cache and branch-predictor simulation (valgrind's model of this CPU's L1 and last-level caches; ≈ 2× slower) */
const CACHE_SIM = process.env.INSTR_CACHE === '1' ? ['--cache-sim=yes', '--branch-sim=yes'] : [];

if (spawnSync('valgrind', ['--version']).status !== 0) {
  console.error('valgrind is not installed (Debian: apt-get install valgrind); skipping.');
  process.exit(0);
}

const wanted = (process.env.INSTR_VARIANTS ?? 'bare,dc-min,agent').split(',');
const variants = [
  ['bare', [], 'bare'],
  ['bare-minimum diagnostics_channel subscriber (reference)', ['--import', join(here, 'dc-min-preload.mjs')], 'dc-min'],
  ['@perf/agent (periodic work parked)', ['--import', join(here, '../../apps/agent/dist/index.js')], 'agent'],
].filter(([, , key]) => key === 'bare' || wanted.includes(key));
for (const path of (process.env.INSTR_IMPORT ?? '').split(',').filter(Boolean)) {
  variants.push([`--import ${path} (periodic work parked)`, ['--import', path], `import:${path}`]);
}

// an OTLP sink, so the agent exports somewhere real (it only does at start and shutdown here)
const sink = createServer((req, res) => req.resume().on('end', () => res.end()));
await new Promise((r) => sink.listen(0, '127.0.0.1', r));
const sinkUrl = `http://127.0.0.1:${sink.address().port}`;
const dir = mkdtempSync(join(tmpdir(), 'perf-instr-'));

const load = (port, amount) => new Promise((resolve, reject) => autocannon({ url: `http://127.0.0.1:${port}/`, amount, connections: 8 }, (err, r) => (err ? reject(err) : resolve(r))));

async function measure(name, args, round) {
  const out = join(dir, `cg-${round}-${name.replace(/\W+/g, '_')}`);
  const child = spawn('valgrind', ['--tool=callgrind', '--smc-check=all-non-file', ...CACHE_SIM, `--callgrind-out-file=${out}.%p`, process.execPath, ...args, join(here, 'server.mjs')], {
    cwd: here,
    stdio: ['ignore', 'pipe', 'ignore'],
    env: { ...process.env, OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl, OTEL_METRIC_EXPORT_INTERVAL: '3600000', PERF_EVENTLOOP_RESOLUTION: '1000' },
  });
  try {
    const line = await new Promise((resolve) => createInterface({ input: child.stdout }).once('line', resolve));
    const { port } = JSON.parse(line);
    await load(port, WARMUP);
    execFileSync('callgrind_control', ['-z', String(child.pid)]);
    const r = await load(port, REQUESTS);
    if (r.non2xx > 0 || r.errors > 0) throw new Error(`${name}: ${r.non2xx} non-2xx, ${r.errors} errors`);
    execFileSync('callgrind_control', ['-d', String(child.pid)]);
    const dump = readdirSync(dir).find((f) => f.startsWith(`${out.split('/').pop()}.${child.pid}.`));
    const text = readFileSync(join(dir, dump), 'utf8');
    const names = /^events: (.+)$/m.exec(text)[1].trim().split(/\s+/);
    const totals = /^(?:totals|summary): (.+)$/m.exec(text)[1].trim().split(/\s+/).map(Number);
    return Object.fromEntries(names.map((n, i) => [n, (totals[i] ?? 0) / r.requests.total]));
  } finally {
    child.kill('SIGKILL');
    await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
  }
}

/** per variant, callgrind's events per request of each round: Ir (instructions), and the misses with INSTR_CACHE=1 */
const events = new Map(variants.map(([name]) => [name, []]));
try {
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, args] of variants) {
      events.get(name).push(await measure(name, args, round));
      process.stderr.write(`  round ${round + 1}/${ROUNDS}: ${name} done\n`);
    }
  }
} finally {
  sink.close();
  if (process.env.INSTR_KEEP) execFileSync('cp', ['-r', `${dir}/.`, process.env.INSTR_KEEP]);
  rmSync(dir, { recursive: true, force: true });
}

const results = new Map([...events].map(([name, es]) => [name, es.map((e) => e.Ir)]));
const bare = median([...results.get('bare')]);
console.log(`# Instructions per request (callgrind, ${WARMUP} warm-up + ${REQUESTS} measured requests, median of ${ROUNDS} rounds) — Node.js ${process.version}\n`);
console.log('| variant | instructions per request | vs bare | rounds |');
console.log('| --- | --- | --- | --- |');
for (const [name, xs] of results) {
  const m = median([...xs]);
  const d = m - bare;
  console.log(`| ${name} | ${Math.round(m).toLocaleString('en')} | ${name === 'bare' ? '—' : `${d >= 0 ? '+' : ''}${Math.round(d).toLocaleString('en')} (${d >= 0 ? '+' : ''}${((d / bare) * 100).toFixed(1)}%)`} | ${xs.map((x) => Math.round(x).toLocaleString('en')).join(', ')} |`);
}

if (CACHE_SIM.length > 0) {
  // Misses per request in callgrind's simulated caches (one L1i, one L1d, one last-level cache shared by the
  // process's threads, like a server pinned to one core) and its branch predictor. A miss costs far more than
  // an instruction (L1 miss ≈ 10 cycles, last-level miss ≈ 100–200): where a variant's CPU time grows more than
  // its instructions, these say whether the extra is the code or data it pushes out of the caches.
  const rows = [
    ['L1 instruction misses', (e) => e.I1mr],
    ['L1 data misses (read + write)', (e) => e.D1mr + e.D1mw],
    ['last-level misses (instructions + data)', (e) => e.ILmr + e.DLmr + e.DLmw],
    ['branch mispredictions (conditional + indirect)', (e) => e.Bcm + e.Bim],
  ];
  const bareEvents = events.get('bare');
  console.log(`\n# Simulated cache and branch-predictor misses per request (INSTR_CACHE=1, median of ${ROUNDS} rounds)\n`);
  console.log(`| variant | ${rows.map(([label]) => label).join(' | ')} |`);
  console.log(`| --- |${rows.map(() => ' --- |').join('')}`);
  for (const [name, es] of events) {
    const cells = rows.map(([, f]) => {
      const m = median(es.map(f));
      if (name === 'bare') return m.toFixed(1);
      const b = median(bareEvents.map(f));
      return `${m.toFixed(1)} (${m >= b ? '+' : ''}${(((m - b) / b) * 100).toFixed(1)}%)`;
    });
    console.log(`| ${name} | ${cells.join(' | ')} |`);
  }
}
