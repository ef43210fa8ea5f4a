// What a cardinality flood inside the documented caps costs the dashboard afterwards (outside audit S1): a real
// dashboard (its own process, SQLite in --data) fed by a small steady fleet (6 services × 2 nodes × 10 routes, delta
// histograms every second), then --posts exports of --points delta histogram points each, every point a route never
// seen (spread over the 6 services' existing instances, each service staying under PERF_MAX_SERIES_PER_SERVICE).
// Reports the dashboard's CPU (from /proc), event-loop utilisation and delay (its /api/v1/status, 10 s windows) and
// RSS: before the flood, in the diagnosis window after it (the flooded routes still have requests in the last 2
// minutes), after that window (they are idle but kept by the coarse tiers), and with --restart after a restart on
// the same data. Bounded: loopback only, at most posts × points distinct routes.
//   node --import tsx bench/server/flood.ts [--port 3720] [--otlp-port 4720] [--data /tmp/perf-flood] [--posts 12]
//     [--points 4900] [--baseline 30] [--restart]
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync, mkdirSync, statSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cpuSeconds } from './lib.js';

const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    port: { type: 'string', default: '3720' },
    'otlp-port': { type: 'string', default: '4720' },
    data: { type: 'string', default: '/tmp/perf-flood' },
    posts: { type: 'string', default: '12' },
    points: { type: 'string', default: '4900' },
    baseline: { type: 'string', default: '30' },
    restart: { type: 'boolean', default: false },
  },
});
const PORT = Number(values.port);
const OTLP = Number(values['otlp-port']);
const DATA = values.data;
const POSTS = Number(values.posts);
const POINTS = Number(values.points);
const SERVICES = 6;
const NODES = 2;
const ROUTES = 10;
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const attr = (key: string, v: string | number) => ({ key, value: typeof v === 'number' ? { intValue: String(v) } : { stringValue: v } });

/** A delta exponential histogram point of `n` requests around 20 ms (scale 6). */
function point(route: string, n: number, nowNs: number) {
  const idx = Math.floor(Math.log2(0.02) * 64);
  return {
    attributes: [attr('http.request.method', 'GET'), attr('http.route', route), attr('http.response.status_code', 200)],
    startTimeUnixNano: String(nowNs - 1e9),
    timeUnixNano: String(nowNs),
    count: String(n),
    sum: n * 0.02,
    scale: 6,
    zeroCount: '0',
    positive: { offset: idx - 2, bucketCounts: [String(Math.floor(n / 4)), String(n - 2 * Math.floor(n / 4) - Math.floor(n / 8)), String(Math.floor(n / 4)), String(Math.floor(n / 8))] },
    min: 0.018,
    max: 0.023,
  };
}

function body(service: number, node: number, routes: string[], perRoute: number, nowNs: number): string {
  return JSON.stringify({
    resourceMetrics: [
      {
        resource: { attributes: [attr('service.name', `svc-${service}`), attr('service.instance.id', `svc-${service}-n${node}`), attr('host.name', `h${node}`), attr('process.pid', 1000 + node)] },
        scopeMetrics: [
          {
            scope: { name: 'flood' },
            metrics: [
              { name: 'http.server.request.duration', unit: 's', exponentialHistogram: { aggregationTemporality: 1, dataPoints: routes.map((r) => point(r, perRoute, nowNs)) } },
              { name: 'nodejs.eventloop.utilization', unit: '1', gauge: { dataPoints: [{ timeUnixNano: String(nowNs), asDouble: 0.2 }] } },
              { name: 'process.cpu.utilization', unit: '1', gauge: { dataPoints: [{ timeUnixNano: String(nowNs), asDouble: 0.2 }] } },
            ],
          },
        ],
      },
    ],
  });
}

async function post(text: string): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${OTLP}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: text });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`ingest answered ${res.status}`);
}

let dashboard: ChildProcess | undefined;

