/**
 * `import '@perf/agent'`, `require('@perf/agent')`, `node --import @perf/agent app.js` or
 * `node -r @perf/agent app.js`: starts the agent with the configuration from the environment (see
 * README "Agent"). The named exports are those of `@perf/agent/api`, which does not auto-start.
 */
import { isMainThread, workerData } from 'node:worker_threads';
import { start } from './api.js';
import { WORKER_MARKER } from './export/ExportWorker.js';

export { start, shutdown, flush, setRoute, getAgent, type AgentOptions, type Agent } from './api.js';

// never inside the agent's own export thread (it is started without preloads, but a user's worker options may differ)
if (isMainThread || !(workerData as Record<string, unknown> | null)?.[WORKER_MARKER]) start();
