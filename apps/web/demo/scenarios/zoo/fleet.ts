// Starts a zoo fleet: a slow-able upstream, N real node processes running app.ts with the agent exporting
// to a dashboard, and a load generator. Everything is on 127.0.0.1 with ephemeral ports.

import { fork, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CauseName } from './causes.js';
import { DEFAULT_MIX, LoadGenerator, type RouteLoad } from './load.js';
import { startUpstream, type Upstream } from './upstream.js';

const here = dirname(fileURLToPath(import.meta.url));
/** apps/web: where `@perf/agent` and `tsx` resolve from */
const webRoot = join(here, '..', '..', '..');

export interface ZooOptions {
  /** the dashboard's OTLP base URL, e.g. http://127.0.0.1:4318 */
  otlpEndpoint: string;
  /** OTEL_EXPORTER_OTLP_HEADERS, e.g. `authorization=Bearer TOKEN` */
  otlpHeaders?: string;
  nodes?: number;
  service?: string;
  /** `service.instance.id` of node k is `${instancePrefix}${k}` */
  instancePrefix?: string;
  exportIntervalMs?: number;
  mix?: RouteLoad[];
  /** extra node flags for every zoo node, e.g. --max-old-space-size=512 */
  nodeArgs?: string[];
  /** soft fd limit for the nodes (`ulimit -n`), for the fd-exhaustion scenario */
  fdLimit?: number;
  /** listen() backlog of every node (default: Node's 511, capped by net.core.somaxconn) */
  backlog?: number;
  /** start without load (the caller starts `fleet.load`) */
  noLoad?: boolean;
  /** wraps the start of node k, e.g. to start it inside a CPU-limited cgroup (`start` forks it synchronously) */
  spawnNode?: (k: number, start: () => ChildProcess) => ChildProcess;
}

export interface ZooFleet {
  service: string;
  instances: string[];
  ports: number[];
  upstream: Upstream;
  load: LoadGenerator;
  setCause(node: number, cause: CauseName, on: boolean): void;
  stop(): Promise<void>;
}

function startNode(k: number, o: Required<Pick<ZooOptions, 'otlpEndpoint' | 'service' | 'instancePrefix' | 'exportIntervalMs' | 'nodeArgs'>> & ZooOptions, upstream: string): Promise<{ child: ChildProcess; port: number }> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    OTEL_SERVICE_NAME: o.service,
    OTEL_RESOURCE_ATTRIBUTES: `service.instance.id=${o.instancePrefix}${k}`,
    OTEL_EXPORTER_OTLP_ENDPOINT: o.otlpEndpoint,
    OTEL_METRIC_EXPORT_INTERVAL: String(o.exportIntervalMs),
    ...(o.otlpHeaders ? { OTEL_EXPORTER_OTLP_HEADERS: o.otlpHeaders } : {}),
    ZOO_UPSTREAM: upstream,
    ...(o.backlog !== undefined ? { ZOO_BACKLOG: String(o.backlog) } : {}),
  };
  const execArgv = ['--import', '@perf/agent', '--import', 'tsx', ...o.nodeArgs];
  const app = join(here, 'app.ts');
  const start = () =>
    o.fdLimit !== undefined
      ? fork(app, [], { cwd: webRoot, env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execPath: '/bin/sh', ...shellWrap(o.fdLimit, execArgv, app) })
      : fork(app, [], { cwd: webRoot, env, execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const child = o.spawnNode ? o.spawnNode(k, start) : start();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`zoo node ${k} did not start within 30 s`)), 30_000);
    child.once('message', (m: { port?: number }) => {
      clearTimeout(timer);
      if (typeof m?.port === 'number') resolve({ child, port: m.port });
      else reject(new Error(`zoo node ${k} sent ${JSON.stringify(m)}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`zoo node ${k} exited with ${code} before listening`));
    });
  });
}

/** fork() through `sh -c 'ulimit -n N; exec node …'` so the node starts with a lower descriptor limit. */
function shellWrap(fdLimit: number, execArgv: string[], app: string): { execArgv: string[] } {
  const quoted = [process.execPath, ...execArgv, app].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  // fork appends the module path after execArgv; `sh -c script` ignores the extra argument ($0)
  return { execArgv: ['-c', `ulimit -n ${fdLimit} && exec ${quoted}`] };
}

export async function startZoo(options: ZooOptions): Promise<ZooFleet> {
  const o = {
    nodes: 3,
    service: 'zoo',
    instancePrefix: 'zoo-node-',
    exportIntervalMs: 1000,
    nodeArgs: [],
    ...options,
  };
  const upstream = await startUpstream();
  const started = await Promise.allSettled(Array.from({ length: o.nodes }, (_, k) => startNode(k, o, upstream.url)));
  const nodes = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    for (const n of nodes) n.child.kill('SIGKILL');
    await upstream.close();
    throw (failed as PromiseRejectedResult).reason;
  }
  const ports = nodes.map((n) => n.port);
  const load = new LoadGenerator(ports, o.mix ?? DEFAULT_MIX);
  if (!o.noLoad) load.start();
  return {
    service: o.service,
    instances: nodes.map((_, k) => `${o.instancePrefix}${k}`),
    ports,
    upstream,
    load,
    setCause(node, cause, on) {
      nodes[node].child.send({ cause, on });
    },
    async stop() {
      load.stop();
      await Promise.all(
        nodes.map(
          ({ child }) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              const kill = setTimeout(() => child.kill('SIGKILL'), 3000);
              child.once('exit', () => {
                clearTimeout(kill);
                resolve();
              });
              child.kill('SIGTERM');
            }),
        ),
      );
      await upstream.close();
    },
  };
}
