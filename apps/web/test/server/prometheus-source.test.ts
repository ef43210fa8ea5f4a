// The dashboard on Prometheus (PERF_PROMETHEUS_URL), for real: two agents serve /metrics only (no OTLP), Debian's
// Prometheus scrapes them every second, and the dashboard reads them back by PromQL. Each scrape target becomes a
// node of the service its target_info names; the requests sent after the dashboard first saw a node are counted
// exactly, per route and status; a restarted dashboard, and a fresh one, count nothing twice; the runtime series
// and the status page follow. An unreachable Prometheus is reported, not fatal.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Fleet, NodeRow, RouteRow, Status } from '../../server/api/types.js';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { freePort, testServer, waitFor, type TestServer } from './lib/server.js';

const PROMETHEUS = '/usr/bin/prometheus';
const AGENT_DIR = fileURLToPath(new URL('../../../agent/', import.meta.url));

interface Child {
  proc: ChildProcess;
  ready: { port: number; prometheusPort: number };
}

/** The agent's plain node:http fixture with the agent preloaded, serving /metrics only (no OTLP). */
async function startAgentApp(): Promise<Child> {
  const proc = spawn(process.execPath, ['--import', '@perf/agent', join(AGENT_DIR, 'test', 'fixtures', 'http-server.mjs')], {
    cwd: AGENT_DIR,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production', OTEL_SERVICE_NAME: 'shop-api', OTEL_METRICS_EXPORTER: 'prometheus', PERF_PROMETHEUS_PORT: '0', PERF_PROMETHEUS_HOST: '127.0.0.1' },
  });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: proc.stdout! }).once('line', resolve);
    proc.once('exit', (code) => reject(new Error(`the agent fixture exited with ${code}`)));
  });
  return { proc, ready: JSON.parse(line) as Child['ready'] };
}

async function hit(base: string, paths: string[]): Promise<void> {
  for (const p of paths) await (await fetch(base + p)).arrayBuffer();
}

