// The event-loop thread's run delay (Linux schedstat), for real: the app and a busy-looping process are
// pinned to the same CPU while the app busy-loops too, so its main thread spends about half the time
// runnable but waiting for that CPU; the exported counter must grow by a good part of the elapsed time.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { SumMetric } from '@perf/metrics';
import { findMetric, OtlpSink, type Received } from '../helpers/sink.js';
import { startFixture, type Child } from '../helpers/processes.js';

const NAME = 'nodejs.eventloop.run_delay';
const skip = process.platform !== 'linux' ? 'Linux only' : !existsSync('/proc/self/schedstat') ? 'no /proc/self/schedstat' : false;
const runDelay = (r: Received) => (findMetric(r, NAME) as SumMetric | undefined)?.points[0]?.value;

describe('run delay of the event-loop thread', { skip }, () => {
  const sink = new OtlpSink();
  let app: Child;
  before(async () => {
    await sink.start();
    app = await startFixture('http-server.mjs', { OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, OTEL_SERVICE_NAME: 'contended' });
  });
  after(async () => {
    await app?.kill();
    await sink.stop();
  });

  test('grows while another process holds the CPU the app runs on', async () => {
    const first = await sink.waitFor((r) => runDelay(r) !== undefined);
    const before = runDelay(first)!;
    const cpu = '1';
    execFileSync('taskset', ['-a', '-p', '-c', cpu, String(app.proc.pid)], { stdio: 'ignore' });
    const hog = spawn('taskset', ['-c', cpu, process.execPath, '-e', 'const t = Date.now() + 3000; while (Date.now() < t);'], { stdio: 'ignore' });
    const t0 = Date.now();
    // the app busy-loops 50 ms per request, back to back, for 2.5 s: both want the one CPU
    const until = t0 + 2500;
    while (Date.now() < until) await (await fetch(`http://127.0.0.1:${app.ready.port}/block?ms=50`)).text();
    await new Promise((r) => hog.once('exit', r));
    const last = await sink.waitFor((r) => r.at > until + 300, 10_000, true);
    const waited = runDelay(last)! - before;
    const seconds = (until - t0) / 1000;
    console.log(`run delay: ${waited.toFixed(2)} s waiting for CPU ${cpu} in ${seconds.toFixed(1)} s of sharing it`);
    assert.ok(waited >= 0.25 * seconds, `${waited} s of run delay in ${seconds} s`);
  });
});
