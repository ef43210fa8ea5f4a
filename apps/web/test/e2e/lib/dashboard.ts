// The real dashboard for E2E tests: `startServer` with the UI (after `next build`) in a child process
// (lib/server-child.ts), on ephemeral ports with a temporary SQLite directory, restartable on the same
// ports (to test reconnection). A child process also keeps the dashboard's CPU apart from the test
// runner's (simulator, Playwright), as in production.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerOptions } from '../../../server/server.js';
import { ensureBuild, WEB_DIR } from './build.js';

export interface Dashboard {
  readonly url: string;
  readonly otlpUrl: string;
  readonly dataDir: string;
  readonly child: ChildProcess | null;
  /** Stops the server (the browser sees the connection drop). */
  stop(): Promise<void>;
  /** Starts it again on the same ports with the same data directory. */
  start(): Promise<void>;
  /** Stops and removes the data directory. */
  close(): Promise<void>;
}

type ChildOptions = Omit<ServerOptions, 'log'>;

async function spawnServer(options: ChildOptions): Promise<{ child: ChildProcess; port: number; otlpPort: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(WEB_DIR, 'test', 'e2e', 'lib', 'server-child.ts')], {
    cwd: WEB_DIR,
    env: { ...process.env, NODE_ENV: 'production', NEXT_TELEMETRY_DISABLED: '1', PERF_E2E_OPTIONS: JSON.stringify(options) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
    if (process.env.PERF_E2E_VERBOSE) process.stderr.write(d);
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`dashboard did not start in 60 s: ${err}`));
    }, 60_000);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /PERF_E2E_READY (\{.*\})\n/.exec(out);
      if (!m) return;
      clearTimeout(t);
      const { port, otlpPort } = JSON.parse(m[1]) as { port: number; otlpPort: number };
      resolve({ child, port, otlpPort });
    });
    child.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`dashboard exited ${code}: ${err}`));
    });
  });
}

async function stopChild(child: ChildProcess | null): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(t);
}

export async function startDashboard(options: ChildOptions = {}): Promise<Dashboard> {
  ensureBuild();
  const dataDir = mkdtempSync(join(tmpdir(), 'perf-ui-e2e-'));
  const base: ChildOptions = { ui: true, port: 0, otlpPort: 0, host: '127.0.0.1', dataDir, ...options };
  const first = await spawnServer(base);
  let child: ChildProcess | null = first.child;
  const ports = { port: first.port, otlpPort: first.otlpPort };
  return {
    url: `http://127.0.0.1:${ports.port}`,
    otlpUrl: `http://127.0.0.1:${ports.otlpPort}`,
    dataDir,
    get child() {
      return child;
    },
    async stop() {
      await stopChild(child);
      child = null;
    },
    async start() {
      if (child) return;
      child = (await spawnServer({ ...base, ...ports })).child;
    },
    async close() {
      await stopChild(child);
      child = null;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** GET JSON from the dashboard's API (with a bearer token when given). */
export async function api<T>(url: string, path: string, token?: string): Promise<T> {
  const res = await fetch(`${url}/api/v1/${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  if (!res.ok) throw new Error(`GET ${path}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Polls `fn` until it returns a truthy value (or throws after `timeoutMs`). */
export async function until<T>(what: string, fn: () => Promise<T | null | undefined | false> | T | null | undefined | false, timeoutMs = 20_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
