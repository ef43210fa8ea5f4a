import { defineScenario } from './zoo/scenario.js';

/** GET /api/users/:id allocates ~64k objects per request on node 0 and keeps them for a dozen requests: GC pressure. */
export default defineScenario({
  name: 'gc-churn',
  description: 'Node 0: GET /api/users/:id allocates tens of thousands of medium-lived objects per request (allocation churn).',
  fleet: { nodeArgs: ['--max-semi-space-size=1'] },
  expect: { kind: 'gc-pressure', node: 0 },
  apply: (fleet, on) => fleet.setCause(0, 'churn', on),
});
