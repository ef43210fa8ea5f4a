/**
 * @perf/agent's programmatic API, without the auto-start of `import '@perf/agent'`:
 *
 *   import { start, shutdown } from '@perf/agent/api';
 *   start({ serviceName: 'checkout', exportIntervalMillis: 5000 });
 *   …
 *   await shutdown(); // final export, bounded by PERF_SHUTDOWN_TIMEOUT
 *
 * Options override the environment (OTEL_*, PERF_*). One agent per process: start() is idempotent.
 */
import cluster from 'node:cluster';
import type { IncomingMessage } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import { Agent } from './agent.js';
import { resolveConfig, type AgentOptions } from './config.js';
import { markRoute } from './collectors/http.js';
import { warnOnce } from './warn.js';

export type { AgentOptions } from './config.js';
export type { Agent } from './agent.js';

let agent: Agent | undefined;
let signalsInstalled = false;

/**
 * Starts the agent (once per process; later calls return the running one). Returns undefined when
 * disabled (PERF_ENABLED=false or `enabled: false`). Never throws: a failure to start is one warning.
 */
export function start(options?: AgentOptions): Agent | undefined {
  if (agent) return agent;
  try {
    const config = resolveConfig(options);
    if (!config.enabled) return undefined;
    agent = new Agent(config);
    agent.start();
    installSignalHandlers();
    if (!config.clusterPrimary) watchClusterPrimary(agent);
    return agent;
  } catch (error) {
    warnOnce('PERF_AGENT_START_FAILED', `perf agent: could not start (${(error as Error).message}); the app runs unmeasured.`);
    agent = undefined;
    return undefined;
  }
}

/** Stops the agent after one last export (bounded by PERF_SHUTDOWN_TIMEOUT, default 2 s). */
export async function shutdown(): Promise<void> {
  const a = agent;
  agent = undefined;
  if (a) await a.shutdown();
}

/** Exports now, outside the interval (e.g. before a planned exit). Never rejects. */
export async function flush(): Promise<void> {
  await agent?.flush();
}

/** The running agent, if any (for tests and advanced use). */
export function getAgent(): Agent | undefined {
  return agent;
}

/**
 * Tells the agent which route template a request matched, for frameworks it does not know (Express and
 * Fastify are detected): `setRoute(req, '/users/:id')`. Same as `req[Symbol.for('perf.route')] = …`; an HTTP/2
 * request of node:http2's compatibility API is taken too.
 */
export function setRoute(req: IncomingMessage | Http2ServerRequest, template: string): void {
  markRoute(req, template);
}

/**
 * A `node:cluster` primary (every process is one until it forks) that forks a worker before it served any request
 * is a supervisor, not a server: the workers are the nodes (each with its own agent), so its agent stops, sending
 * nothing if it had not exported yet (at start, as cluster apps fork, it has not). PERF_CLUSTER_PRIMARY=true keeps it.
 */
function watchClusterPrimary(a: Agent): void {
  if (!cluster.isPrimary) return;
  cluster.once('fork', () => {
    try {
      if (agent !== a || a.requestsStarted() > 0) return;
      agent = undefined;
      void a.withdraw().catch(() => {});
    } catch {
      // never into the app's fork
    }
  });
}

/**
 * SIGTERM/SIGINT: export once more, bounded. If the app has its own handler for the signal, it decides
 * when to exit, and the agent goes on measuring: what the app serves while it drains is counted, sent each
 * interval and in the last export at the process's exit (an outside audit saw a 2 s drain's 70 requests of 120
 * lost, and a node that kept serving shown stopped, when the agent shut down at the signal). If not, the agent
 * stops and re-raises the signal after the flush, so the process ends exactly as it would have without the agent.
 * The agent's listener goes first (prepended): a handler the app registered with `process.once` before the agent
 * started removes itself before it runs, so a listener after it would count none and cut the app's graceful drain
 * short by re-raising the signal.
 */
function installSignalHandlers(): void {
  if (signalsInstalled) return;
  signalsInstalled = true;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    const onSignal = () => {
      const appHandles = process.listenerCount(signal) > 0;
      if (!appHandles) {
        // keep the default "die by this signal" once the flush is done (or timed out)
        const done = () => process.kill(process.pid, signal);
        shutdown().then(done, done);
      } else {
        // what was counted up to the signal, now (not the last export: the process goes on, and its exit sends that)
        void agent?.flush().catch(() => {});
        // the next signal finds the agent's listener again (a second SIGTERM to an app that handles it)
        process.prependOnceListener(signal, onSignal);
      }
    };
    process.prependOnceListener(signal, onSignal);
  }
}
