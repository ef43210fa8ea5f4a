// What a CPU profile (apps/agent/src/export/profiler.ts) costs the app's thread: the app does 1 ms slices of
// JavaScript back to back (setImmediate between them) while a worker thread runs the agent's BusyProfiler
// against it, as the export thread does. Interleaved rounds: 3 s without a profile, then 3 s with one (the
// agent's settings: 2 ms sampling). Reports the app's work done while profiled as a ratio to the round's own
// baseline, the longest gap between slices around a profile's start and end (what the app's loop felt), and
// how long the stop and the reduction to top functions took past the profile's length, as the worker saw it.
//   node --import tsx bench/overhead/profile-cost.ts        (PROFILE_ROUNDS=5)
import { Worker } from 'node:worker_threads';
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
let slices = 0;
let maxGap = 0;
let last = performance.now();
let running = true;
function slice(): void {
  const now = performance.now();
  if (now - last > maxGap) maxGap = now - last;
  const until = now + 1;
  while (performance.now() < until) fib(12);
  slices++;
  last = performance.now();
  if (running) setImmediate(slice);
}
slice();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const next = () => new Promise<{ running?: boolean; ms: number; samples?: number }>((r) => worker.once('message', r));

const rows: number[][] = [];
for (let round = 0; round < ROUNDS; round++) {
  // baseline
  slices = 0;
  maxGap = 0;
  let t = performance.now();
  await sleep(PHASE_MS);
  const base = slices / (performance.now() - t);
  const baseGap = maxGap;
  // profiled: the start, the sampling, the end
  slices = 0;
  maxGap = 0;
  t = performance.now();
  const started = next();
  worker.postMessage('start');
  const s = await started;
  await sleep(200);
  const startGap = maxGap;
  const stopped = await next();
  const during = slices / (performance.now() - t);
  maxGap = 0;
  await sleep(200);
  const endGap = maxGap;
  const samplesAnswer = next();
  worker.postMessage('samples');
  const samples = (await samplesAnswer).samples ?? 0;
  rows.push([during / base, baseGap, startGap, endGap, s.ms, stopped.ms - PHASE_MS, samples]);
}
running = false;
worker.postMessage('exit');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const col = (i: number) => rows.map((r) => r[i]);
console.log(`# CPU profile cost on the app's thread — ${machine()}, ${ROUNDS} rounds of ${PHASE_MS / 1000} s + ${PHASE_MS / 1000} s\n`);
table(
    ['round', "app's work while profiled (× baseline)", 'longest gap, baseline (ms)', 'longest gap after start (ms)', 'longest gap after end (ms)', 'stop and reduce (ms past the 3 s, worker)', 'samples'],
    [
      ...rows.map((r, i) => [String(i + 1), r[0].toFixed(3), r[1].toFixed(1), r[2].toFixed(1), r[3].toFixed(1), r[5].toFixed(1), String(r[6])]),
      ['median', median(col(0)).toFixed(3), median(col(1)).toFixed(1), median(col(2)).toFixed(1), median(col(3)).toFixed(1), median(col(5)).toFixed(1), String(median(col(6)))],
    ],
);
