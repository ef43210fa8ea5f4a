import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DashboardContext, MountedModule } from './context.js';

/** The modules mounted into the dashboard process, by folder (each has a `mount.ts`; see context.ts). */
export const MODULE_FOLDERS = ['diagnose', 'alerts'] as const;

/** Whether each module mounted, by folder, for `GET /api/v1/status` → `modules`. */
export type ModuleStates = Record<string, { mounted: boolean; error: string | null }>;

/**
 * Mounts every module whose `mount.ts` exists; a failing module is logged and skipped, and `states` says so
 * (an error with a stable `code` is one the user can act on: its sentence is logged without a stack).
 */
export async function mountModules(ctx: DashboardContext, only?: readonly string[], states: ModuleStates = {}): Promise<MountedModule[]> {
  const mounted: MountedModule[] = [];
  for (const folder of only ?? MODULE_FOLDERS) {
    const file = new URL(`./${folder}/mount.ts`, import.meta.url);
    if (!existsSync(fileURLToPath(file))) continue;
    try {
      const mod = (await import(`./${folder}/mount.js`)) as { mount?: (ctx: DashboardContext) => unknown };
      if (typeof mod.mount !== 'function') continue;
      const m = (await mod.mount(ctx)) as MountedModule | undefined;
      if (m) mounted.push(m);
      states[folder] = { mounted: true, error: null };
    } catch (err) {
      const coded = err instanceof Error && typeof (err as { code?: unknown }).code === 'string';
      if (coded) console.error(`perf: module ${folder} failed to mount and is skipped: ${err.message}`);
      else console.error(`perf: module ${folder} failed to mount and is skipped:`, err);
      states[folder] = { mounted: false, error: err instanceof Error ? err.message : String(err) };
    }
  }
  return mounted;
}
