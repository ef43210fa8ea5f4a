// Whether the Next.js UI is built, whole. Only node:fs and node:path here: `pnpm start` asks before anything of the
// workspace is built (scripts/ui.ts), so this module must not load the server.
import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const WEB_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** What `next build` (Next 16) writes after BUILD_ID, at its very end. */
const LAST_BUILD_FILES = ['prerender-manifest.json', join('server', 'preview-props.json')];

/**
 * A whole UI build: `next build` writes BUILD_ID before it has finished, and `next start` then fails on what is
 * still missing (an interrupted first build left `.next/server/preview-props.json` out): the files it writes last
 * must be there, and no older than BUILD_ID.
 */
export function uiBuilt(dir = WEB_DIR): boolean {
  const id = join(dir, '.next', 'BUILD_ID');
  if (!existsSync(id)) return false;
  const built = statSync(id).mtimeMs;
  return LAST_BUILD_FILES.every((f) => {
    const p = join(dir, '.next', f);
    return existsSync(p) && statSync(p).mtimeMs >= built;
  });
}
