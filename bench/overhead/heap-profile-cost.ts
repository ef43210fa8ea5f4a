// What a heap allocation profile (apps/agent/src/export/heapProfiler.ts) costs the app's thread: the app does
// 1 ms slices of allocation-heavy JavaScript back to back (objects built and serialised, one in 50 kept, as a
// slow leak does) while a worker thread runs the agent's GrowthProfiler against it, as the export thread does.
// Interleaved rounds: 5 s without a profile, then 5 s with one (the agent's sampling: one allocation per
// 128 KB). Reports the app's work done while profiled as a ratio to the round's own baseline, the longest gap
// between slices around a profile's start and end (what the app's loop felt), how long stopping and reducing
// took past the profile's length (as the worker saw it), and the profile's live samples and sites.
// PROFILE_KIND=allocated measures the allocation profile instead (AllocationProfiler: one sample per 512 KB,
// collected objects counted too, as the agent runs it when GC takes ≥ 10% of the time).
//   node --import tsx bench/overhead/heap-profile-cost.ts        (PROFILE_ROUNDS=5, PROFILE_KIND=held|allocated)
import { Worker } from 'node:worker_threads';
import { profileRounds, profileTable } from '../lib/profile-rounds.js';
import { machine, table } from '../lib/report.js';

const ROUNDS = Number(process.env.PROFILE_ROUNDS ?? 5);
const PHASE_MS = 5000;
const KIND = process.env.PROFILE_KIND === 'allocated' ? 'allocated' : 'held';

const profilerUrl = new URL('../../apps/agent/src/export/heapProfiler.ts', import.meta.url).href;
const worker = new Worker(
  `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(profilerUrl)}); }).then(({ GrowthProfiler, AllocationProfiler }) => {
    const { parentPort } = require('node:worker_threads');
    let t0 = 0;
    const kind = ${JSON.stringify(KIND)};
    const onRunning = (running) => parentPort.postMessage({ running, ms: performance.now() - t0 });
    const options = { enabled: true, growthBytes: 1, gcShare: 0.1, durationMillis: ${PHASE_MS}, cooldownMillis: 0, afterMillis: 0 };
    const p = kind === 'held' ? new GrowthProfiler(options, onRunning, 0) : new AllocationProfiler(options, onRunning, 0);
    const heap = (v) => [{ type: 'gauge', name: 'v8js.memory.heap.used', unit: 'By', description: '', points: [{ attributes: {}, startTimeUnixNano: 0, timeUnixNano: 0, flags: 0, value: v, isInt: true }] }];
    const gc = (seconds) => [{ type: 'exponentialHistogram', name: 'v8js.gc.duration', unit: 's', description: '', points: [{ attributes: {}, sum: seconds }] }];
    let clock = 0;
    parentPort.on('message', (m) => {
      if (m === 'start') {
        t0 = performance.now();
        // what the export thread would have seen: 11 s of a heap growing 2 MB a second, or GC taking 20% of a second
        for (let i = 0; i <= 11; i++) { clock += 1000; p.observe(kind === 'held' ? heap(50e6 + clock * 2000) : gc(clock / 5000), clock); }
      } else if (m === 'result') {
        const ms = p.metrics(clock);
        const sizes = kind === 'held' ? 'nodejs.heap_profile.live_size' : 'nodejs.allocation_profile.size';
        const samples = kind === 'held' ? 'nodejs.heap_profile.samples' : 'nodejs.allocation_profile.samples';
        parentPort.postMessage({ samples: ms.find((x) => x.name === samples)?.points[0].value, sites: ms.find((x) => x.name === sizes)?.points.length });
      } else if (m === 'exit') process.exit(0);
    });
    setInterval(() => {}, 1000);
    parentPort.postMessage({ ready: true });
  });`,
  { eval: true },
);
await new Promise((r) => worker.once('message', r));

let kept: unknown[] = [];
let n = 0;
function order(i: number) {
  return { id: i, lines: [{ sku: `sku-${i}`, qty: i % 5, price: i * 0.25 }, { sku: `sku-${i + 1}`, qty: 1, price: 2.5 }], note: 'n'.repeat(i % 64) };
}
const rounds = await profileRounds<{ samples?: number; sites?: number }>(worker, {
  rounds: ROUNDS,
  phaseMs: PHASE_MS,
  ask: 'result',
  work: () => {
    const o = order(n++);
    JSON.stringify(o);
    if (n % 50 === 0) kept.push(o);
    if (kept.length > 200_000) kept = [];
  },
});
console.log(`# ${KIND === 'held' ? 'Heap' : 'Allocation'} profile cost on the app's thread — ${machine()}, ${ROUNDS} rounds of ${PHASE_MS / 1000} s + ${PHASE_MS / 1000} s\n`);
const t = profileTable(rounds, PHASE_MS, [KIND === 'held' ? 'live samples' : 'samples', 'sites'], (a) => [a.samples ?? 0, a.sites ?? 0]);
table(t.headers, t.rows);
