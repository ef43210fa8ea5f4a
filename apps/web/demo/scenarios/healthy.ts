import { defineScenario } from './zoo/scenario.js';

/** No cause: three nodes under steady, even load. The diagnosis must stay silent. */
export default defineScenario({
  name: 'healthy',
  description: 'Three healthy nodes under steady, even load: no finding.',
  expect: null,
  apply: () => {},
});
