// The fleet simulator in its own process (so the dashboard under test has its own core): runs
// runSimulation against the target given in argv, applies anomalies sent over IPC, and reports each node's
// instance and each route's name once running.
//   fork('sim-child.ts', [target, JSON.stringify(SimulatorOptions)], { execArgv: ['--import', 'tsx'] })

import { runSimulation } from '../../../simulator/run.js';
import type { Anomaly } from '../../../simulator/anomaly.js';

const [target, json] = process.argv.slice(2);
const run = runSimulation(JSON.parse(json), { target });
process.on('message', (a: Anomaly) => run.sim.applyAnomaly(a));
process.on('disconnect', () => {
  run.stop();
  process.exit(0);
});
process.send?.({
  instances: run.sim.nodes.map((n) => n.instance),
  routes: run.sim.routes.map((r) => `${r.method} ${r.name}`),
});
