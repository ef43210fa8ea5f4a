// Regression: SIGTERM to `pnpm start` made pnpm exit ("[ELIFECYCLE] Command failed.") without passing the signal
// on, and scripts/bootstrap.mjs, scripts/start.ts and server/main.ts lived on, re-parented to init, holding the
// ports, unflushed. Here a stand-in for pnpm runs the root package.json's `start` (and `demo`) command as its
// script, the dashboard comes up on free ports, the stand-in is killed with SIGTERM (it dies without passing it on,
// as pnpm did), and every process of the chain must be gone and the ports free within a few seconds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitFor } from '../server/lib/server.js';

// the processes are found through /proc
const linuxOnly = { timeout: 120_000, skip: process.platform !== 'linux' && 'reads /proc (Linux)' };
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

/** The root package.json's command for a script, split into node's arguments (`node scripts/bootstrap.mjs run …`). */
function rootScript(name: string): string[] {
  const command = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts[name];
  const [node, ...args] = command.split(' ');
  assert.equal(node, 'node', `the ${name} script runs node: ${command}`);
  return args;
}

/** `[pid, ppid, state]` of every process, from /proc. */
function processes(): [number, number, string][] {
  const out: [number, number, string][] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      // "pid (comm) state ppid …"; comm may hold spaces and parentheses
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.push([Number(e), Number(ppid), state]);
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/** Every live descendant of `pid`. */
function descendants(pid: number): number[] {
  const all = processes();
  const found: number[] = [];
  const walk = (p: number) => {
    for (const [c, pp] of all) {
      if (pp !== p || found.includes(c)) continue;
      found.push(c);
      walk(c);
    }
  };
  walk(pid);
  return found;
}

/** Alive and not a zombie waiting for a parent that does not reap. */
function alive(pid: number): boolean {
  return processes().some(([p, , state]) => p === pid && state !== 'Z');
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/**
 * A stand-in for pnpm: starts `node <args>` as its script with its own stdio, then waits; SIGTERM ends it without
 * passing the signal on. Resolves once `ready` matches the output.
 */
async function underShortLivedParent(args: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<{ parent: ChildProcess; output: () => string }> {
  const script = `require('node:child_process').spawn(process.execPath, ${JSON.stringify(args)}, { stdio: 'inherit' }); setInterval(() => {}, 1e6);`;
  const parent = spawn(process.execPath, ['-e', script], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  parent.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  parent.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor(() => ready.test(out), 90_000, `the chain to come up; it said:\n${out}`);
  return { parent, output: () => out };
}

async function assertChainStops(args: string[], extraEnv: Record<string, string>, ready: RegExp, chain: RegExp[]): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'perf-launcher-'));
  const port = await freePort();
  const otlpPort = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), PERF_OTLP_PORT: String(otlpPort), HOST: '127.0.0.1', PERF_DATA_DIR: dataDir, ...extraEnv };
  delete env.PERF_LAUNCHER_PID;
  let pids: number[] = [];
  try {
    const { parent, output } = await underShortLivedParent(args, env, ready);
    assert.ok(await portAnswers(port), 'the dashboard answers on PORT');
    pids = descendants(parent.pid!);
    const commands = pids.map((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8').replaceAll('\0', ' '));
    for (const c of chain) assert.ok(commands.some((x) => c.test(x)), `${c} runs under the parent: ${commands.join(' | ')}`);

    const exited = once(parent, 'exit');
    parent.kill('SIGTERM');
    await exited;
    const t0 = Date.now();
    await waitFor(async () => !(await portAnswers(port)) && !(await portAnswers(otlpPort)), 5000, 'PORT and PERF_OTLP_PORT to be released').catch((err: Error) => {
      throw new Error(`${err.message}; output:\n${output()}`);
    });
    await waitFor(() => pids.every((p) => !alive(p)), 5000, `every process of the chain to exit (${pids.filter(alive).join(', ')} left)`);
    assert.ok(Date.now() - t0 < 5000);
    assert.match(output(), /flushing and stopping/, 'the dashboard stopped cleanly (it flushes on the way)');
  } finally {
    for (const p of pids) if (alive(p)) process.kill(p, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

test('pnpm start: when the process that ran it exits on SIGTERM, the whole chain stops and frees the ports', linuxOnly, async () => {
  // PERF_UI=false: the API only, without building the UI (the chain is the same)
  await assertChainStops(rootScript('start'), { PERF_UI: 'false' }, /OTLP\/HTTP receiver: /, [/scripts\/bootstrap\.mjs run start:web/, /scripts\/start\.ts/, /server\/main\.ts/]);
});

test('pnpm demo: the same for the demo (dashboard and demo nodes)', linuxOnly, async () => {
  await assertChainStops([...rootScript('demo'), '--', '--nodes', '1', '--no-ui', '--rate', '10'], {}, /perf demo is running/, [
    /scripts\/bootstrap\.mjs run demo:run/,
    /demo\/run\.ts/,
    /server\/main\.ts/,
    /demo\/app\.ts/,
  ]);
});

test('a launcher pid inherited from further up (npm test → bootstrap → test runner → a test\'s dashboard) is not taken for a gone launcher', async () => {
  const { onLauncherGone, LAUNCHER_PID } = await import('../../server/launcher.js');
  let gone = false;
  // what a dashboard spawned by a test sees: the variable names the bootstrap, which is not its parent
  const env: NodeJS.ProcessEnv = { ...process.env, [LAUNCHER_PID]: String(process.ppid === 1 ? 2 : 1) };
  const stop = onLauncherGone(() => (gone = true), env);
  await new Promise((r) => setTimeout(r, 1500));
  stop();
  assert.equal(gone, false);
  assert.equal(env[LAUNCHER_PID], undefined, 'and it is not passed on');
  // our real parent, named: watched, and not gone while it lives
  const watched: NodeJS.ProcessEnv = { ...process.env, [LAUNCHER_PID]: String(process.ppid) };
  const stop2 = onLauncherGone(() => (gone = true), watched);
  await new Promise((r) => setTimeout(r, 1200));
  stop2();
  assert.equal(gone, false);
});
