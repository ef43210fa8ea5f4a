// Outside audit Y: `pnpm simulate … --api URL` against a dashboard with PERF_API_TOKEN printed "dashboard API not
// reachable: Invalid time value" (it read the 401's body as a fleet), and there was no way to pass the token. Here the
// command runs for real against a token-protected dashboard: without the token it says what the API answered, with
// `--api-token` it prints the comparison.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { testServer } from '../server/lib/server.js';

const WEB = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

async function simulate(args: string[]): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'simulator/cli.ts', '--nodes', '2', '--rps-per-node', '50', '--routes', '2', '--duration', '8', ...args], {
    cwd: WEB,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PERF_API_TOKEN: '' },
  });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (out += c));
  await once(child, 'exit');
  return out;
}

test('simulate --api: a token-protected API says so, and --api-token compares', { timeout: 90_000 }, async () => {
  const srv = await testServer({ apiToken: 'api-secret' });
  try {
    const target = ['--target', srv.otlpUrl, '--api', srv.url];
    const without = await simulate(target);
    assert.match(without, /dashboard API answered 401 PERF_API_UNAUTHORIZED.*--api-token/);
    assert.doesNotMatch(without, /Invalid time value/);
    const withToken = await simulate([...target, '--api-token', 'api-secret']);
    assert.match(withToken, /dashboard \(window ending \d\d:\d\d:\d\d vs \d\d:\d\d:\d\d\): rps \d+/);
  } finally {
    await srv.dispose();
  }
});
