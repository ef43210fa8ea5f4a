import { defineScenario } from './zoo/scenario.js';

/** GET /api/users/:id waits 30 ms synchronously on node 1 (Atomics.wait): its loop is busy, its CPU idle. */
export default defineScenario({
  name: 'sync-wait',
  description: 'Node 1: GET /api/users/:id waits synchronously for 30 ms (a blocking call such as execSync or a synchronous driver): the event loop is busy while the process is off the CPU.',
  expect: { kind: 'off-cpu', node: 1 },
  apply: (fleet, on) => fleet.setCause(1, 'wait', on),
});
