import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DashboardContext, MountedModule } from './context.js';

/** The modules mounted into the dashboard process, by folder (each has a `mount.ts`; see context.ts). */
export const MODULE_FOLDERS = ['diagnose', 'alerts'] as const;

/** Mounts every module whose `mount.ts` exists; a failing module is logged and skipped. */
export async function mountModules(ctx: DashboardContext, only?: readonly string[]): Promise<MountedModule[]> {
  const mounted: MountedModule[] = [];
  for (const folder of only ?? MODULE_FOLDERS) {
    const file = new URL(`./${folder}/mount.ts`, import.meta.url);
    if (!existsSync(fileURLToPath(file))) continue;
    try {
      const mod = (await import(`./${folder}/mount.js`)) as { mount?: (ctx: DashboardContext) => unknown };
      if (typeof mod.mount !== 'function') continue;
      const m = (await mod.mount(ctx)) as MountedModule | undefined;
      if (m) mounted.push(m);
    } catch (err) {
      console.error(`perf: module ${folder} failed to mount and is skipped:`, err);
    }
  }
  return mounted;
}
