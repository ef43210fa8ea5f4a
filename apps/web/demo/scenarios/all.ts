// Every scenario by name. Kept apart from index.ts, which also re-exports zoo/run.ts: run.ts's command line
// imports this module, and importing index.ts from there would be an import cycle that never settles.

import blocking from './blocking.js';
import connectionStorm from './connection-storm.js';
import cpuHeavy from './cpu-heavy.js';
import errorBurst from './error-burst.js';
import fdExhaustion from './fd-exhaustion.js';
import gcChurn from './gc-churn.js';
import healthy from './healthy.js';
import hungRequests from './hung-requests.js';
import leakingCache from './leaking-cache.js';
import skewedLoad from './skewed-load.js';
import slowDownstream from './slow-downstream.js';
import syncWait from './sync-wait.js';
import type { Scenario } from './zoo/scenario.js';

export const SCENARIOS: Record<string, Scenario> = Object.fromEntries(
  [healthy, blocking, cpuHeavy, gcChurn, slowDownstream, skewedLoad, leakingCache, errorBurst, fdExhaustion, connectionStorm, syncWait, hungRequests].map((s) => [s.name, s]),
);
