import { defineScenario } from './zoo/scenario.js';

/** GET /api/report runs crypto.pbkdf2Sync with 150 000 iterations on node 1: its event loop stalls. */
export default defineScenario({
  name: 'blocking',
  description: 'Node 1: GET /api/report derives a key synchronously (crypto.pbkdf2Sync), blocking the event loop.',
  expect: { kind: 'event-loop-blocked', node: 1, route: 'GET /api/report' },
  apply: (fleet, on) => fleet.setCause(1, 'block', on),
});
