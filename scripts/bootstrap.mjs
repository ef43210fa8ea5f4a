#!/usr/bin/env node
// Makes a fresh machine with only Node.js 20 and npm ready to run perf, then runs a root script.
//   node scripts/bootstrap.mjs               install pnpm (pinned) and the workspace's packages
//   node scripts/bootstrap.mjs run NAME ...  the same, then `pnpm run NAME ...`
// pnpm is installed into ./.tools (no global install, no corepack) unless the pinned version is on PATH.
import { spawnSync, spawn } from 'node:child_process';
import { existsSync, statSync, readFileSync } from 'node:fs';
import { dirname, join, delimiter } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// who started us (pnpm, npm's `sh -c`, a shell), read before the installs below block for a while
const parent = process.ppid;
const pinned = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager.split('@')[1];
const toolsBin = join(root, '.tools', 'node_modules', '.bin');

const env = { ...process.env, NEXT_TELEMETRY_DISABLED: '1' };
env.PATH = `${toolsBin}${delimiter}${join(root, 'node_modules', '.bin')}${delimiter}${env.PATH ?? ''}`;
// better-sqlite3 compiles from source under pnpm; node-gyp must use the local Node headers, not download them.
if (!env.npm_config_nodedir && existsSync('/usr/include/node/node.h')) {
  env.npm_config_nodedir = '/usr';
  env.pnpm_config_nodedir = '/usr';
}

function sh(cmd, args, opts = {}) {
  return spawnSync(cmd, args, { cwd: root, env, stdio: 'inherit', ...opts });
}

function pnpmVersion() {
  const r = spawnSync('pnpm', ['--version'], { cwd: root, env, encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

function ensurePnpm() {
  if (pnpmVersion() === pinned) return;
  console.error(`perf: installing pnpm ${pinned} into .tools/ ...`);
  const r = sh('npm', ['install', '--prefix', join(root, '.tools'), '--no-audit', '--no-fund', '--loglevel=error', `pnpm@${pinned}`]);
  if (r.status !== 0 || pnpmVersion() !== pinned) {
    console.error(`perf: could not install pnpm ${pinned} with npm (exit ${r.status}). Install it yourself: npm i -g pnpm@${pinned}`);
    process.exit(1);
  }
}

function mtime(p) {
  try { return statSync(join(root, p)).mtimeMs; } catch { return 0; }
}

function ensureInstalled() {
  const marker = mtime('node_modules/.modules.yaml');
  const lock = mtime('pnpm-lock.yaml');
  const manifests = ['package.json', 'pnpm-workspace.yaml'].map(mtime);
  if (marker && marker >= lock && manifests.every((m) => marker >= m)) return;
  console.error('perf: installing packages (first run compiles better-sqlite3, about a minute) ...');
  const args = ['install'];
  if (lock) args.push('--frozen-lockfile');
  const r = sh('pnpm', args);
  if (r.status !== 0) {
    console.error('perf: `pnpm install` failed; see the output above.');
    process.exit(r.status ?? 1);
  }
}

ensurePnpm();
ensureInstalled();

const [verb, script, ...rest] = process.argv.slice(2);
if (verb === 'run' && script) {
  // A plain `node …` script runs directly, without a pnpm layer in between: Ctrl-C then reaches it as
  // it would a plain command, and a clean stop is not reported as a failed lifecycle script.
  const command = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts?.[script] ?? '';
  const direct = /^node( [\w./@=:-]+)+$/.test(command) ? command.split(' ').slice(1) : null;
  // A direct child learns our pid (PERF_LAUNCHER_PID, apps/web/server/launcher.ts) and stops when we are gone;
  // through pnpm its parent would be pnpm's shell, not us, so it is not told.
  delete env.PERF_LAUNCHER_PID;
  const child = direct
    ? spawn(process.execPath, [...direct, ...rest.filter((a, i) => !(i === 0 && a === '--'))], { cwd: root, env: { ...env, PERF_LAUNCHER_PID: String(process.pid) }, stdio: 'inherit' })
    : spawn('pnpm', ['run', '--silent', script, ...rest], { cwd: root, env, stdio: 'inherit' });
  // The child shares our terminal, so Ctrl-C reaches it directly; a signal sent to us alone goes on to it. Either
  // way it stops in its own way (the dashboard flushes) and we exit when it has.
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  // pnpm exits on SIGTERM without passing it on ("[ELIFECYCLE] Command failed."), which left us re-parented to
  // init with the dashboard still holding its ports: when whoever started us is gone, stop as on SIGTERM.
  // One getppid() a second, on an unref'd timer.
  const watch = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(watch);
    child.kill('SIGTERM');
  }, 1000);
  watch.unref();
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
