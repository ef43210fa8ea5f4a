// The reference point: a bare-minimum diagnostics_channel subscriber feeding a plain log-bucket
// array (start time on the request via hrtime.bigint, one listener per response, no routes, no export).
import dc from 'node:diagnostics_channel';

const buckets = new Float64Array(64);
dc.subscribe('http.server.request.start', ({ request, response }) => {
  const t0 = process.hrtime.bigint();
  response.once('finish', () => {
    const ns = Number(process.hrtime.bigint() - t0);
    buckets[Math.min(63, 31 - Math.clz32(ns))]++;
  });
  void request;
});
