/**
 * `import '@perf/agent'`, `require('@perf/agent')`, `node --import @perf/agent app.js` or
 * `node -r @perf/agent app.js`: starts the agent with the configuration from the environment (see
 * README "Agent"). The named exports are those of `@perf/agent/api`, which does not auto-start.
 */
import { isMainThread, workerData } from 'node:worker_threads';
import { start } from './api.js';
import { WORKER_MARKER } from './export/ExportWorker.js';
import { isLauncher } from './launcher.js';
import { workerThreadsEnabled } from './config.js';

export { start, shutdown, flush, setRoute, getAgent, type AgentOptions, type Agent } from './api.js';

// In the main thread. Worker threads inherit `--import`/`-r`, so each would start an agent of its own (an export
// thread, a node on the dashboard reporting the process's RSS and CPU again, a last export when it ends: a pool of
// short CPU workers got 5× slower to spawn): only with PERF_WORKER_THREADS=true, for workers that serve HTTP
// themselves (each thread's diagnostics channels are its own). Never inside the agent's own export thread.
// Nor in package managers and launchers that inherit it through NODE_OPTIONS (npm start, npx, tsx's CLI, next build).
if (isMainThread) {
  if (!isLauncher()) {
    workerThreadsEnabled(false);
    start();
  }
} else if (!(workerData as Record<string, unknown> | null)?.[WORKER_MARKER] && workerThreadsEnabled(true)) start();
