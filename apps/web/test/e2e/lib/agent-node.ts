// A real Node.js server process with the real agent (`node --import @perf/agent`), exporting OTLP to the
// dashboard under test and loading itself with a steady trickle of requests on three routes.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { WEB_DIR } from './build.js';

const APP = `
import http from 'node:http';
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname.startsWith('/users/')) return setTimeout(() => res.end('user'), 5);
  if (url.pathname === '/slow') return setTimeout(() => res.end('slow'), 40);
  // one request as slow as a test asks (a latency spike), off the steady trickle below
  if (url.pathname === '/sleep') return setTimeout(() => res.end('slept'), Number(url.searchParams.get('ms')));
  if (url.pathname === '/fail') { res.statusCode = 500; return res.end('no'); }
  res.end('ok');
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  console.log('PORT ' + port);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const paths = ['/', '/users/1', '/users/2', '/slow', '/fail'];
  let i = 0;
  setInterval(() => {
    for (let k = 0; k < 5; k++) {
      const p = paths[i++ % paths.length];
      http.get({ host: '127.0.0.1', port, path: p, agent }, (r) => r.resume()).on('error', () => {});
    }
  }, 50).unref();
});
`;

export interface AgentNode {
  child: ChildProcess;
  port: number;
  stop(): Promise<void>;
}

/** Starts one agent node exporting to `otlpEndpoint` (e.g. http://127.0.0.1:4318) as `service`. */
export function startAgentNode(otlpEndpoint: string, service: string, extraEnv: Record<string, string> = {}): Promise<AgentNode> {
  return startAgentApp(otlpEndpoint, service, APP, extraEnv);
}

/**
 * Starts `app` (ES module source that listens on port 0 and prints `PORT <n>`) under the real agent, exporting to
 * `otlpEndpoint` as `service`.
 */
export async function startAgentApp(otlpEndpoint: string, service: string, app: string, extraEnv: Record<string, string> = {}): Promise<AgentNode> {
  const child = spawn(process.execPath, ['--import', '@perf/agent', '--input-type=module', '-e', app], {
    cwd: WEB_DIR,
    env: {
      PATH: process.env.PATH ?? '',
      NODE_ENV: 'production',
      OTEL_SERVICE_NAME: service,
      OTEL_EXPORTER_OTLP_ENDPOINT: otlpEndpoint,
      OTEL_METRIC_EXPORT_INTERVAL: '1000',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => reject(new Error(`agent node did not start: ${err}`)), 20_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /PORT (\d+)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`agent node exited ${code}: ${err}`));
    });
  });
  return {
    child,
    port,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await once(child, 'exit');
    },
  };
}
