// `pnpm start`: build the UI if it is missing or stale, then run the dashboard (server/main.ts).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ensureBuilt, ensureUi, WEB_DIR } from './ui.js';

ensureBuilt();
const ui = ensureUi();
const args = ['--import', 'tsx', join(WEB_DIR, 'server', 'main.ts')];
if (ui === 'absent') console.warn('perf: no UI in this checkout yet (apps/web/app missing): starting with the API only.');
if (ui === 'failed') console.warn('perf: the UI build failed (see above): starting with the API only. Fix the build and run "pnpm start" again.');
if (ui === 'absent' || ui === 'failed') args.push('--no-ui');
// a child process, so `pnpm start` shows the server's own output and signals reach it directly
const child = spawn(process.execPath, args, { stdio: 'inherit', env: process.env, cwd: process.cwd() });
const forward = (sig: NodeJS.Signals) => child.kill(sig);
process.on('SIGINT', () => forward('SIGINT'));
process.on('SIGTERM', () => forward('SIGTERM'));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
