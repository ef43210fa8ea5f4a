// CPU profiles of the app's thread, for real: a server kept busy in one named function must export a profile
// naming that function, its file and line, with shares that add up; PERF_PROFILE=false must export none; and
// a process that ends on its own while a profile runs must end on time and print nothing about it.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { after, describe, test } from 'node:test';
import type { GaugeMetric } from '@perf/metrics';
import { findMetric, OtlpSink, type Received } from '../helpers/sink.js';
import { fixtures, startFixture, type Child } from '../helpers/processes.js';

const SELF = 'nodejs.cpu_profile.self_time';
const profileOf = (r: Received) => findMetric(r, SELF) as GaugeMetric | undefined;

/** Requests back to back for `ms`, `concurrency` at a time. */
async function load(base: string, path: string, ms: number, concurrency = 2): Promise<void> {
  const until = Date.now() + ms;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < until) await (await fetch(base + path)).text();
    }),
  );
}

describe('CPU profiles of a busy event loop', () => {
  const sink = new OtlpSink();
  const apps: Child[] = [];
  after(async () => {
    for (const app of apps) await app.kill();
    await sink.stop();
  });

  test('name the function that holds the CPU, with its file and line', async () => {
    await sink.start();
    // cooldown 0: a start-up stall may take the first profile before the load begins
    const app = await startFixture('http-server.mjs', { OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, OTEL_SERVICE_NAME: 'profiled', PERF_PROFILE_DURATION: '1500', PERF_PROFILE_AFTER: '0', PERF_PROFILE_COOLDOWN: '0' });
    apps.push(app);
    const base = `http://127.0.0.1:${app.ready.port}`;
    const t0 = Date.now();
    await load(base, '/hot?ms=40', 2500);
    const r = await sink.waitFor((x) => profileOf(x)?.points.some((p) => p.attributes['code.function.name'] === 'spinHot') === true, 10_000);
    const points = profileOf(r)!.points;
    const hot = points.find((p) => p.attributes['code.function.name'] === 'spinHot');
    assert.ok(hot, `spinHot not in the profile: ${points.map((p) => `${p.attributes['code.function.name']} ${p.value.toFixed(3)}`).join(', ')}`);
    const source = readFileSync(join(fixtures, 'http-server.mjs'), 'utf8').split('\n');
    assert.equal(hot.attributes['code.file.path'], join(fixtures, 'http-server.mjs'));
    assert.equal(hot.attributes['code.line.number'], source.findIndex((l) => l.startsWith('function spinHot(')) + 1);
    assert.ok(hot.value >= 0.3, `spinHot has ${hot.value} of the samples`);
    assert.equal(hot.attributes['perf.caller.function.name'], undefined, 'the app’s own code has no caller row');
    const total = points.reduce((s, p) => s + p.value, 0);
    assert.ok(Math.abs(total - 1) < 1e-9, `shares add up to ${total}`);
    // every point carries the profile's window, about PERF_PROFILE_DURATION long, inside the test's time
    const windows = new Set(points.map((p) => `${p.startTimeUnixNano}-${p.timeUnixNano}`));
    assert.equal(windows.size, 1);
    const seconds = (hot.timeUnixNano - hot.startTimeUnixNano) / 1e9;
    assert.ok(seconds > 1.3 && seconds < 2.5, `a profile of ${seconds} s`);
    assert.ok(hot.startTimeUnixNano / 1e6 >= t0 - 1000);
    const samples = (findMetric(r, 'nodejs.cpu_profile.samples') as GaugeMetric).points[0].value;
    assert.ok(samples >= 100, `${samples} samples`);
    console.log(`profile: spinHot ${(hot.value * 100).toFixed(1)}% of ${samples} samples in ${seconds.toFixed(2)} s, ${points.length} rows`);
  });

  /** The utilisation exported while `fixture`'s profile ran (after its first 300 ms). */
  async function utilisationWhileProfiled(fixture: string): Promise<number[]> {
    const own = new OtlpSink();
    await own.start();
    try {
      const app = await startFixture(fixture, { OTEL_EXPORTER_OTLP_ENDPOINT: own.endpoint, PERF_PROFILE_DURATION: '2000', PERF_PROFILE_AFTER: '0' });
      apps.push(app);
      const r = await own.waitFor((x) => profileOf(x) !== undefined, 10_000);
      const p = profileOf(r)!.points[0];
      const [from, to] = [p.startTimeUnixNano / 1e6, p.timeUnixNano / 1e6];
      return own.received
        .filter((x) => x.at > from + 300 && x.at < to)
        .map((x) => (findMetric(x, 'nodejs.eventloop.utilization') as GaugeMetric | undefined)?.points[0]?.value)
        .filter((v): v is number => v !== undefined);
    } finally {
      await own.stop();
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

  test('the loop’s utilisation stays true while a profile runs (the sampler’s signals would inflate it)', { skip: process.platform !== 'linux' ? 'Linux only (/proc)' : false }, async () => {
    // 1 ms of work every 20 ms on timers, and one 150 ms stall that starts a profile: uncorrected it reads ≈ 0.6
    const elu = await utilisationWhileProfiled('interval-work.mjs');
    console.log(`utilisation during a profile of a loop ≈ 5% busy: ${elu.map((v) => v.toFixed(3)).join(' ')}`);
    assert.ok(elu.length >= 3, `${elu.length} exports during the profile`);
    assert.ok(median(elu) < 0.25, `utilisation ${elu.join(', ')} on a loop ≈ 5% busy`);
  });

  test('… and a loop asleep in a blocking call stays busy while profiled (it is off the CPU, not idle)', { skip: process.platform !== 'linux' ? 'Linux only (/proc)' : false }, async () => {
    // Atomics.wait 30 ms every 50 ms: busy ≈ 60% with hardly any CPU; where the thread sleeps tells it from idle
    const elu = await utilisationWhileProfiled('sync-wait.mjs');
    console.log(`utilisation during a profile of a loop ≈ 60% asleep in Atomics.wait: ${elu.map((v) => v.toFixed(3)).join(' ')}`);
    assert.ok(elu.length >= 3, `${elu.length} exports during the profile`);
    assert.ok(median(elu) > 0.45 && median(elu) < 0.8, `utilisation ${elu.join(', ')} on a loop ≈ 60% blocked`);
  });

  test('a TypeScript app compiled with source maps: the function is named at its line in the .ts source', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'perf-ts-app-'));
    try {
      const source = join(fixtures, 'ts-app', 'server.ts');
      const out = join(dir, 'dist', 'server.mjs');
      buildSync({ entryPoints: [source], outfile: out, sourcemap: 'linked', format: 'esm', platform: 'node', logLevel: 'silent' });
      const own = new OtlpSink();
      await own.start();
      try {
        // cooldown 0: a start-up stall may take the first profile before the load begins
        const app = await startFixture(out, { OTEL_EXPORTER_OTLP_ENDPOINT: own.endpoint, PERF_PROFILE_DURATION: '1000', PERF_PROFILE_AFTER: '0', PERF_PROFILE_COOLDOWN: '0' });
        apps.push(app);
        await load(`http://127.0.0.1:${app.ready.port}`, '/', 2500);
        // renderTotals, at its line in the .ts source; or, where V8 inlined it into the request handler before the
        // profile began (V8 keeps inlined frames only for code optimised while it profiles), that handler at its own
        // .ts line: either way a place in the .ts source, not in the compiled file
        const lines = readFileSync(source, 'utf8').split('\n');
        const tsLine = lines.findIndex((l) => l.startsWith('export function renderTotals(')) + 1;
        const handlerLine = lines.findIndex((l) => l.startsWith('const server = createServer(')) + 1;
        const named = (x: Received) => profileOf(x)?.points.find((p) => p.attributes['code.function.name'] === 'renderTotals' || (p.attributes['code.function.name'] === '(anonymous)' && p.attributes['code.file.path'] === source && p.value >= 0.3));
        const found = await own.waitFor((x) => named(x) !== undefined, 10_000).catch(() => undefined);
        const seen = own.received.filter((x) => profileOf(x) !== undefined).map((x) => profileOf(x)!.points.map((p) => `${p.attributes['code.function.name']} ${p.value.toFixed(2)} ${p.attributes['code.file.path']}:${p.attributes['code.line.number']}`).join(', '));
        assert.ok(found, `no profile named renderTotals or its handler; profiles: ${[...new Set(seen)].join(' | ')}`);
        const hot = named(found);
        assert.ok(hot, 'renderTotals (or its handler) in the profile');
        const jsLine = readFileSync(out, 'utf8').split('\n').findIndex((l) => l.startsWith('function renderTotals(')) + 1;
        assert.notEqual(jsLine, tsLine, 'the compiled line differs');
        const expected = hot.attributes['code.function.name'] === 'renderTotals' ? tsLine : handlerLine;
        assert.deepEqual([hot.attributes['code.file.path'], hot.attributes['code.line.number']], [source, expected]);
      } finally {
        await own.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a TypeScript app run by tsx (compiled in memory): the function is named at its line in the .ts source', async () => {
    const source = join(fixtures, 'ts-app', 'server.ts');
    const own = new OtlpSink();
    await own.start();
    try {
      // tsx keeps its source maps in the app's thread only: the export thread asks it for them
      const app = await startFixture(source, { OTEL_EXPORTER_OTLP_ENDPOINT: own.endpoint, PERF_PROFILE_DURATION: '1000', PERF_PROFILE_AFTER: '0', PERF_PROFILE_COOLDOWN: '0' }, ['--import', 'tsx', '--import', '@perf/agent']);
      apps.push(app);
      await load(`http://127.0.0.1:${app.ready.port}`, '/', 2500);
      const lines = readFileSync(source, 'utf8').split('\n');
      const tsLine = lines.findIndex((l) => l.startsWith('export function renderTotals(')) + 1;
      const handlerLine = lines.findIndex((l) => l.startsWith('const server = createServer(')) + 1;
      const inSource = (x: Received) => profileOf(x)?.points.find((p) => p.attributes['code.file.path'] === source && p.value >= 0.3);
      const found = await own.waitFor((x) => inSource(x) !== undefined, 10_000).catch(() => undefined);
      const seen = own.received.filter((x) => profileOf(x) !== undefined).map((x) => profileOf(x)!.points.map((p) => `${p.attributes['code.function.name']} ${p.value.toFixed(2)} ${p.attributes['code.file.path']}:${p.attributes['code.line.number']}`).join(', '));
      assert.ok(found, `no profile with the .ts file on top; profiles: ${[...new Set(seen)].join(' | ')}`);
      const hot = inSource(found)!;
      // renderTotals at its own line, or the handler it was inlined into (see the test above) at the handler's
      const expected = hot.attributes['code.function.name'] === 'renderTotals' ? tsLine : handlerLine;
      assert.equal(hot.attributes['code.line.number'], expected, `${hot.attributes['code.function.name']} at line ${hot.attributes['code.line.number']}`);
      console.log(`tsx: ${hot.attributes['code.function.name']} at server.ts:${hot.attributes['code.line.number']} (${(hot.value * 100).toFixed(0)}%)`);
    } finally {
      await own.stop();
    }
  });

  /** Keeps a server busy in spinHot() for 1.5 s with `env`; resolves with the profiles its exports carried. */
  async function profilesWhenBusy(env: Record<string, string>): Promise<number> {
    const own = new OtlpSink();
    await own.start();
    try {
      const app = await startFixture('http-server.mjs', { OTEL_EXPORTER_OTLP_ENDPOINT: own.endpoint, PERF_PROFILE_DURATION: '500', ...env });
      apps.push(app);
      await load(`http://127.0.0.1:${app.ready.port}`, '/hot?ms=40', 1500);
      const since = Date.now();
      await own.waitFor((x) => x.at > since + 1000, 10_000);
      return own.received.filter((x) => profileOf(x) !== undefined).length;
    } finally {
      await own.stop();
    }
  }

  test('none in the agent’s first seconds (PERF_PROFILE_AFTER, default 10 s): start-up stalls are not the app’s work', async () => {
    assert.equal(await profilesWhenBusy({}), 0);
  });

  test('PERF_PROFILE=false takes none', async () => {
    assert.equal(await profilesWhenBusy({ PERF_PROFILE: 'false', PERF_PROFILE_AFTER: '0' }), 0);
  });

  test('none while the inspector server is open (--inspect): process.exit() is not held up by a profiling session', async () => {
    const own = new OtlpSink();
    await own.start();
    try {
      const app = await startFixture('exit-busy.mjs', { OTEL_EXPORTER_OTLP_ENDPOINT: own.endpoint, PERF_PROFILE_DURATION: '10000', PERF_PROFILE_AFTER: '0' }, ['--inspect=127.0.0.1:0', '--import', '@perf/agent']);
      apps.push(app);
      const t0 = Date.now();
      assert.equal(await app.exited, 0);
      const ms = Date.now() - t0;
      assert.deepEqual(app.lines, ['exiting']);
      // Node waits at exit for inspector sessions while its inspector server is open: a profile would hold it 10 s
      assert.ok(ms < 5000, `exited after ${ms} ms`);
      assert.equal(own.received.filter((x) => profileOf(x) !== undefined).length, 0);
    } finally {
      await own.stop();
    }
  });

  test('a process that calls process.exit() while a profile runs exits at once, quietly (no debugger notice)', async () => {
    const own = new OtlpSink();
    await own.start();
    try {
      // busy 600 ms (a 10 s profile starts), process.exit() 1.5 s later, while it runs
      const app = await startFixture('exit-busy.mjs', { OTEL_EXPORTER_OTLP_ENDPOINT: own.endpoint, PERF_PROFILE_DURATION: '10000', PERF_PROFILE_AFTER: '0' });
      apps.push(app);
      const t0 = Date.now();
      assert.equal(await app.exited, 0);
      const ms = Date.now() - t0;
      assert.deepEqual(app.lines, ['exiting']);
      assert.doesNotMatch(app.stderr(), /debugger/i);
      assert.ok(ms < 4000, `exited after ${ms} ms`);
    } finally {
      await own.stop();
    }
  });

  test('a process that ends on its own while a profile runs ends on time, quietly', async () => {
    const app = await startFixture('busy-exit.mjs', { OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, PERF_PROFILE_DURATION: '20000', PERF_PROFILE_AFTER: '0', BUSY_MS: '800', IDLE_MS: '1000' });
    apps.push(app);
    const t0 = Date.now();
    const code = await app.exited;
    const ms = Date.now() - t0;
    assert.equal(code, 0);
    assert.deepEqual(app.lines, ['done']);
    assert.doesNotMatch(app.stderr(), /debugger/i);
    // 0.8 s busy + 1 s idle; a profile left running would hold it for 20 s
    assert.ok(ms < 5000, `ended after ${ms} ms`);
  });

  test('a heap that keeps growing gets a heap profile naming the function that allocates what it keeps; PERF_HEAP_PROFILE=false takes none', async () => {
    const own = new OtlpSink();
    const off = new OtlpSink();
    await own.start();
    await off.start();
    try {
      const env = { PERF_HEAP_PROFILE_GROWTH: '4', PERF_HEAP_PROFILE_DURATION: '2000', PERF_PROFILE_AFTER: '0' };
      const app = await startFixture('http-server.mjs', { OTEL_EXPORTER_OTLP_ENDPOINT: own.endpoint, ...env });
      const quiet = await startFixture('http-server.mjs', { OTEL_EXPORTER_OTLP_ENDPOINT: off.endpoint, ...env, PERF_HEAP_PROFILE: 'false' });
      apps.push(app, quiet);
      // ≈ 5 MB a second kept for good, on both; the growth needs 10 s of history to count as steady
      const heapOf = (x: Received) => findMetric(x, 'nodejs.heap_profile.live_size') as GaugeMetric | undefined;
      let done = false;
      const leaking = (async () => {
        while (!done) {
          await Promise.all([app, quiet].map(async (a) => (await fetch(`http://127.0.0.1:${a.ready.port}/leak?kb=256`)).text()));
          await new Promise((r) => setTimeout(r, 40));
        }
      })();
      const t0 = Date.now();
      const r = await own.waitFor((x) => heapOf(x) !== undefined, 40_000).finally(() => (done = true));
      await leaking;
      const points = heapOf(r)!.points;
      const source = readFileSync(join(fixtures, 'http-server.mjs'), 'utf8').split('\n');
      const top = points[0];
      const rows = points.map((p) => `${p.attributes['code.function.name']} ${(p.value / 1e6).toFixed(1)} MB`).join(', ');
      assert.equal(top.attributes['code.function.name'], 'rememberOrder', rows);
      assert.equal(top.attributes['code.file.path'], join(fixtures, 'http-server.mjs'));
      assert.equal(top.attributes['code.line.number'], source.findIndex((l) => l.startsWith('function rememberOrder(')) + 1);
      const total = points.reduce((s, p) => s + p.value, 0);
      // 2 s of ≈ 5 MB/s kept: several MB, nearly all of it from rememberOrder
      assert.ok(top.value >= 2e6 && top.value / total >= 0.8, rows);
      const seconds = (top.timeUnixNano - top.startTimeUnixNano) / 1e9;
      assert.ok(seconds > 1.8 && seconds < 3.5, `a heap profile of ${seconds} s`);
      assert.ok(top.startTimeUnixNano / 1e6 >= t0 + 8000, 'not before 10 s of growth were seen');
      const samples = (findMetric(r, 'nodejs.heap_profile.samples') as GaugeMetric).points[0].value;
      assert.ok(samples >= 10, `${samples} live samples`);
      console.log(`heap profile after ${((top.startTimeUnixNano / 1e6 - t0) / 1000).toFixed(1)} s of growth: ${rows}; ${samples} live samples in ${seconds.toFixed(2)} s`);
      assert.equal(off.received.filter((x) => heapOf(x) !== undefined).length, 0, 'PERF_HEAP_PROFILE=false');
      assert.ok(off.received.length > 10, 'the other agent exported all along');
    } finally {
      await own.stop();
      await off.stop();
    }
  });

  // outside audit: every process took a heap profile of its start-up growth 10–12 s after it started, and the 5-minute
  // cooldown then kept a leak that came with the deploy from ever getting one
  test('a heap profile that found the growth gone does not hold the next one for the whole cooldown', async () => {
    const own = new OtlpSink();
    await own.start();
    try {
      const app = await startFixture('http-server.mjs', { OTEL_EXPORTER_OTLP_ENDPOINT: own.endpoint, PERF_HEAP_PROFILE_GROWTH: '8', PERF_HEAP_PROFILE_DURATION: '1000', PERF_PROFILE_AFTER: '0', PERF_HEAP_PROFILE_COOLDOWN: '300000' });
      apps.push(app);
      const base = `http://127.0.0.1:${app.ready.port}`;
      const heapOf = (x: Received) => findMetric(x, 'nodejs.heap_profile.live_size') as GaugeMetric | undefined;
      const profiles = () => new Set(own.received.map((x) => heapOf(x)?.points[0]?.startTimeUnixNano).filter((t) => t !== undefined)).size;
      const grow = async (path: string, until: () => boolean, limitMs: number) => {
        const deadline = Date.now() + limitMs;
        while (!until() && Date.now() < deadline) {
          await (await fetch(base + path)).text();
          await new Promise((r) => setTimeout(r, path.startsWith('/hold') ? 90 : 40));
        }
      };
      // slow growth (a start-up's, ≈ 0.6 MB a second): its 1 s profile finds far less held than the 8 MB line that started
      // it; then it stops
      const t0 = Date.now();
      await grow('/hold?kb=64', () => own.received.some((x) => heapOf(x) !== undefined), 40_000);
      assert.equal(profiles(), 1);
      const first = own.received.map(heapOf).find((m) => m !== undefined)!;
      const held = first.points.reduce((a, p) => a + p.value, 0);
      assert.ok(held < 2 * 1024 * 1024, `the first profile found ${held} bytes held, under a quarter of the growth line`);
      // then a real leak: its profile comes within seconds of its own growth line, not 5 minutes later
      await grow('/leak?kb=256', () => own.received.some((x) => heapOf(x)?.points[0]?.attributes['code.function.name'] === 'rememberOrder'), 45_000);
      const leak = own.received.map(heapOf).find((m) => m?.points[0]?.attributes['code.function.name'] === 'rememberOrder');
      assert.ok(leak !== undefined, `no heap profile of the leak; ${profiles()} profile(s)`);
      console.log(`second heap profile (the leak) ${((leak.points[0].startTimeUnixNano / 1e6 - t0) / 1000).toFixed(1)} s after the start`);
    } finally {
      await own.stop();
    }
  });

  test('a collector kept busy gets an allocation profile naming the function that makes the garbage', async () => {
    const own = new OtlpSink();
    await own.start();
    try {
      const app = await startFixture('http-server.mjs', { OTEL_EXPORTER_OTLP_ENDPOINT: own.endpoint, PERF_ALLOC_PROFILE_DURATION: '1500', PERF_PROFILE_AFTER: '0', PERF_GC_SAMPLE_ABOVE: '1000000' });
      apps.push(app);
      const allocOf = (x: Received) => findMetric(x, 'nodejs.allocation_profile.size') as GaugeMetric | undefined;
      let done = false;
      const churning = load(`http://127.0.0.1:${app.ready.port}`, '/gc', 8000).finally(() => (done = true));
      const r = await own.waitFor((x) => allocOf(x) !== undefined, 15_000).finally(async () => {
        if (!done) await churning;
      });
      await churning;
      const points = allocOf(r)!.points;
      const rows = points.map((p) => `${p.attributes['code.function.name']} ${(p.value / 1e6).toFixed(1)} MB${p.attributes['perf.caller.function.name'] ? ` ← ${p.attributes['perf.caller.function.name']}` : ''}`).join(', ');
      const total = points.reduce((s, p) => s + p.value, 0);
      const garbage = points.filter((p) => p.attributes['code.function.name'] === 'makeGarbage' || p.attributes['perf.caller.function.name'] === 'makeGarbage');
      const share = garbage.reduce((s, p) => s + p.value, 0) / total;
      assert.ok(share >= 0.5, `makeGarbage allocated ${(share * 100).toFixed(0)}%: ${rows}`);
      const top = points[0];
      assert.equal(top.attributes['code.file.path'] || top.attributes['perf.caller.file.path'], join(fixtures, 'http-server.mjs'));
      // 1.5 s of a loop allocating flat out: hundreds of MB, though almost none of it stays
      assert.ok(total >= 50e6, `${(total / 1e6).toFixed(1)} MB allocated`);
      const seconds = (top.timeUnixNano - top.startTimeUnixNano) / 1e9;
      assert.ok(seconds > 1.3 && seconds < 3, `an allocation profile of ${seconds} s`);
      const samples = (findMetric(r, 'nodejs.allocation_profile.samples') as GaugeMetric).points[0].value;
      console.log(`allocation profile: ${rows}; ${(total / 1e6).toFixed(0)} MB in ${samples} samples over ${seconds.toFixed(2)} s`);
    } finally {
      await own.stop();
    }
  });
});
