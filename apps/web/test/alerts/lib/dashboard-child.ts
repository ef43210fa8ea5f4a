// Child process entry for dashboard-process.ts: the dashboard (startServer) with options from
// PERF_ALERTS_E2E_OPTIONS; prints its ports as one JSON line; SIGTERM closes it cleanly.
import { startServer } from '../../../server/server.js';
import type { ServerOptions } from '../../../server/server.js';

const options = JSON.parse(process.env.PERF_ALERTS_E2E_OPTIONS ?? '{}') as ServerOptions;
const srv = await startServer({ ...options, log: () => {} });
process.stdout.write(`${JSON.stringify({ port: srv.port, otlpPort: srv.otlpPort })}\n`);
const stop = () => {
  srv.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
