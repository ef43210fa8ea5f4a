// A real Next.js 16 app (App Router, test/fixtures/next-app) built with `next build` and served by `next start`
// with --import @perf/agent: the route is the template of the page or route handler Next matched
// (`/blog/[slug]`, `/api/items/[id]`), read from Next's request metadata; counts stay exact.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readlinkSync, rmdirSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { OtlpSink, requestCounts, type Received } from '../helpers/sink.js';
import { agentDir, ensureBuilt, fixtures, hit } from '../helpers/processes.js';

const appDir = join(fixtures, 'next-app');
// Next.js, React and React DOM are dependencies of apps/web, not of the agent: the fixture gets links to them
const fromWeb = createRequire(join(agentDir, '..', 'web', 'package.json'));
const packageDir = (name: string) => dirname(fromWeb.resolve(`${name}/package.json`));
const nextBin = join(packageDir('next'), 'dist', 'bin', 'next');
// one build directory per run, inside the app as Next requires (distDir from next.config.mjs)
const distDir = join('.next', `e2e-${process.pid}-${Date.now().toString(36)}`);

function linkDependencies(): void {
  mkdirSync(join(appDir, 'node_modules'), { recursive: true });
  for (const name of ['next', 'react', 'react-dom']) {
    const link = join(appDir, 'node_modules', name);
    const target = packageDir(name);
    let current: string | undefined;
    try {
      current = readlinkSync(link);
    } catch {
      current = undefined;
    }
    if (current === target) continue;
    rmSync(link, { recursive: true, force: true });
    symlinkSync(target, link, 'dir');
  }
}

function baseEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, NEXT_TELEMETRY_DISABLED: '1', NEXT_E2E_DIST_DIR: distDir };
}

/** Runs the next binary to completion; rejects with its output when it fails. */
function nextBuild(): Promise<void> {
  const proc = spawn(process.execPath, [nextBin, 'build', appDir], { cwd: appDir, env: baseEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (out += d));
  return new Promise((resolve, reject) => {
    proc.once('error', reject);
    proc.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`next build exited with ${code}:\n${out}`))));
  });
}

interface NextServer {
  proc: ChildProcess;
  base: string;
  output: () => string;
  exited: Promise<unknown>;
}

/** `node --import <agent> next start -p 0`: resolves with the URL Next prints once it listens. */
async function nextStart(env: Record<string, string>): Promise<NextServer> {
  const agent = pathToFileURL(join(agentDir, 'dist', 'index.js')).href;
  const proc = spawn(process.execPath, ['--import', agent, nextBin, 'start', appDir, '-p', '0', '-H', '127.0.0.1'], {
    cwd: appDir,
    env: { ...baseEnv(), OTEL_METRIC_EXPORT_INTERVAL: '200', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`next start did not listen within 60 s:\n${out}`)), 60_000);
    const onData = (d: Buffer) => {
      out += d;
      const m = /Local:\s+(http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', (d) => (out += d));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`next start exited with ${code}:\n${out}`));
    });
  });
  return { proc, base, output: () => out, exited };
}

describe('Next.js (next start)', () => {
  const sink = new OtlpSink();
  let server: NextServer | undefined;

  // `next build` of the fixture: ≈ 10 s here (Turbopack, one worker)
  before(
    async () => {
      ensureBuilt();
      linkDependencies();
      await sink.start();
      await nextBuild();
    },
    { timeout: 300_000 },
  );

  after(async () => {
    if (server && server.proc.exitCode === null && server.proc.signalCode === null) {
      server.proc.kill('SIGKILL');
      await server.exited;
    }
    await sink.stop();
    rmSync(join(appDir, distDir), { recursive: true, force: true });
    try {
      rmdirSync(join(appDir, '.next')); // only when no other run is using it
    } catch {
      // not empty
    }
  });

  test('App Router pages and route handlers: the route is the template Next matched', { timeout: 300_000 }, async () => {
    server = await nextStart({ OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, OTEL_SERVICE_NAME: 'next-app' });
    const statuses = [
      ...(await hit(server.base, ['/', '/', '/'], 1)),
      ...(await hit(server.base, ['/blog/a', '/blog/b', '/blog/c', '/blog/a', '/blog/b', '/blog/c'])),
      ...(await hit(server.base, ['/api/items/1', '/api/items/2', '/api/items/1', '/api/items/2'])),
      ...(await hit(server.base, ['/api/items/missing', '/api/items/missing'])),
      ...(await hit(server.base, ['/no/such/page', '/nothing-here'])),
    ];
    assert.equal(statuses.length, 17);
    const ofApp = (r: Received) => r.request.resourceMetrics[0].resource.attributes['service.name'] === 'next-app';
    // every series but Next's own assets (/_next/…), were any requested: a wrong template shows up as an extra series
    const ours = (r: Received) => new Map([...requestCounts(r)].filter(([k]) => !k.includes(' /_next/')).sort());
    const total = (r: Received) => [...ours(r).values()].reduce((a, b) => a + b, 0);
    await sink.waitFor((r) => ofApp(r) && total(r) >= statuses.length);
    const r = await sink.waitFor(ofApp, 15_000, true); // one export later: nothing more is counted
    const expected = new Map(
      [
        ['GET / 200', 3],
        ['GET /blog/[slug] 200', 6],
        ['GET /api/items/[id] 200', 4],
        ['GET /api/items/[id] 404', 2],
        // an unmatched URL renders the app's not-found page: one series however many URLs
        ['GET /_not-found 404', 2],
      ].sort() as [string, number][],
    );
    assert.deepEqual(ours(r), expected, `all series: ${JSON.stringify([...requestCounts(r)])}\nnext start:\n${server.output()}`);
  });
});
