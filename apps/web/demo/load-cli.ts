// The demo's load generator as a command (the docker compose demo): bounded autocannon rounds against the
// given demo nodes, rate moving along a slow wave.
//   node --import tsx demo/load-cli.ts --targets http://node-1:8080,http://node-2:8080 [--rate 150]
import { parseArgs } from 'node:util';
import { DemoLoad } from './load.js';

const { values } = parseArgs({ options: { targets: { type: 'string' }, rate: { type: 'string' }, connections: { type: 'string' } } });
const targets = (values.targets ?? '').split(',').map((t) => t.trim()).filter(Boolean);
if (targets.length === 0) {
  console.error('usage: load-cli --targets http://host:port[,http://host:port…] [--rate N] [--connections N]');
  process.exit(2);
}
const load = new DemoLoad({ targets, rate: values.rate ? Number(values.rate) : undefined, connections: values.connections ? Number(values.connections) : undefined });
load.start();
console.log(`demo load on ${targets.join(', ')}`);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => { load.stop(); process.exit(0); });
