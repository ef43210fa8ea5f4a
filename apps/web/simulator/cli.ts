// pnpm simulate --nodes 500 --rps-per-node 2000 --routes 20 --target http://127.0.0.1:4318 [options]
// Runs a virtual fleet that exports real OTLP every second and prints the exact answers it expects.
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { parseAnomaly } from './anomaly.js';
import { runSimulation } from './run.js';

const HELP = `perf fleet simulator: N virtual Node.js servers exporting OTLP once a second.

  --nodes N            virtual processes (default 50)
  --rps-per-node N     requests per second each serves (default 1000)
  --routes N           routes per node (default 10)
  --target URL         OTLP/HTTP receiver (default http://127.0.0.1:4318)
  --duration S         stop after S seconds (default: until Ctrl-C)
  --service NAME       service.name (default sim)
  --samples N          latency values drawn per node per second (default min(rps, 200))
  --anomaly SPEC       repeatable: node:3:latency*5  node:3:latency*5@route:1  route:2:errors=0.2  node:1:eventloop*20  node:2:gc=0.3  node:4:leak=10
                       node:3:down@30  node:0:rps*3
  --delta              delta temporality (default cumulative, like the agent)
  --json               OTLP/JSON instead of protobuf      --gzip   gzip bodies
  --token T            bearer token (PERF_INGEST_TOKEN)
  --api URL            also query the dashboard's API (e.g. http://127.0.0.1:3000) and print its error
                       against the exact answer
  --api-token T        bearer token for --api (PERF_API_TOKEN; default: the PERF_API_TOKEN environment variable)
  --answers-port N     serve the exact answers at http://127.0.0.1:N/expected?window=10
  --seed N             random seed (default 42)
`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    // `pnpm simulate -- --nodes 5` passes the separator through
    args: process.argv.slice(2).filter((a) => a !== '--'),
    options: {
      nodes: { type: 'string', default: '50' },
      'rps-per-node': { type: 'string', default: '1000' },
      routes: { type: 'string', default: '10' },
      target: { type: 'string', default: 'http://127.0.0.1:4318' },
      duration: { type: 'string' },
      service: { type: 'string', default: 'sim' },
      samples: { type: 'string' },
      anomaly: { type: 'string', multiple: true, default: [] },
      delta: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      gzip: { type: 'boolean', default: false },
      token: { type: 'string' },
      api: { type: 'string' },
      'api-token': { type: 'string' },
      'answers-port': { type: 'string' },
      seed: { type: 'string', default: '42' },
      help: { type: 'boolean', default: false },
    },
    allowPositionals: false,
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const num = (name: string, v: string | undefined): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} "${v}" is not a number`);
    return n;
  };
  const nodes = num('nodes', values.nodes);
  const rps = num('rps-per-node', values['rps-per-node']);
  const run = runSimulation(
    {
      nodes,
      rpsPerNode: rps,
      routes: num('routes', values.routes),
      service: values.service,
      samplesPerNode: values.samples ? num('samples', values.samples) : undefined,
      anomalies: values.anomaly.map(parseAnomaly),
      temporality: values.delta ? 'delta' : 'cumulative',
      seed: num('seed', values.seed),
    },
    { target: values.target, encoding: values.json ? 'json' : 'protobuf', gzip: values.gzip, token: values.token },
    {
      duration: values.duration ? num('duration', values.duration) : undefined,
      onSecond: (second) => {
        if (second % 5 !== 0) return;
        const exp = run.sim.expected(10, second);
        const ms = (v: number) => (v * 1000).toFixed(2) + ' ms';
        const statuses = [...run.sender.statuses].map(([s, n]) => `${s}:${n}`).join(' ');
        console.log(
          `${new Date(second * 1000).toISOString().slice(11, 19)} exact last 10 s: ${exp.rps.toFixed(0)} req/s, errors ${(exp.errorRate * 100).toFixed(2)}%, p50 ${ms(exp.p50)} p90 ${ms(exp.p90)} p99 ${ms(exp.p99)} p99.9 ${ms(exp.p999)} (mean of node p99s: ${ms(exp.meanOfNodeP99)})  exports ${statuses}`,
        );
        if (values.api) void compare(values.api, values['api-token'] ?? process.env.PERF_API_TOKEN, second, exp);
      },
    },
  );
  console.log(`simulating ${nodes} nodes × ${rps} req/s (${(nodes * rps).toLocaleString('en')} req/s) → ${values.target}`);
  if (values['answers-port'] !== undefined) {
    const srv = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname !== '/expected') return void res.writeHead(404).end();
      const window = Number(url.searchParams.get('window') ?? 10);
      const last = run.completed[run.completed.length - 1] ?? Math.floor(Date.now() / 1000) - 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ toSecond: last, ...run.sim.expected(window, last) }));
    });
    srv.listen(num('answers-port', values['answers-port']), '127.0.0.1', () => console.log(`exact answers: http://127.0.0.1:${(srv.address() as { port: number }).port}/expected?window=10`));
    srv.unref();
  }
  const stop = () => {
    run.stop();
    run.sender.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await run.done;
  run.sender.close();
}

async function compare(api: string, token: string | undefined, second: number, exp: { p50: number; p99: number; rps: number }): Promise<void> {
  let res: Response;
  try {
    res = await fetch(`${api}/api/v1/fleet?window=10s`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  } catch (err) {
    console.log(`         dashboard API not reachable: ${(err as Error).message}`);
    return;
  }
  try {
    if (!res.ok) {
      // its answer, not a parse of it as a fleet ("Invalid time value" for a 401: an outside audit)
      const body = ((await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string } }).error ?? {};
      const hint = res.status === 401 ? ' (pass its PERF_API_TOKEN with --api-token)' : '';
      console.log(`         dashboard API answered ${res.status}${body.code ? ` ${body.code}` : ''}${body.message ? `: ${body.message}` : ''}${hint}`);
      return;
    }
    const f = (await res.json()) as { rps: number; latency: { p50: number; p99: number }; at: number };
    const rel = (a: number, b: number) => ((Math.abs(a - b) / b) * 100).toFixed(2) + '%';
    console.log(`         dashboard (window ending ${new Date(f.at).toISOString().slice(11, 19)} vs ${new Date((second + 1) * 1000).toISOString().slice(11, 19)}): rps ${f.rps.toFixed(0)} (${rel(f.rps, exp.rps)}), p50 ${rel(f.latency.p50, exp.p50)}, p99 ${rel(f.latency.p99, exp.p99)}`);
  } catch (err) {
    console.log(`         dashboard API answer unreadable: ${(err as Error).message}`);
  }
}

main().catch((err) => {
  console.error(`simulate: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
