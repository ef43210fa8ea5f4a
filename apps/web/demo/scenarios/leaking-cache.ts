import { defineScenario } from './zoo/scenario.js';

/** POST /api/orders puts ~1 MB per request into an unbounded cache on node 1. */
export default defineScenario({
  name: 'leaking-cache',
  description: 'Node 1: POST /api/orders stores ~1 MB per request in a cache that is never evicted.',
  expect: { kind: 'memory-leak', node: 1 },
  apply: (fleet, on) => fleet.setCause(1, 'leak', on),
});
