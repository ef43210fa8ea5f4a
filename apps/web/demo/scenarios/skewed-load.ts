import { defineScenario } from './zoo/scenario.js';

/** The load balancer sends node 0 six times its share (a keep-alive or hashing skew). */
export default defineScenario({
  name: 'skewed-load',
  description: 'Node 0 gets six times the traffic of each other node (load-balancer skew).',
  expect: { kind: 'load-imbalance', node: 0 },
  apply: (fleet, on) => {
    fleet.load.weights = fleet.ports.map((_, k) => (on && k === 0 ? 6 : 1));
  },
});
