import { defineScenario } from './zoo/scenario.js';

/**
 * Node 0 listens with a small backlog (as `listen(port, host, 8)` or a low net.core.somaxconn leaves it)
 * and gets a storm of logins on new connections, more than it can serve: its accept queue stays full and
 * the kernel drops the connections it cannot queue (ListenOverflows). Linux only; the listen counters are
 * per network namespace, so the end-to-end test runs this fleet in its own.
 */
export default defineScenario({
  name: 'connection-storm',
  description: 'Node 0 (listen backlog 8) gets 300 logins a second on new connections: its accept queue overflows.',
  fleet: { backlog: 8 },
  expect: { kind: 'os-limits', node: 0 },
  apply: (fleet, on) => fleet.load.storm(0, on),
});
