// What watching garbage collection through node's PerformanceObserver('gc') costs a server by itself, with no
// agent: GC_EVERY=1 keeps an observer connected all the time; GC_EVERY=N > 1 connects it for one 20 ms window
// in every N (as the agent's sampled GC probe does); GC_EVERY=0 connects it for the first second only. The
// entries are taken and dropped. Used as `diag-import?BENCH_IMPORT=<this file>&GC_EVERY=N` by run.ts.
import { PerformanceObserver } from 'node:perf_hooks';

const every = Number(process.env.GC_EVERY ?? 1);
let seen = 0;
const observer = new PerformanceObserver((list) => {
  seen += list.getEntries().length;
});
observer.observe({ entryTypes: ['gc'] });
if (every === 0) {
  setTimeout(() => observer.disconnect(), 1000).unref();
} else if (every > 1) {
  let beat = 1;
  setInterval(() => {
    if (beat % every === 0) observer.observe({ entryTypes: ['gc'] });
    else if (beat % every === 1) {
      seen += observer.takeRecords().length;
      observer.disconnect();
    }
    beat++;
  }, 20).unref();
}
// the entries must not be dead code
process.on('exit', () => {
  if (seen === -1) console.log(seen);
});
