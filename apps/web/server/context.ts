import type { FleetStore } from './store/FleetStore.js';
import type { FleetView } from './query/FleetView.js';
import type { ApiRouter } from './api/router.js';
import type { AlertsStatus, Finding } from './api/types.js';
import type { Persistence } from './store/persist.js';

/**
 * What the dashboard process hands to the modules that run inside it (the finder in server/diagnose,
 * the alerts engine in server/alerts).
 *
 * Convention: a module's folder has a `mount.ts` exporting
 *   `export async function mount(ctx: DashboardContext): Promise<MountedModule | void>`
 * (see server/modules.ts). It mounts its routes on `ctx.router`, reads fleet data through `ctx.view`,
 * runs its once-a-second work from `ctx.onTick`, and may publish to the live stream.
 */
export interface DashboardContext {
  store: FleetStore;
  view: FleetView;
  router: ApiRouter;
  /** the SQLite database (better-sqlite3) in PERF_DATA_DIR, or undefined when running in memory only */
  persistence: Persistence | undefined;
  /** PERF_DATA_DIR (absolute), or undefined in memory-only mode */
  dataDir: string | undefined;
  /** Calls fn once a second after the store settled that second (errors are logged, never thrown). */
  onTick(fn: (now: number) => void): void;
  /** The live stream's findings (the finder sets it; [] until then). */
  setFindingsSource(fn: (service: string | undefined) => Finding[]): void;
  /** Number of firing alerts shown on the live stream (the alerts engine sets it). */
  setAlertsFiringSource(fn: () => number): void;
  /** The `alerts` part of `GET /api/v1/status` (the alerts engine sets it; null until then). */
  setAlertsStatusSource(fn: () => AlertsStatus): void;
  /**
   * The port the UI and API listen on: the one actually bound once the process listens (PORT=0 picks a free
   * one), the configured PORT before. For links back to the UI when PERF_PUBLIC_URL is not set.
   */
  port(): number;
}

export interface MountedModule {
  /** Called on shutdown, before the store's final flush. */
  close?(): void | Promise<void>;
}
