import { defineScenario } from './zoo/scenario.js';

/** POST /api/orders never answers 1 request in 3 on node 2 (a reply missing on an error branch); its clients wait. */
export default defineScenario({
  name: 'hung-requests',
  description: 'Node 2: POST /api/orders never answers 1 request in 3 (a reply missing on an error branch); clients wait up to 15 s.',
  expect: { kind: 'requests-stuck', node: 2, route: 'POST /api/orders' },
  apply: (fleet, on) => fleet.setCause(2, 'hang', on),
});
