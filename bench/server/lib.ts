// Helpers for server benchmarks: a dashboard in its own process (so its CPU is its own), CPU readings.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const webDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'apps', 'web');

export interface Dashboard {
  child: ChildProcess;
  url: string;
  otlpUrl: string;
  stop(): Promise<void>;
}

/** Starts `server/main.ts` (API only, in-memory store) on ephemeral ports. */
export function startDashboard(env: Record<string, string> = {}): Promise<Dashboard> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', '--no-ui'], {
    cwd: webDir,
    env: { ...process.env, PORT: '0', PERF_OTLP_PORT: '0', HOST: '127.0.0.1', PERF_DATA_DIR: 'memory', PERF_UI: 'false', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c) => {
      out += c;
      const p = /dashboard: http:\/\/[^:]+:(\d+)/.exec(out);
      const o = /receiver: http:\/\/[^:]+:(\d+)/.exec(out);
      if (p && o) {
        child.stdout!.removeAllListeners('data');
        child.stdout!.resume();
        resolve({
          child,
          url: `http://127.0.0.1:${p[1]}`,
          otlpUrl: `http://127.0.0.1:${o[1]}`,
          stop: () =>
            new Promise<void>((r) => {
              child.once('exit', () => r());
              child.kill('SIGTERM');
            }),
        });
      }
    });
    child.once('exit', (code) => reject(new Error(`dashboard exited ${code}: ${out}`)));
  });
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[11] = utime, fields[12] = stime (in clock ticks, 100/s on Linux)
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export function percentile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}
