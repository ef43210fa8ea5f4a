// The dashboard in its own process for E2E tests: options as JSON in PERF_E2E_OPTIONS, the chosen ports
// printed as one JSON line. A process per dashboard because Next.js keeps per-process state: a second
// `next()` app in a process whose first one was closed fails to render ("AwaiterOnce already awaited").
import { startServer, type ServerOptions } from '../../../server/server.js';

const options = JSON.parse(process.env.PERF_E2E_OPTIONS ?? '{}') as ServerOptions;
const srv = await startServer({ ...options, log: () => {} });
// Next.js prints its own lines on stdout: the marker tells ours apart.
process.stdout.write(`PERF_E2E_READY ${JSON.stringify({ port: srv.port, otlpPort: srv.otlpPort })}\n`);
const stop = () => {
  srv.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
