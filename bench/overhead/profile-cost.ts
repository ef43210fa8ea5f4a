// What a CPU profile (apps/agent/src/export/profiler.ts) costs the app's thread: the app does 1 ms slices of
// JavaScript back to back (setImmediate between them) while a worker thread runs the agent's BusyProfiler
// against it, as the export thread does. Interleaved rounds: 3 s without a profile, then 3 s with one (the
// agent's settings: 2 ms sampling). Reports the app's work done while profiled as a ratio to the round's own
// baseline, the longest gap between slices around a profile's start and end (what the app's loop felt), and
// how long the stop and the reduction to top functions took past the profile's length, as the worker saw it.
//   node --import tsx bench/overhead/profile-cost.ts        (PROFILE_ROUNDS=5)
import { Worker } from 'node:worker_threads';
import { profileRounds, profileTable } from '../lib/profile-rounds.js';
import { machine, table } from '../lib/report.js';

const ROUNDS = Number(process.env.PROFILE_ROUNDS ?? 5);
const PHASE_MS = 3000;

const profilerUrl = new URL('../../apps/agent/src/export/profiler.ts', import.meta.url).href;
const worker = new Worker(
  `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(profilerUrl)}); }).then(({ BusyProfiler }) => {
    const { parentPort } = require('node:worker_threads');
    let t0 = 0;
    const p = new BusyProfiler({ enabled: true, elu: 0, stallMillis: 1e9, durationMillis: ${PHASE_MS}, cooldownMillis: 0, afterMillis: 0 }, (running) => {
      parentPort.postMessage({ running, ms: performance.now() - t0 });
    });
    const busy = [{ type: 'gauge', name: 'nodejs.eventloop.utilization', unit: '1', description: '', points: [{ attributes: {}, startTimeUnixNano: 0, timeUnixNano: 0, flags: 0, value: 1, isInt: false }] }];
    parentPort.on('message', (m) => {
      if (m === 'start') { t0 = performance.now(); p.observe(busy); }
      else if (m === 'samples') parentPort.postMessage({ samples: p.metrics().find((x) => x.name === 'nodejs.cpu_profile.samples')?.points[0].value });
      else if (m === 'exit') process.exit(0);
    });
    setInterval(() => {}, 1000);
    parentPort.postMessage({ ready: true });
  });`,
  { eval: true },
);
await new Promise((r) => worker.once('message', r));

function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}
const rounds = await profileRounds<{ samples?: number }>(worker, { rounds: ROUNDS, phaseMs: PHASE_MS, ask: 'samples', work: () => fib(12) });
console.log(`# CPU profile cost on the app's thread — ${machine()}, ${ROUNDS} rounds of ${PHASE_MS / 1000} s + ${PHASE_MS / 1000} s\n`);
const t = profileTable(rounds, PHASE_MS, ['samples'], (a) => [a.samples ?? 0]);
table(t.headers, t.rows);
