// `pnpm demo`: the dashboard plus a live local fleet under load. Ctrl-C stops everything.
//   pnpm demo [--nodes 5] [--rate 150] [--scenario NAME] [--no-ui] [--duration S]
// Honours PORT, PERF_OTLP_PORT, PERF_DATA_DIR, PERF_API_TOKEN, PERF_INGEST_TOKEN.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureBuilt, ensureUi, WEB_DIR } from '../scripts/ui.js';
import { childEnv, onLauncherGone, STOP_SIGNALS } from '../server/launcher.js';
import { DemoLoad } from './load.js';

const here = dirname(fileURLToPath(import.meta.url));

interface Running {
  dashboard: ChildProcess | undefined;
  nodes: ChildProcess[];
  load: DemoLoad | undefined;
  scenario: { stop(): Promise<void> } | undefined;
}

export function scenarioNames(): string[] {
  const dir = join(here, 'scenarios');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && f !== 'index.ts')
    .map((f) => f.slice(0, -3))
    .sort();
}

/** Starts the dashboard process and resolves with its ports once it printed them. */
function startDashboard(ui: boolean): Promise<{ child: ChildProcess; port: number; otlpPort: number }> {
  const args = ['--import', 'tsx', join(WEB_DIR, 'server', 'main.ts')];
  if (!ui) args.push('--no-ui');
  // it stops (flushing) when this process is gone, however that happens
  const child = spawn(process.execPath, args, { cwd: WEB_DIR, env: childEnv(), stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let ready = false;
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      if (ready) return void process.stdout.write(chunk);
      out += chunk;
      const p = /dashboard: http:\/\/[^:]+:(\d+)/.exec(out);
      const o = /receiver: http:\/\/[^:]+:(\d+)/.exec(out);
      if (p && o) {
        ready = true;
        resolve({ child, port: Number(p[1]), otlpPort: Number(o[1]) });
      }
    });
    child.once('exit', (code) => reject(new Error(`the dashboard exited (${code}) before it was ready:\n${out}`)));
  });
}

