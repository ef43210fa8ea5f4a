// Tests that need a network namespace of their own: the kernel's listen-overflow counters (TcpExt
// ListenOverflows / ListenDrops) are per namespace, so a test that overflows a real accept queue runs in a
// fresh one (`unshare -n`, loopback brought up with iproute2's `ip`; Linux, root), where they start at zero
// and the host's, which other tests watch, stay untouched. Such a test file re-runs itself inside:
//   if (!IN_NETNS) { test(..., { skip: netnsUnavailable() }, async () => { const r = await runInNetns(file); … }) }
//   else { …the real tests… }
import { spawn, spawnSync } from 'node:child_process';

/** set in the re-run inside the namespace */
export const IN_NETNS = process.env.PERF_TEST_NETNS === '1';

/** a new network namespace with its loopback up, then the command (`ip` may live outside a user's PATH) */
const UNSHARE = ['-n', 'sh', '-c', 'PATH="$PATH:/usr/sbin:/sbin" ip link set lo up && exec "$@"', 'sh'];

/** Why this machine cannot give a test a network namespace (false: it can). */
export function netnsUnavailable(): string | false {
  if (process.platform !== 'linux') return 'Linux only (listen-queue counters and network namespaces)';
  const r = spawnSync('unshare', [...UNSHARE, 'true'], { encoding: 'utf8' });
  if (r.error) return `unshare is not available (${r.error.message})`;
  if (r.status !== 0) return `cannot create a network namespace here (needs root, util-linux's unshare and iproute2's ip): ${r.stderr.trim()}`;
  return false;
}

/**
 * Runs `node --import tsx --test <file>` in a new network namespace with PERF_TEST_NETNS=1 and the spec
 * reporter; resolves with its exit code and everything it printed.
 */
export async function runInNetns(file: string): Promise<{ code: number | null; output: string }> {
  // without NODE_TEST_CONTEXT, which makes a nested `node --test` refuse to run files
  const env: NodeJS.ProcessEnv = { ...process.env, PERF_TEST_NETNS: '1' };
  delete env.NODE_TEST_CONTEXT;
  const child = spawn('unshare', [...UNSHARE, process.execPath, '--import', 'tsx', '--test', '--test-reporter=spec', file], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d));
  child.stderr.on('data', (d: Buffer) => (output += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, output };
}

/** The spec reporter's summary of a run: how many tests passed and failed. */
export function summary(output: string): { pass: number; fail: number } {
  const count = (what: string) => Number(new RegExp(`^ℹ ${what} (\\d+)$`, 'm').exec(output)?.[1] ?? NaN);
  return { pass: count('pass'), fail: count('fail') };
}
