// NODE_OPTIONS="--import @perf/agent" reaches every Node process an app's start command runs: npm itself was a node
// of its own on the dashboard (idle, then down once it ended; outside audit). Through `npm start`, only the server
// exports.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { OtlpSink, totalRequests } from '../helpers/sink.js';
import { agentDir, ensureBuilt, hit } from '../helpers/processes.js';

test('npm start with NODE_OPTIONS="--import @perf/agent": the server is the only node, npm is not one', { timeout: 60_000 }, async () => {
  ensureBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'perf-launcher-'));
  const sink = await new OtlpSink().start();
  try {
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'launched-app', version: '1.0.0', private: true, scripts: { start: 'node server.cjs' } }));
    writeFileSync(
      join(dir, 'server.cjs'),
      "require('node:http').createServer((req, res) => res.end('ok')).listen(0, '127.0.0.1', function () { console.log(JSON.stringify({ port: this.address().port, pid: process.pid })); });\n",
    );
    const npm = spawn('npm', ['start', '--silent'], {
      cwd: dir,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        NODE_OPTIONS: `--import ${pathToFileURL(join(agentDir, 'dist', 'index.js')).href}`,
        OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint,
        OTEL_METRIC_EXPORT_INTERVAL: '200',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    try {
      const ready = await new Promise<{ port: number; pid: number }>((resolve, reject) => {
        createInterface({ input: npm.stdout! }).on('line', (line) => {
          if (line.startsWith('{')) resolve(JSON.parse(line) as { port: number; pid: number });
        });
        npm.once('exit', (code) => reject(new Error(`npm start exited with ${code}`)));
      });
      await hit(`http://127.0.0.1:${ready.port}`, ['/a', '/b']);
      await sink.waitFor((x) => totalRequests(x) === 2);
      await new Promise((r) => setTimeout(r, 600));
      const pids = new Set(sink.received.map((x) => Number(x.request.resourceMetrics[0].resource.attributes['process.pid'])));
      assert.deepEqual([...pids], [ready.pid], 'only the server exported');
      assert.notEqual(ready.pid, npm.pid);
    } finally {
      try {
        process.kill(-npm.pid!, 'SIGKILL');
      } catch {
        // gone
      }
    }
  } finally {
    await sink.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

// outside audit AA3: an app started with NODE_OPTIONS="--import @perf/agent" that runs `node -p …` children: each child
// started the export thread (≈ 0.3 s of a core to load the OTLP exporter), was a node of the service on the dashboard,
// and its exit waited 0.27–0.39 s for that thread, the dashboard up or not (`node -p 6*7`: 0.16 → 0.53 s)
test('a short script with the agent preloaded (a child of an app started with NODE_OPTIONS) exits at once and is no node', { timeout: 60_000 }, async () => {
  ensureBuilt();
  const sink = await new OtlpSink().start();
  try {
    // the script times the agent's exit hook: a listener put before it and one after it
    const script = "let t0 = 0; process.prependListener('exit', () => (t0 = performance.now())); process.on('exit', () => console.log(JSON.stringify({ exitHookMs: performance.now() - t0 }))); console.log(6 * 7);";
    const child = spawn(process.execPath, ['-e', script], {
      env: {
        PATH: process.env.PATH,
        NODE_OPTIONS: `--import ${pathToFileURL(join(agentDir, 'dist', 'index.js')).href}`,
        OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint,
        OTEL_METRIC_EXPORT_INTERVAL: '200',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    assert.equal(code, 0);
    const lines = out.trim().split('\n');
    assert.equal(lines[0], '42');
    const { exitHookMs } = JSON.parse(lines[1]) as { exitHookMs: number };
    // before: the hook waited for the export thread (hundreds of ms); now it has nothing to wait for
    assert.ok(exitHookMs < 100, `the agent's exit hook took ${exitHookMs.toFixed(1)} ms`);
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(sink.received.length, 0, 'the script is no node of the service');
  } finally {
    await sink.stop();
  }
});
