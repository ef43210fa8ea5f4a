// The bottleneck zoo: every scenario by name (`pnpm demo --scenario NAME` loads NAME.ts's default export).
export { SCENARIOS } from './all.js';

export { startZoo, type ZooFleet, type ZooOptions } from './zoo/fleet.js';
export { startScenario, type RunningScenario } from './zoo/run.js';
export type { Scenario } from './zoo/scenario.js';
