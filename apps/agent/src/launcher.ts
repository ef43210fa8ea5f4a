import { realpathSync } from 'node:fs';

/**
 * Processes that run a server rather than being one: package managers and launchers that inherit the agent through
 * `NODE_OPTIONS="--import @perf/agent"` (npm, npx, pnpm, yarn, corepack, tsx's command line) and `next build` with
 * its workers. Each would otherwise be a node of its own on the dashboard, idle, and shown as down once it ended
 * without the agent's last export (an outside audit counted 2 nodes for `npm start` of a Next.js app, 5 for
 * `npx next build`). Judged by the script node runs (`process.argv[1]`) and, for Next.js, its command.
 */
const LAUNCHER_SCRIPT =
  /[\\/](?:npm[\\/]bin[\\/](?:npm|npx)-cli\.js|pnpm[\\/](?:bin[\\/])?pnpm\.c?js|pnpm[\\/]dist[\\/]pnpm\.c?js|yarn[\\/]bin[\\/]yarn\.c?js|corepack[\\/]dist[\\/]corepack\.js|tsx[\\/]dist[\\/]cli\.m?js|next[\\/]dist[\\/]compiled[\\/]jest-worker[\\/][^\\/]+)$/;
const NEXT_BIN = /[\\/]next[\\/]dist[\\/]bin[\\/]next$/;

export function isLauncher(argv: readonly string[] = process.argv): boolean {
  // as started: often a link in a bin folder (/usr/bin/npm, node_modules/.bin/next), so the file it points to
  let script = argv[1] ?? '';
  try {
    if (script !== '') script = realpathSync(script);
  } catch {
    // not a file (node -e, a REPL): as given
  }
  if (LAUNCHER_SCRIPT.test(script)) return true;
  // `next build` (and `next lint`, `next info`…): only `next start` and `next dev` serve
  if (NEXT_BIN.test(script)) return argv[2] !== undefined && !['start', 'dev'].includes(argv[2]) && !argv[2].startsWith('-');
  return false;
}
