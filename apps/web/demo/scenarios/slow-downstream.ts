import { defineScenario } from './zoo/scenario.js';

/** The upstream service behind GET /api/users/:id answers in 300 ms instead of 2 ms. */
export default defineScenario({
  name: 'slow-downstream',
  description: 'The upstream service behind GET /api/users/:id slows from 2 ms to 300 ms: every node waits, none is busy.',
  expect: { kind: 'io-wait', route: 'GET /api/users/:id' },
  apply: (fleet, on) => {
    fleet.upstream.delayMs = on ? 300 : 2;
  },
});
