// Builds the Next.js UI when `.next/BUILD_ID` is missing or older than the UI sources, or the last build did not
// finish (see uiBuilt in server/ui-build.ts).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { uiBuilt, WEB_DIR } from '../server/ui-build.js';

export { WEB_DIR };

const SOURCES = ['app', 'components', 'lib', 'public', 'next.config.ts', 'package.json'];

/** Newest modification time (ms) of a file or of anything under a folder (node_modules skipped). */
export function newest(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let m = st.mtimeMs;
  for (const e of readdirSync(path)) if (e !== 'node_modules') m = Math.max(m, newest(join(path, e)));
  return m;
}

/** 'built' | 'fresh' (already up to date) | 'absent' (no app/ yet) | 'failed' */
export function ensureUi(log: (m: string) => void = console.log): 'built' | 'fresh' | 'absent' | 'failed' {
  if (!existsSync(join(WEB_DIR, 'app'))) return 'absent';
  const marker = join(WEB_DIR, '.next', 'BUILD_ID');
  const built = existsSync(marker) ? statSync(marker).mtimeMs : 0;
  const src = Math.max(...SOURCES.map((s) => newest(join(WEB_DIR, s))));
  const whole = uiBuilt(WEB_DIR);
  if (built > 0 && built >= src && whole) return 'fresh';
  log(
    built === 0
      ? 'perf: building the UI (first start, 10–20 s)…'
      : !whole
        ? 'perf: the last UI build did not finish; building again (10–20 s)…'
        : 'perf: the UI sources changed since the last build; building (10–20 s)…',
  );
  const nextBin = join(WEB_DIR, 'node_modules', 'next', 'dist', 'bin', 'next');
  const r = spawnSync(process.execPath, [nextBin, 'build'], { cwd: WEB_DIR, stdio: 'inherit', env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' } });
  return r.status === 0 ? 'built' : 'failed';
}

const ROOT = join(WEB_DIR, '..', '..');

/** Builds @perf/metrics and @perf/agent when their dist is missing or older than their sources. */
export function ensureBuilt(): void {
  for (const [pkg, dir] of [
    ['@perf/metrics', 'packages/metrics'],
    ['@perf/agent', 'apps/agent'],
  ]) {
    const built = join(ROOT, dir, 'dist', 'index.js');
    if (existsSync(built) && newest(join(ROOT, dir, 'dist')) >= newest(join(ROOT, dir, 'src'))) continue;
    console.log(`perf: building ${pkg}…`);
    const r = spawnSync('pnpm', ['--filter', pkg, 'run', 'build'], { cwd: ROOT, stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`building ${pkg} failed`);
  }
}
