// The agent as an app outside this repository gets it: the package packed (`pnpm pack:agent` does the same with
// pnpm), installed with npm from the tarball into a fresh app in a temporary folder (its dependencies from the
// registry), and started with `node --import @perf/agent`. Its tarball must name no workspace package: the
// audit found `@perf/metrics: workspace:*` among its dependencies, which npm cannot install.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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
