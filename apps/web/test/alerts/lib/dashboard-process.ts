// The dashboard (API only, no UI build needed) in a child process that the test can kill -9 and start again
// on the same ports with the same PERF_DATA_DIR: the crash/restart cases need a real process.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const WEB_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const CHILD = join(WEB_DIR, 'test', 'alerts', 'lib', 'dashboard-child.ts');

export interface DashboardProcess {
  child: ChildProcess;
  port: number;
  otlpPort: number;
  url: string;
  otlpUrl: string;
  stderr: () => string;
}

export async function spawnDashboard(dataDir: string, env: Record<string, string>, ports: { port?: number; otlpPort?: number } = {}): Promise<DashboardProcess> {
  const options = { ui: false, port: ports.port ?? 0, otlpPort: ports.otlpPort ?? 0, host: '127.0.0.1', dataDir, flushIntervalMs: 1000 };
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
    cwd: WEB_DIR,
    env: { ...process.env, ...env, PERF_ALERTS_E2E_OPTIONS: JSON.stringify(options) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const { port, otlpPort } = await new Promise<{ port: number; otlpPort: number }>((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`dashboard did not start in 60 s: ${err}`));
    }, 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(t);
      try {
        resolve(JSON.parse(out.slice(0, nl)));
      } catch {
        child.kill('SIGKILL');
        reject(new Error(`dashboard said: ${out} ${err}`));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`dashboard exited ${code}: ${err}`));
    });
  });
  return { child, port, otlpPort, url: `http://127.0.0.1:${port}`, otlpUrl: `http://127.0.0.1:${otlpPort}`, stderr: () => err };
}

/** Stops the child: SIGKILL simulates a crash (no shutdown code runs), SIGTERM a clean stop. */
export async function stopDashboard(d: DashboardProcess, signal: 'SIGKILL' | 'SIGTERM' = 'SIGTERM'): Promise<void> {
  if (d.child.exitCode !== null || d.child.signalCode !== null) return;
  const exited = once(d.child, 'exit');
  d.child.kill(signal);
  const t = setTimeout(() => d.child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(t);
}
