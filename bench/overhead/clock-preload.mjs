// Subscribers that only read the clock: performance.now() at request start and at response finish, nothing else
// (no start time kept per request or connection, no route, no histogram). What the two clock reads and node's
// publishing cost on their own: a floor for any per-request timer built on diagnostics_channel. Used as
// INSTR_IMPORT by instructions.mjs and as `diag-import?BENCH_IMPORT=<this file>` by run.ts.
import dc from 'node:diagnostics_channel';

let t0 = 0;
let sink = 0;
dc.subscribe('http.server.request.start', () => {
  t0 = performance.now();
});
dc.subscribe('http.server.response.finish', () => {
  sink += performance.now() - t0;
});
// the reads must not be dead code
process.on('exit', () => {
  if (sink === 42) console.log(sink);
});