describe('the dashboard on Prometheus (PERF_PROMETHEUS_URL)', { skip: existsSync(PROMETHEUS) ? false : `${PROMETHEUS} not found: apt-get install -y prometheus` }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'perf-web-prom-'));
  const apps: Child[] = [];
  let prom: ChildProcess | undefined;
  let promBase = '';
  let srv: TestServer;

  before(async () => {
    for (let i = 0; i < 2; i++) {
      apps.push(await startAgentApp());
    }
    const promPort = await freePort();
    promBase = `http://127.0.0.1:${promPort}`;
    const targets = apps.map((a) => `'127.0.0.1:${a.ready.prometheusPort}'`).join(', ');
    writeFileSync(join(dir, 'prometheus.yml'), `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: shop\n    static_configs:\n      - targets: [${targets}]\n`);
    prom = spawn(PROMETHEUS, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`, '--log.level=warn'], { stdio: 'ignore' });
    await waitFor(async () => (await fetch(`${promBase}/-/ready`).catch(() => undefined))?.ok || undefined, 20_000, 'prometheus ready');
    srv = await testServer({ prometheusUrl: promBase, modules: ['diagnose'], dataDir: join(dir, 'dashboard') });
  });

  after(async () => {
    await srv?.dispose();
    for (const a of apps) {
      a.proc.kill('SIGKILL');
      if (a.proc.exitCode === null) await new Promise((r) => a.proc.once('exit', r));
    }
    if (prom && prom.exitCode === null) {
      prom.kill('SIGTERM');
      await new Promise((r) => prom!.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
  });

  test('each scrape target is a node; requests are counted exactly per route and status', async () => {
    const ids = apps.map((a) => `127.0.0.1:${a.ready.prometheusPort}`);
    // the agents started before the dashboard: what their first samples hold is a baseline. Wait until the
    // dashboard has read both nodes' request series
    await hit(`http://127.0.0.1:${apps[0].ready.port}`, ['/warm']);
    await hit(`http://127.0.0.1:${apps[1].ready.port}`, ['/warm']);
    await waitFor(async () => {
      const [, nodes] = await srv.get<NodeRow[]>('/api/v1/nodes?window=5m');
      return nodes.length === 2 || undefined;
    }, 20_000, 'the first scrapes');
    await new Promise((r) => setTimeout(r, 2500)); // both targets scraped and pulled at least once more
    const [, before] = await srv.get<Fleet & { requests: number; errors: number }>('/api/v1/fleet?window=5m');

    await hit(`http://127.0.0.1:${apps[0].ready.port}`, [...Array(120).fill('/orders/17'), ...Array(30).fill('/status/503')]);
    await hit(`http://127.0.0.1:${apps[1].ready.port}`, Array(50).fill('/orders/18'));
    const fleet = await waitFor(async () => {
      const [, f] = await srv.get<Fleet & { requests: number; errors: number }>('/api/v1/fleet?window=5m');
      return f.requests - before.requests >= 200 ? f : undefined;
    }, 20_000, 'the 200 requests');
    await new Promise((r) => setTimeout(r, 2500));
    const [, after] = await srv.get<Fleet & { requests: number; errors: number }>('/api/v1/fleet?window=5m');
    assert.equal(after.requests - before.requests, 200, 'every request once, none twice');
    assert.equal(after.errors - before.errors, 30);
    assert.ok(fleet.latency.p99 !== null && fleet.latency.p99 > 0 && fleet.latency.p99 < 1, `p99 ${fleet.latency.p99}`);

    const [, nodes] = await srv.get<NodeRow[]>('/api/v1/nodes?window=5m');
    // the agent's service and host names from its target_info (as over OTLP), not the scrape job; a node per address
    assert.deepEqual(nodes.map((n) => n.instance).sort(), [...ids].sort());
    assert.ok(nodes.every((n) => n.service === 'shop-api' && n.host === hostname()), JSON.stringify(nodes.map((n) => [n.service, n.instance, n.host])));
    assert.ok(nodes.every((n) => n.heapUsed !== null && n.heapUsed > 1e6), 'runtime gauges arrive too');
    // and the requests in flight (http_server_active_requests, a gauge per method): none now, reported
    assert.deepEqual(nodes.map((n) => n.inFlight), nodes.map(() => 0));
    const [, routes] = await srv.get<RouteRow[]>('/api/v1/routes?window=5m');
    assert.ok(routes.some((r) => r.method === 'GET' && r.route === '/orders/:id'), routes.map((r) => r.route).join(', '));
    // requests the clients gave up on, through Prometheus too (outside audit: read nowhere)
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        const ac = new AbortController();
        const req = fetch(`http://127.0.0.1:${apps[1].ready.port}/hang`, { signal: ac.signal }).catch(() => undefined);
        setTimeout(() => ac.abort(), 200);
        await req;
      }),
    );
    const hang = await waitFor(async () => (await srv.get<RouteRow[]>('/api/v1/routes?window=5m'))[1].find((r) => r.route === '/hang' && r.aborted >= 4), 20_000, '4 aborted on /hang');
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal((await srv.get<RouteRow[]>('/api/v1/routes?window=5m'))[1].find((r) => r.route === '/hang')!.aborted, 4, 'each once');
    assert.equal(hang.requests, 0);
    // requests held in flight, and from 10 their route (perf_http_server_active_requests_by_route), through Prometheus too
    const held = Array.from({ length: 10 }, () => new AbortController());
    const pending = held.map((ac) => fetch(`http://127.0.0.1:${apps[0].ready.port}/hang/7`, { signal: ac.signal }).catch(() => undefined));
    try {
      const holding = await waitFor(async () => (await srv.get<NodeRow[]>('/api/v1/nodes?window=5m'))[1].find((n) => n.inFlight === 10 && (n.inFlightRoutes?.length ?? 0) > 0), 20_000, '10 in flight, by route');
      assert.deepEqual(holding.inFlightRoutes, [{ method: 'GET', route: '/hang/:id', count: 10, answering: 0 }]);
    } finally {
      for (const ac of held) ac.abort();
      await Promise.all(pending);
    }

    const [, status] = await srv.get<Status>('/api/v1/status');
    assert.ok(status.prometheus && status.prometheus.pulls > 3 && status.prometheus.lastError === null && status.prometheus.lastSeries > 50, JSON.stringify(status.prometheus));
    assert.ok(status.ingest.requests >= status.prometheus.pulls - 1 && status.ingest.points > 50, `each pull counts as an ingest request: ${JSON.stringify(status.ingest)}`);
  });

  test('a restarted dashboard goes on from where it stopped, and a fresh one starts from a baseline: nothing counted twice', async () => {
    const total = async (s: TestServer) => (await s.get<Fleet & { requests: number }>('/api/v1/fleet?window=15m'))[1].requests;
    const settle = () => new Promise((r) => setTimeout(r, 5000)); // several scrapes and pulls, no traffic
    await settle();
    const counted = await total(srv);
    assert.ok(counted >= 200, `${counted}`);
    await srv.close();
    srv = await testServer({ prometheusUrl: promBase, dataDir: join(dir, 'dashboard') });
    await settle();
    assert.equal(await total(srv), counted, 'the restarted dashboard: its history, and no phantom copy of the agents’ totals');
    const fresh = await testServer({ prometheusUrl: promBase });
    try {
      await settle();
      assert.equal(await total(fresh), 0, 'a fresh dashboard: the agents’ totals so far are baselines');
      await hit(`http://127.0.0.1:${apps[0].ready.port}`, Array(40).fill('/orders/19'));
      await waitFor(async () => ((await total(fresh)) >= 40 ? true : undefined), 20_000, 'the 40 requests');
      await settle();
      assert.equal(await total(fresh), 40);
      assert.equal(await total(srv), counted + 40);
    } finally {
      await fresh.dispose();
    }
  });

  test('an unreachable Prometheus is reported on the status page and in the UI, node-down alerts are held; the dashboard keeps serving', async () => {
    const gone = await testServer({ prometheusUrl: `http://127.0.0.1:${await freePort()}` });
    try {
      const status = await waitFor(async () => {
        const [, s] = await gone.get<Status>('/api/v1/status');
        return s.prometheus && s.prometheus.failures >= 2 ? s : undefined;
      }, 10_000, 'failed pulls');
      assert.match(status.prometheus!.lastError ?? '', /fetch failed \(ECONNREFUSED\)/);
      const [code] = await gone.get('/api/v1/fleet');
      assert.equal(code, 200);
      // the UI's banner says why every node looks silent, and node-down alerts are held rather than fired for all
      const source = gone.live.snapshot(undefined).source;
      assert.ok(source && /^Prometheus at http:\/\/127\.0\.0\.1:\d+$/.test(source.source) && /ECONNREFUSED/.test(source.error), JSON.stringify(source));
      const { FleetViewSource } = await import('../../server/alerts/source/fleet-view-source.js');
      assert.throws(() => new FleetViewSource(gone.view).read({ metric: 'nodeDown', scope: 'node', windowMs: 15_000 }, Date.now()), /cannot be read/);
    } finally {
      await gone.dispose();
    }
  });
});
