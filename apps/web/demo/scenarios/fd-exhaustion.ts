import { defineScenario } from './zoo/scenario.js';

/** Node 0 opens descriptors and never closes them, up to 95% of a 1024 soft limit (a socket leak). */
export default defineScenario({
  name: 'fd-exhaustion',
  description: 'Node 0 leaks file descriptors up to 95% of its limit (ulimit -n 1024).',
  fleet: { fdLimit: 1024 },
  expect: { kind: 'os-limits', node: 0 },
  apply: (fleet, on) => fleet.setCause(0, 'fds', on),
});
