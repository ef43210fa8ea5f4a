// Diagnostic variants of the overhead benchmark (BENCH_VARIANTS=diag-<what>): one piece of the agent's
// per-second machinery alone, to find which one costs the server CPU under load.
//   diag-worker: an idle worker thread; diag-gc: a PerformanceObserver on 'gc' entries; diag-gcprof:
//   v8.GCProfiler drained every second;
//   diag-dcnoop: no-op subscribers on node:http's two channels;
//   diag-interval: a 20 ms setInterval (the event-loop sampler's timer); diag-noexport: the whole agent
//   without its export thread (OTEL_METRIC_EXPORT_INTERVAL is set very long by run.ts for it)
import { PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';
import { Worker } from 'node:worker_threads';

const what = process.env.BENCH_DIAG ?? '';
if (what === 'worker') {
  const w = new Worker("require('node:worker_threads').parentPort.on('message', () => {})", { eval: true, execArgv: [] });
  w.on('message', () => {});
  w.unref();
} else if (what === 'gc') {
  new PerformanceObserver(() => {}).observe({ entryTypes: ['gc'] });
} else if (what === 'gcprof') {
  let profiler = new v8.GCProfiler();
  profiler.start();
  setInterval(() => {
    const next = new v8.GCProfiler();
    next.start();
    profiler.stop();
    profiler = next;
  }, 1000).unref();
} else if (what === 'interval') {
  let last = performance.now();
  setInterval(() => {
    last = performance.now() - last;
  }, 20).unref();
} else if (what === 'import') {
  // any other build of the agent, e.g. an earlier commit's: BENCH_VARIANTS='diag-import?BENCH_IMPORT=/path/to/dist/index.js'
  await import(process.env.BENCH_IMPORT);
} else if (what === 'loaded') {
  // the agent's modules loaded, the agent not started
  await import('../../apps/agent/dist/api.js');
} else if (what === 'dcnoop') {
  // subscribed, doing nothing: what node:http's publishing alone costs once anyone listens
  await import('./dc-noop-preload.mjs');
} else if (what.startsWith('agent')) {
  await import('../../apps/agent/dist/index.js');
}
