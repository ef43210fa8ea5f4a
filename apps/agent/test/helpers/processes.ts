// Child-process servers for the end-to-end tests: started with the built agent (`--import @perf/agent`
// resolved from apps/agent, i.e. the package's own dist/ through its exports), killed after each test.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const agentDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const fixtures = join(agentDir, 'test', 'fixtures');

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** Builds dist/ when it is missing or older than src/ (the tests run the package as users do). */
export function ensureBuilt(): void {
  const entry = join(agentDir, 'dist', 'index.js');
  if (existsSync(entry) && statSync(entry).mtimeMs >= newest(join(agentDir, 'src'))) return;
  const r = spawnSync('flock', ['/tmp/perf-agent-build.lock', process.execPath, 'scripts/build.mjs'], { cwd: agentDir, stdio: 'inherit' });
  if (r.status !== 0) throw new Error('building @perf/agent failed');
}

export interface Child {
  proc: ChildProcess;
  /** the first JSON line the fixture printed (its port, usually) */
  ready: Record<string, unknown>;
  /** every line printed after that */
  lines: string[];
  stderr: () => string;
  exited: Promise<number | null>;
  kill: () => Promise<void>;
}

/** Starts `node <nodeArgs> fixtures/<file>` (or an absolute path) with the agent configured by `env`; waits for its first JSON line. */
export async function startFixture(file: string, env: Record<string, string>, nodeArgs: string[] = ['--import', '@perf/agent']): Promise<Child> {
  ensureBuilt();
  const proc = spawn(process.execPath, [...nodeArgs, isAbsolute(file) ? file : join(fixtures, file)], {
    cwd: agentDir,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH, HOME: process.env.HOME, OTEL_METRIC_EXPORT_INTERVAL: '200', ...env },
  });
  let err = '';
  proc.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  const lines: string[] = [];
  const rl = createInterface({ input: proc.stdout! });
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    let first = true;
    rl.on('line', (line) => {
      if (first) {
        first = false;
        try {
          resolve(JSON.parse(line));
        } catch {
          reject(new Error(`fixture printed ${line}`));
        }
      } else lines.push(line);
    });
    void exited.then((code) => reject(new Error(`${file} exited with ${code} before it was ready: ${err}`)));
  });
  return {
    proc,
    ready,
    lines,
    stderr: () => err,
    exited,
    kill: async () => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await exited;
    },
  };
}

/** Sends `n` requests (bounded concurrency) and returns the status codes seen. */
export async function hit(base: string, paths: string[], concurrency = 8, init?: RequestInit): Promise<number[]> {
  const statuses: number[] = [];
  let next = 0;
  async function worker() {
    while (next < paths.length) {
      const p = paths[next++];
      const r = await fetch(base + p, init);
      await r.arrayBuffer();
      statuses.push(r.status);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  return statuses;
}

/** Resolves once the child has printed `line` (a whole line, after its first JSON line). */
export function printed(child: Child, line: string): Promise<void> {
  return new Promise<void>((resolve) => {
    const check = setInterval(() => {
      if (child.lines.includes(line)) resolve(clearInterval(check));
    }, 5);
  });
}
