// `pnpm start`: build the UI if it is missing or stale, then run the dashboard (server/main.ts).
//   pnpm start --no-ui   (or PERF_UI=false) the API only, without building the UI
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { ensureBuilt, ensureUi, WEB_DIR } from './ui.js';
import { childEnv, onLauncherGone, STOP_SIGNALS } from '../server/launcher.js';

const started: { dashboard?: ChildProcess } = {};
// when whoever started us is gone (pnpm exits on SIGTERM without passing it on), stop the dashboard as SIGTERM would
onLauncherGone(() => (started.dashboard === undefined ? process.exit(1) : started.dashboard.kill('SIGTERM')));

ensureBuilt();
const wantUi = !process.argv.includes('--no-ui') && process.env.PERF_UI !== 'false';
const ui = wantUi ? ensureUi() : 'off';
const args = ['--import', 'tsx', join(WEB_DIR, 'server', 'main.ts')];
if (ui === 'absent') console.warn('perf: no UI in this checkout yet (apps/web/app missing): starting with the API only.');
if (ui === 'failed') console.warn('perf: the UI build failed (see above): starting with the API only. Fix the build and run "pnpm start" again.');
if (ui === 'absent' || ui === 'failed' || ui === 'off') args.push('--no-ui');
// a child process, so `pnpm start` shows the server's own output; signals sent to us go on to it, and it stops
// (flushing) in its own way
const dashboard = spawn(process.execPath, args, { stdio: 'inherit', env: childEnv(), cwd: process.cwd() });
started.dashboard = dashboard;
for (const sig of STOP_SIGNALS) process.on(sig, () => dashboard.kill(sig));
dashboard.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
