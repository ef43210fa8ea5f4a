// The bottleneck zoo: every scenario by name (`pnpm demo --scenario NAME` loads NAME.ts's default export).

import blocking from './blocking.js';
import connectionStorm from './connection-storm.js';
import cpuHeavy from './cpu-heavy.js';
import errorBurst from './error-burst.js';
import fdExhaustion from './fd-exhaustion.js';
import gcChurn from './gc-churn.js';
import healthy from './healthy.js';
import leakingCache from './leaking-cache.js';
import skewedLoad from './skewed-load.js';
import slowDownstream from './slow-downstream.js';
import syncWait from './sync-wait.js';
import type { Scenario } from './zoo/scenario.js';

export const SCENARIOS: Record<string, Scenario> = Object.fromEntries(
  [healthy, blocking, cpuHeavy, gcChurn, slowDownstream, skewedLoad, leakingCache, errorBurst, fdExhaustion, connectionStorm, syncWait].map((s) => [s.name, s]),
);

export { startZoo, type ZooFleet, type ZooOptions } from './zoo/fleet.js';
export { startScenario, type RunningScenario } from './zoo/run.js';
export type { Scenario } from './zoo/scenario.js';
