// Mounts the bottleneck finder into the dashboard process (see server/context.ts): evaluates once a
// second after the store settles, serves GET /api/v1/findings, feeds the live stream and the alerts.
//   PERF_DIAGNOSIS_WINDOW   seconds of history the rules see (default 120)
//   PERF_DIAGNOSIS_RAISE    consecutive evaluations before a finding is raised (default 2)
//   PERF_DIAGNOSIS_CLEAR    consecutive quiet evaluations before it clears (default 5)
//   PERF_DIAGNOSIS_MAX_ROUTES  routes judged per service, the busiest in the window (default 500)

import type { DashboardContext, MountedModule } from '../context.js';
import type { FleetStore } from '../store/FleetStore.js';
import { findingsHandler } from './api.js';
import { DiagnosisService } from './service.js';
import { MAX_ROUTES_PER_SERVICE } from './adapter.js';

const services = new WeakMap<FleetStore, DiagnosisService>();

/** The live diagnosis of a dashboard (by its store), for other modules (alerts' `finding` rules). */
export function diagnosisFor(store: FleetStore): DiagnosisService | undefined {
  return services.get(store);
}

function envInt(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min || v > max) {
    console.warn(`perf: ${name}="${raw}" must be an integer from ${min} to ${max}; using ${fallback}`);
    return fallback;
  }
  return v;
}

export async function mount(ctx: DashboardContext): Promise<MountedModule> {
  const retention = ctx.store.options.tiers[0].retention;
  const diagnosis = new DiagnosisService(ctx.store, {
    windowSeconds: envInt('PERF_DIAGNOSIS_WINDOW', Math.min(120, retention), 10, retention),
    raiseAfter: envInt('PERF_DIAGNOSIS_RAISE', 2, 1, 60),
    clearAfter: envInt('PERF_DIAGNOSIS_CLEAR', 5, 1, 600),
    maxRoutesPerService: envInt('PERF_DIAGNOSIS_MAX_ROUTES', MAX_ROUTES_PER_SERVICE, 1, 100_000),
  });
  services.set(ctx.store, diagnosis);
  ctx.onTick((now) => diagnosis.evaluate(now));
  ctx.router.get('/api/v1/findings', findingsHandler(diagnosis, ctx.store.options.tiers.at(-1)!.retention));
  ctx.setFindingsSource((service) => [...diagnosis.findings(service)]);
  return {
    close() {
      diagnosis.stop();
      services.delete(ctx.store);
    },
  };
}
