// What observing GC costs per GC: 200k setImmediate steps allocating 8 KB each, in fresh processes
// alternating none / PerformanceObserver('gc') / v8.GCProfiler, 6 rounds; process CPU ns per step (median)
// and the extra CPU per GC against none.   node bench/overhead/gc-observer.mjs
import { spawnSync } from 'node:child_process';
import { PerformanceObserver } from 'node:perf_hooks';
import v8 from 'node:v8';

const mode = process.argv[2];
if (mode === undefined) {
  const modes = ['none', 'observer', 'gcprofiler'];
  const runs = Object.fromEntries(modes.map((m) => [m, []]));
  for (let r = 0; r < 6; r++) {
    for (const m of modes) runs[m].push(JSON.parse(spawnSync(process.execPath, [process.argv[1], m], { encoding: 'utf8' }).stdout));
  }
  const med = (xs) => xs.slice().sort((a, b) => a - b)[xs.length >> 1];
  const base = med(runs.none.map((x) => x.nsPerStep));
  console.log('| GC probe | CPU ns per step (median) | GCs | extra CPU per GC |\n| --- | --- | --- | --- |');
  for (const m of modes) {
    const ns = med(runs[m].map((x) => x.nsPerStep));
    const gcs = med(runs[m].map((x) => x.gcs));
    const perGc = m === 'none' || gcs === 0 ? '' : `${(((ns - base) * 200_000) / gcs / 1000).toFixed(0)} µs`;
    console.log(`| ${m} | ${ns.toFixed(0)} | ${gcs} | ${perGc} |`);
  }
} else {
  let gcs = 0;
  if (mode === 'observer') new PerformanceObserver((l) => void (gcs += l.getEntries().length)).observe({ entryTypes: ['gc'] });
  const profiler = mode === 'gcprofiler' ? new v8.GCProfiler() : undefined;
  profiler?.start();
  const N = 200_000;
  let i = 0;
  let keep;
  const t0 = process.cpuUsage();
  await new Promise((resolve) => {
    const step = () => {
      keep = new Array(1000).fill(i);
      if (++i < N) setImmediate(step);
      else resolve();
    };
    step();
  });
  const d = process.cpuUsage(t0);
  if (profiler) gcs = profiler.stop().statistics.length;
  void keep;
  process.stdout.write(JSON.stringify({ nsPerStep: ((d.user + d.system) * 1000) / N, gcs }));
}