/** Starts one demo node with the agent; resolves with its HTTP port. */
function startNode(k: number, service: string, framework: string, otlp: string, children: ChildProcess[]): Promise<{ child: ChildProcess; port: number }> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'production',
    PORT: '0',
    DEMO_FRAMEWORK: framework,
    // node 2 runs on a slower disk: a fleet is never uniform
    DEMO_SLOW: k === 2 ? '1.8' : '1',
    OTEL_SERVICE_NAME: service,
    OTEL_RESOURCE_ATTRIBUTES: `service.instance.id=${service}-${k}`,
    OTEL_EXPORTER_OTLP_ENDPOINT: otlp,
    OTEL_METRIC_EXPORT_INTERVAL: '1000',
  };
  if (process.env.PERF_INGEST_TOKEN) env.OTEL_EXPORTER_OTLP_HEADERS = `authorization=Bearer ${process.env.PERF_INGEST_TOKEN}`;
  const child = fork(join(here, 'app.ts'), [], { cwd: WEB_DIR, env, execArgv: ['--import', '@perf/agent', '--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.push(child); // known at once, so a failed start elsewhere still stops it
  return new Promise((resolve, reject) => {
    child.once('message', (m) => resolve({ child, port: (m as { port: number }).port }));
    child.once('exit', (code) => reject(new Error(`demo node ${k} exited (${code}) before listening`)));
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: process.argv.slice(2).filter((a) => a !== '--'),
    options: {
      nodes: { type: 'string', default: '5' },
      rate: { type: 'string', default: '150' },
      scenario: { type: 'string' },
      'no-ui': { type: 'boolean', default: false },
      duration: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log('pnpm demo [--nodes 5] [--rate 150 req/s per node] [--scenario NAME] [--no-ui] [--duration S]');
    console.log(`scenarios: ${scenarioNames().join(', ') || '(none)'}`);
    return;
  }
  let scenario: unknown;
  if (values.scenario !== undefined) {
    const names = scenarioNames();
    if (!names.includes(values.scenario)) {
      console.error(`perf demo: unknown scenario "${values.scenario}". Available: ${names.join(', ') || '(none yet)'}`);
      process.exit(2);
    }
    scenario = ((await import(join(here, 'scenarios', `${values.scenario}.ts`))) as { default: unknown }).default;
  }
  const nodeCount = Math.max(0, Math.min(Number(values.nodes), 12));
  // when whoever started us is gone (pnpm exits on SIGTERM without passing it on), stop everything as SIGTERM would
  onLauncherGone(() => (onStop === undefined ? process.exit(1) : void onStop()));
  ensureBuilt();
  let ui = !values['no-ui'];
  if (ui) {
    const state = ensureUi();
    if (state === 'absent' || state === 'failed') {
      console.warn(`perf demo: ${state === 'absent' ? 'no UI in this checkout yet' : 'the UI build failed'}: the dashboard serves the API only.`);
      ui = false;
    }
  }
  const running: Running = { dashboard: undefined, nodes: [], load: undefined, scenario: undefined };
  let stopping = false;
  const stop = async (code = 0) => {
    if (stopping) return;
    stopping = true;
    console.log('\nperf demo: stopping…');
    running.load?.stop();
    await running.scenario?.stop().catch(() => {});
    for (const n of running.nodes) n.kill('SIGTERM');
    if (running.dashboard && running.dashboard.exitCode === null) {
      running.dashboard.kill('SIGINT');
      await new Promise((r) => {
        running.dashboard!.once('exit', r);
        setTimeout(r, 8000).unref();
      });
    }
    process.exit(code);
  };
  for (const sig of STOP_SIGNALS) process.on(sig, () => void stop());

  onStop = stop;
  try {
    await startFleet(ui, nodeCount, Number(values.rate), values.scenario, scenario, running, () => stopping);
  } catch (err) {
    console.error(`perf demo: ${err instanceof Error ? err.message : String(err)}`);
    await stop(1);
    return;
  }
  if (values.duration !== undefined) setTimeout(() => void stop(0), Number(values.duration) * 1000);
}

let onStop: ((code?: number) => Promise<void>) | undefined;

/** Starts the dashboard, the demo nodes, their load and the scenario; fills `running` as it goes. */
async function startFleet(ui: boolean, nodeCount: number, rate: number, scenarioName: string | undefined, scenario: unknown, running: Running, stopping: () => boolean): Promise<void> {
  const dash = await startDashboard(ui);
  running.dashboard = dash.child;
  dash.child.once('exit', (code) => {
    if (!stopping()) {
      console.error(`perf demo: the dashboard exited (${code}); stopping the fleet.`);
      void onStop?.(1);
    }
  });
  const otlp = `http://127.0.0.1:${dash.otlpPort}`;
  const frameworks = ['http', 'http', 'fastify', 'http', 'fastify', 'http'];
  const started = await Promise.all(
    Array.from({ length: nodeCount }, (_, k) => {
      const framework = frameworks[k % frameworks.length];
      return startNode(k, framework === 'fastify' ? 'catalog' : 'shop-api', framework, otlp, running.nodes);
    }),
  );
  running.load = new DemoLoad({ ports: started.map((s) => s.port), rate });
  running.load.start();
  if (scenario !== undefined) {
    const { startScenario } = (await import(join(here, 'scenarios', 'index.ts'))) as {
      startScenario: (s: unknown, o: { otlpEndpoint: string; otlpHeaders?: string; controlPort?: number }) => Promise<{ stop(): Promise<void>; controlUrl?: string }>;
    };
    const headers = process.env.PERF_INGEST_TOKEN ? `authorization=Bearer ${process.env.PERF_INGEST_TOKEN}` : undefined;
    const s = await startScenario(scenario, { otlpEndpoint: otlp, otlpHeaders: headers, controlPort: 0 });
    running.scenario = s;
    console.log(`perf demo: scenario "${scenarioName}" running${s.controlUrl ? ` (switch it: POST ${s.controlUrl}/cause/on | /cause/off)` : ''}`);
  }
  const url = `http://localhost:${dash.port}`;
  console.log('');
  console.log(`  perf demo is running: open ${url}${ui ? '' : '/api/v1/fleet (API only)'}`);
  console.log(`  ${nodeCount} demo nodes (node:http and Fastify, with --import @perf/agent) under a varying load; Ctrl-C stops everything.`);
  if (process.env.PERF_API_TOKEN) console.log('  log in with the PERF_API_TOKEN you set.');
  console.log('');
}

main().catch((err) => {
  console.error(`perf demo: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
