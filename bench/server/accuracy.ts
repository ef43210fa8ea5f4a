// Accuracy: fleet p50/p90/p99/p99.9 from the dashboard's merged histograms against the simulator's exact
// values (what it actually drew), and what averaging per-node p99s would have said. Over real sockets.
//   pnpm bench:accuracy [--nodes 200] [--rps-per-node 2000] [--routes 20] [--seconds 15]
import { parseArgs } from 'node:util';
import { startServer } from '../../apps/web/server/server.js';
import { runSimulation } from '../../apps/web/simulator/run.js';
import { parseAnomaly } from '../../apps/web/simulator/anomaly.js';
import { machine, table } from '../lib/report.js';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    nodes: { type: 'string', default: '200' },
    'rps-per-node': { type: 'string', default: '2000' },
    routes: { type: 'string', default: '20' },
    seconds: { type: 'string', default: '15' },
  },
});
console.log(`# accuracy: ${machine()}`);
const srv = await startServer({ ui: false, port: 0, otlpPort: 0, host: '127.0.0.1', dataDir: null, modules: false, log: () => {} });
const scenarios: [string, string[]][] = [
  ['uniform fleet', []],
  ['two nodes 10× slower', ['node:3:latency*10', 'node:7:latency*10']],
  ['one hot node: 3× traffic, 4× latency', ['node:0:rps*3', 'node:0:latency*4']],
  ['one slow route (route:1:latency*8)', ['route:1:latency*8']],
];
const rows: (string | number)[][] = [];
for (const [name, anomalies] of scenarios) {
  const service = `acc-${rows.length}`;
  const run = runSimulation(
    { nodes: Number(values.nodes), rpsPerNode: Number(values['rps-per-node']), routes: Number(values.routes), service, anomalies: anomalies.map(parseAnomaly) },
    { target: srv.otlpUrl },
    { duration: Number(values.seconds) },
  );
  await run.done;
  run.sender.close();
  const to = run.completed[run.completed.length - 1];
  const exp = run.sim.expected(120, to);
  // wait until the dashboard holds every request the simulator sent
  let fleet: { requests: number; latency: Record<string, number>; relativeError: number } | undefined;
  for (let i = 0; i < 50; i++) {
    fleet = (await (await fetch(`${srv.url}/api/v1/fleet?window=120s&service=${service}`)).json()) as typeof fleet;
    if (fleet!.requests === exp.requests) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const rel = (a: number, b: number) => ((Math.abs(a - b) / b) * 100).toFixed(3) + '%';
  rows.push([
    name,
    `${fleet!.requests === exp.requests ? 'exact' : `${fleet!.requests} vs ${exp.requests}`}`,
    rel(fleet!.latency.p50, exp.p50),
    rel(fleet!.latency.p90, exp.p90),
    rel(fleet!.latency.p99, exp.p99),
    rel(fleet!.latency.p999, exp.p999),
    (fleet!.relativeError * 100).toFixed(2) + '%',
    `${(exp.p99 * 1000).toFixed(2)} ms`,
    `${(exp.meanOfNodeP99 * 1000).toFixed(2)} ms (${rel(exp.meanOfNodeP99, exp.p99)} off)`,
  ]);
}
table(['fleet', 'requests', 'p50 error', 'p90 error', 'p99 error', 'p99.9 error', 'stated bound', 'exact p99', 'mean of per-node p99s'], rows);
await srv.close();
process.exit(0);
