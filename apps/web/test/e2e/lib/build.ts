// E2E tests need a production build of the UI (`next build`). `pnpm test` builds first (build:all); a quick
// run (`node scripts/test.mjs --quick apps/web/test/e2e`) builds here when the build is missing or older
// than any UI source file. A file lock keeps parallel suites from building at the same time.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { uiBuilt } from '../../../server/ui-build.js';

export const WEB_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const SOURCES = ['app', 'components', 'lib', 'public', 'next.config.ts'];

function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let m = st.mtimeMs;
  for (const e of readdirSync(path)) m = Math.max(m, newest(join(path, e)));
  return m;
}

export function buildIsFresh(): boolean {
  const id = join(WEB_DIR, '.next', 'BUILD_ID');
  if (!existsSync(id) || !uiBuilt(WEB_DIR)) return false;
  const built = statSync(id).mtimeMs;
  return SOURCES.every((s) => newest(join(WEB_DIR, s)) <= built);
}

/** Runs `next build` (under a lock) unless a fresh build exists or another suite built it while we waited. */
export function ensureBuild(): void {
  if (buildIsFresh()) return;
  const id = join(WEB_DIR, '.next', 'BUILD_ID');
  const before = existsSync(id) ? String(Math.floor(statSync(id).mtimeMs / 1000)) : '0';
  const script = 'cur=$(stat -c %Y .next/BUILD_ID 2>/dev/null || echo 0); [ "$cur" != "$BEFORE" ] || npx next build';
  execFileSync('flock', ['/tmp/perf-next-build.lock', 'sh', '-c', script], {
    cwd: WEB_DIR,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, BEFORE: before, NEXT_TELEMETRY_DISABLED: '1', NODE_ENV: 'production' },
    timeout: 300_000,
  });
}
