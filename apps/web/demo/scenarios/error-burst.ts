import { defineScenario } from './zoo/scenario.js';

/** POST /api/orders answers 503 on node 2 (its payment dependency is down). */
export default defineScenario({
  name: 'error-burst',
  description: 'Node 2: POST /api/orders fails with 503 (a broken dependency on that node).',
  expect: { kind: 'error-burst', node: 2, route: 'POST /api/orders' },
  apply: (fleet, on) => fleet.setCause(2, 'errors', on),
});
