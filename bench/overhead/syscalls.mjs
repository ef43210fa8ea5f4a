// What a preload changes in how the hello-world server uses the kernel and memory, per request: user and
// system CPU time, system calls (perf's syscall tracepoints, counted for the server process during the
// load), minor page faults and voluntary context switches. Sequential rounds (each server alone on the
// server core, variants interleaved), medians per variant.
//   node --import tsx bench/overhead/syscalls.mjs     (Linux with `perf`; SYSCALL_ROUNDS (5), SYSCALL_SECONDS (4), SYSCALL_WARMUP (1 s),
//   SYSCALL_IMPORTS=<preload paths, comma-separated> (default: gc-observer-preload.mjs), each a variant beside bare;
//   SYSCALL_NODE_ARGS=<node flags for every server, space-separated>, e.g. --min-semi-space-size=16)
// Used to look for where a connected PerformanceObserver('gc') costs the host (BENCHMARKS.md, "Seventh session").
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { machine, median, table } from '../lib/report.js';

const here = dirname(fileURLToPath(import.meta.url));
const ROUNDS = Number(process.env.SYSCALL_ROUNDS ?? 5);
const SECONDS = Number(process.env.SYSCALL_SECONDS ?? 4);
/** load before measuring (s): V8 grows the young generation over the first tens of seconds under load */
const WARMUP = Number(process.env.SYSCALL_WARMUP ?? 1);
const imports = (process.env.SYSCALL_IMPORTS ?? join(here, 'gc-observer-preload.mjs')).split(',').filter(Boolean);
const nodeArgs = (process.env.SYSCALL_NODE_ARGS ?? '').split(' ').filter(Boolean);
const SYSCALLS = ['epoll_pwait', 'read', 'write', 'writev', 'futex', 'mmap', 'munmap', 'madvise', 'mprotect'];

if (process.platform !== 'linux' || spawnSync('perf', ['--version']).status !== 0) {
  console.error('needs Linux and perf (Debian: linux-perf); skipping.');
  process.exit(0);
}
const pinned = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
const on = (cpu, cmd, args) => (pinned ? ['taskset', ['-c', cpu, cmd, ...args]] : [cmd, args]);

/** /proc/<pid>/stat field (1-based as in proc(5)) */
const statField = (pid, n) => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[n - 3]);
const voluntary = (pid) => Number(/\nvoluntary_ctxt_switches:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
const stats = async (base) => (await fetch(`${base}/__stats`)).json();

async function round(preload) {
  const [cmd, args] = on('1', process.execPath, [...nodeArgs, ...(preload ? ['--import', preload] : []), join(here, 'server.mjs')]);
  const child = spawn(cmd, args, { env: { ...process.env, BENCH_VARIANT: 'bare' }, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const line = await new Promise((resolve, reject) => {
      child.stdout.once('data', resolve);
      child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
    });
    const base = `http://127.0.0.1:${JSON.parse(String(line)).port}`;
    const load = (seconds) => spawnSync(...on('0', process.execPath, [join(here, 'load.mjs'), base, String(seconds), '32']));
    load(WARMUP);
    const pid = child.pid; // taskset execs node: same pid
    const events = SYSCALLS.map((s) => `syscalls:sys_enter_${s}`).join(',');
    const perf = spawn('perf', ['stat', '-x', ',', '-e', events, '-p', String(pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let perfOut = '';
    perf.stderr.on('data', (d) => (perfOut += d));
    await new Promise((r) => setTimeout(r, 300)); // perf attached
    const s0 = await stats(base);
    const f0 = statField(pid, 10);
    const v0 = voluntary(pid);
    load(SECONDS);
    const s1 = await stats(base);
    const f1 = statField(pid, 10);
    const v1 = voluntary(pid);
    perf.kill('SIGINT');
    await new Promise((r) => perf.once('close', r));
    const n = s1.served - s0.served;
    const sys = (s) => s.cpuMicros - s.userMicros;
    const row = {
      'CPU µs': (s1.cpuMicros - s0.cpuMicros) / n,
      'user µs': (s1.userMicros - s0.userMicros) / n,
      'system µs': (sys(s1) - sys(s0)) / n,
      'minor faults ‰': ((f1 - f0) / n) * 1000,
      'voluntary switches ‰': ((v1 - v0) / n) * 1000,
    };
    // perf's count covers from its attach to the end of the load (a few requests more than n): per 1,000
    for (const l of perfOut.split('\n')) {
      const [count, , event] = l.split(',');
      if (event?.startsWith('syscalls:sys_enter_')) row[`${event.slice('syscalls:sys_enter_'.length)} ‰`] = (Number(count) / n) * 1000;
    }
    return row;
  } finally {
    child.kill();
  }
}

const variants = [undefined, ...imports];
const rows = new Map(variants.map((v) => [v, []]));
for (let r = 0; r < ROUNDS; r++) {
  for (const v of variants) rows.get(v).push(await round(v));
  console.error(`  round ${r + 1}/${ROUNDS} done`);
}
const keys = Object.keys(rows.get(undefined)[0]);
console.log(`\n# Per request (medians of ${ROUNDS} sequential rounds of ${SECONDS} s after ${WARMUP} s of warm-up load; ‰ = per 1,000 requests) — ${machine()}${nodeArgs.length > 0 ? `, servers run with ${nodeArgs.join(' ')}` : ''}\n`);
table(
  ['variant', ...keys],
  [...rows].map(([v, rs]) => [v ? `--import ${basename(v)}` : 'bare', ...keys.map((k) => median(rs.map((x) => x[k] ?? 0)).toFixed(2))]),
);