async function start(): Promise<ChildProcess> {
  // server/main.ts itself (scripts/start.ts would put a launcher between us and its pid)
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts', '--no-ui'], {
    cwd: join(root, 'apps', 'web'),
    env: { ...process.env, PORT: String(PORT), PERF_OTLP_PORT: String(OTLP), HOST: '127.0.0.1', PERF_DATA_DIR: DATA, PERF_UI: 'false' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  for (let i = 0; i < 120; i++) {
    await sleep(500);
    try {
      if ((await fetch(`http://127.0.0.1:${PORT}/api/v1/status`)).ok) return child;
    } catch {
      // not listening yet
    }
  }
  throw new Error('the dashboard did not start');
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  await new Promise<void>((r) => {
    child.once('exit', () => r());
    child.kill('SIGTERM');
  });
}

interface Status {
  process: { rss: number; elu: number; eventLoopDelay: { p99: number; max: number } };
}

/** `seconds` of the dashboard: its CPU share, and its own 10 s ELU / loop delay windows (worst and mean). */
async function measure(label: string, seconds: number): Promise<Record<string, string | number>> {
  const pid = dashboard!.pid!;
  const c0 = cpuSeconds(pid);
  const t0 = performance.now();
  const elu: number[] = [];
  const p99: number[] = [];
  const max: number[] = [];
  let rss = 0;
  for (let s = 10; s <= seconds; s += 10) {
    await sleep(10_000);
    const st = (await (await fetch(`http://127.0.0.1:${PORT}/api/v1/status`)).json()) as Status;
    elu.push(st.process.elu);
    p99.push(st.process.eventLoopDelay.p99);
    max.push(st.process.eventLoopDelay.max);
    rss = st.process.rss;
  }
  const cpu = (cpuSeconds(pid) - c0) / ((performance.now() - t0) / 1000);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const file = (name: string) => (existsSync(join(DATA, name)) ? statSync(join(DATA, name)).size : 0);
  const row = {
    phase: label,
    cpu: cpu.toFixed(2),
    'elu mean': mean(elu).toFixed(2),
    'elu max': Math.max(...elu).toFixed(2),
    'loop p99 max (s)': Math.max(...p99).toFixed(3),
    'loop max (s)': Math.max(...max).toFixed(3),
    'rss MB': Math.round(rss / 2 ** 20),
    'file MB': Math.round((file('perf.db') + file('perf.db-wal')) / 2 ** 20),
  };
  console.log(JSON.stringify(row));
  return row;
}

async function main(): Promise<void> {
  rmSync(DATA, { recursive: true, force: true });
  mkdirSync(DATA, { recursive: true });
  dashboard = await start();
  let feeding = true;
  // the steady fleet: every node exports its ROUTES routes once a second
  const feed = (async () => {
    const names = Array.from({ length: ROUTES }, (_, i) => `/api/r${i}`);
    while (feeding) {
      const t = Date.now();
      await Promise.all(
        Array.from({ length: SERVICES * NODES }, (_, i) => post(body(Math.floor(i / NODES), i % NODES, names, 50, t * 1e6)).catch(() => {})),
      );
      await sleep(Math.max(0, 1000 - (Date.now() - t)));
    }
  })();
  await sleep(20_000);
  const rows = [await measure('before the flood', Number(values.baseline))];
  const f0 = performance.now();
  for (let p = 0; p < POSTS; p++) {
    const svc = p % SERVICES;
    const routes = Array.from({ length: POINTS }, (_, i) => `/flood/${p}/${i}`);
    await post(body(svc, 0, routes, 1, Date.now() * 1e6));
  }
  console.log(`flood: ${POSTS} posts × ${POINTS} distinct routes in ${((performance.now() - f0) / 1000).toFixed(1)} s`);
  rows.push(await measure('0–100 s after (routes in the window)', 100));
  await sleep(30_000);
  rows.push(await measure('130–190 s after (routes idle)', 60));
  if (values.restart) {
    await stop(dashboard);
    dashboard = await start();
    await sleep(10_000);
    rows.push(await measure('after a restart (+10 s)', 60));
  }
  feeding = false;
  await feed;
  await stop(dashboard);
  console.table(rows);
}

main().catch(async (err) => {
  console.error(err);
  if (dashboard) await stop(dashboard);
  process.exit(1);
});
