// The zoo's downstream service (a "database" behind GET /user/:id): answers after `delayMs`. It runs in its
// own process without the agent (it is not part of the observed fleet), so it stays fast however busy the
// process that started it is.

import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface Upstream {
  url: string;
  /** response delay, ms (2 when healthy) */
  delayMs: number;
  close(): Promise<void>;
}

export async function startUpstream(delayMs = 2): Promise<Upstream> {
  const child = fork(fileURLToPath(new URL('./upstream-server.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ZOO_UPSTREAM_DELAY_MS: String(delayMs) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the zoo upstream did not start within 30 s')), 30_000);
    child.once('message', (m: { port?: number }) => {
      clearTimeout(timer);
      if (typeof m?.port === 'number') resolve(m.port);
      else reject(new Error(`the zoo upstream sent ${JSON.stringify(m)}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the zoo upstream exited with ${code}`));
    });
  });
  let current = delayMs;
  return {
    url: `http://127.0.0.1:${port}`,
    get delayMs() {
      return current;
    },
    set delayMs(v: number) {
      current = v;
      if (child.connected) child.send({ delayMs: v });
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const kill = setTimeout(() => child.kill('SIGKILL'), 3000);
        child.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
