import { defineScenario } from './zoo/scenario.js';

/** POST /api/orders burns 100 ms of CPU per request on node 2 (in 2 ms slices): that node runs out of CPU. */
export default defineScenario({
  name: 'cpu-heavy',
  description: 'Node 2: POST /api/orders does 100 ms of CPU work per request and saturates the process.',
  expect: { kind: 'cpu-saturated', node: 2, route: 'POST /api/orders' },
  apply: (fleet, on) => fleet.setCause(2, 'cpu', on),
});
