// Regression: README's standalone scenario command (`node --import tsx apps/web/demo/scenarios/zoo/run.ts NAME
// --otlp URL`) printed nothing and exited 13 for every scenario: its command line imported scenarios/index.ts,
// which re-exports zoo/run.ts itself, an import cycle whose top-level await never settled. Here the command runs
// for real: an unknown name must list the scenarios, a known one must start its fleet against a sink.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const WEB = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function run(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'demo/scenarios/zoo/run.ts', ...args], { cwd: WEB, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (c) => (out += c));
  child.stderr.on('data', (c) => (out += c));
  return { child, output: () => out };
}

test('zoo/run.ts NAME: an unknown name lists the scenarios; a known one starts and its nodes export', { timeout: 60_000 }, async () => {
  const unknown = run(['no-such-scenario', '--otlp', 'http://127.0.0.1:9']);
  const [code] = (await once(unknown.child, 'exit')) as [number];
  assert.notEqual(code, 13, 'the module graph settles');
  assert.match(unknown.output(), /unknown scenario "no-such-scenario"; one of: .*blocking/);

  // a sink that counts OTLP posts: the healthy scenario's nodes must reach it
  let posts = 0;
  const sink = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      posts++;
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
  const started = run(['healthy', '--otlp', `http://127.0.0.1:${(sink.address() as AddressInfo).port}`]);
  try {
    const deadline = Date.now() + 30_000;
    while (posts === 0 && Date.now() < deadline && started.child.exitCode === null) await new Promise((r) => setTimeout(r, 200));
    assert.ok(posts > 0, `no export reached the sink; the command printed: ${started.output()}`);
  } finally {
    started.child.kill('SIGINT');
    await once(started.child, 'exit');
    sink.closeAllConnections();
    sink.close();
  }
});
