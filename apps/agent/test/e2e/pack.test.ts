// The agent as an app outside this repository gets it: the package packed (`pnpm pack:agent` does the same with
// pnpm), installed with npm from the tarball into a fresh app in a temporary folder (its dependencies from the
// registry), and started with `node --import @perf/agent`. Its tarball must name no workspace package: the
// audit found `@perf/metrics: workspace:*` among its dependencies, which npm cannot install.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { OtlpSink, totalRequests } from '../helpers/sink.js';
import { agentDir, ensureBuilt, hit } from '../helpers/processes.js';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

test('packed and installed with npm into an app outside the repository, the agent starts and exports', { timeout: 180_000 }, async () => {
  ensureBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'perf-packed-'));
  const sink = await new OtlpSink().start();
  try {
    execFileSync(npm, ['pack', '--pack-destination', dir, '--silent'], { cwd: agentDir, stdio: ['ignore', 'pipe', 'inherit'] });
    const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
    assert.ok(tarball, 'npm pack wrote a tarball');
    const app = join(dir, 'app');
    execFileSync('mkdir', [app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'packed-app', version: '1.0.0', type: 'module', private: true }));
    writeFileSync(
      join(app, 'server.js'),
      "import http from 'node:http';\nhttp.createServer((req, res) => res.end('ok')).listen(0, '127.0.0.1', function () { console.log(this.address().port); });\n",
    );
    execFileSync(npm, ['install', join(dir, tarball), '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], { cwd: app, stdio: ['ignore', 'pipe', 'inherit'] });
    const manifest = JSON.parse(readFileSync(join(app, 'node_modules', '@perf', 'agent', 'package.json'), 'utf8')) as { engines?: { node?: string } };
    assert.equal(manifest.engines?.node, '>=20.19', 'npm warns on an older Node (require of ESM, for -r @perf/agent)');
    // a TypeScript app using the API, compiled without skipLibCheck: the declarations stand on their own (they
    // imported @perf/metrics, which is bundled, not a dependency: TS2307 in six files; contract audit)
    writeFileSync(
      join(app, 'check.ts'),
      "import type { IncomingMessage } from 'node:http';\nimport { start, shutdown, setRoute, getAgent, type AgentOptions } from '@perf/agent/api';\nconst options: AgentOptions = { serviceName: 'typed', exportIntervalMillis: 5000 };\nstart(options);\nexport const stop: () => Promise<void> = shutdown;\nexport const route = (req: IncomingMessage): void => setRoute(req, '/users/:id');\nexport const running = getAgent() !== undefined;\n",
    );
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, skipLibCheck: false, noEmit: true, types: ['node'], typeRoots: [join(agentDir, '..', '..', 'node_modules', '@types')] }, files: ['check.ts'] }),
    );
    const tsc = createRequire(join(agentDir, 'package.json')).resolve('typescript/bin/tsc');
    try {
      execFileSync(process.execPath, [tsc, '-p', app], { cwd: app, stdio: 'pipe' });
    } catch (err) {
      assert.fail(`tsc on an app using @perf/agent/api: ${String((err as { stdout?: Buffer }).stdout ?? err)}`);
    }
    const proc = spawn(process.execPath, ['--import', '@perf/agent', 'server.js'], {
      cwd: app,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, OTEL_METRIC_EXPORT_INTERVAL: '200' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const port = await new Promise<string>((resolve, reject) => {
        createInterface({ input: proc.stdout! }).once('line', resolve);
        proc.once('exit', (code) => reject(new Error(`the app exited with ${code}`)));
      });
      await hit(`http://127.0.0.1:${port}`, ['/a', '/b', '/c']);
      const r = await sink.waitFor((x) => totalRequests(x) === 3, 15_000);
      assert.equal(r.request.resourceMetrics[0].resource.attributes['service.name'], 'packed-app', "service.name from the app's package.json");
    } finally {
      proc.kill('SIGKILL');
    }
  } finally {
    await sink.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
