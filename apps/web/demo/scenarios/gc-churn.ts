import { defineScenario } from './zoo/scenario.js';

/** GET /api/users/:id allocates ~64k objects per request on node 0 and keeps them for a dozen requests: GC pressure. */
export default defineScenario({
  name: 'gc-churn',
  description: 'Node 0: GET /api/users/:id allocates tens of thousands of medium-lived objects per request (allocation churn).',
  // --no-turbo-inlining: V8's sampling heap profiler counts an inlined function's allocations in the function it was
  // inlined into (README, heap profiles), so once TurboFan had inlined churnWork into the request handler, the
  // allocation profile named `handle` for 63% of the churn (a fresh CI run; a standalone script: 70%, and 100%
  // churnWork with the flag): the zoo names its own code the same way on every machine
  fleet: { nodeArgs: ['--max-semi-space-size=1', '--no-turbo-inlining'] },
  expect: { kind: 'gc-pressure', node: 0 },
  apply: (fleet, on) => fleet.setCause(0, 'churn', on),
});
