// The dashboard down, then overloaded (503), then back: the host never notices, memory stays flat over
// thousands of failed exports, and because the agent exports cumulative totals, the first export that
// gets through after the outage carries every request exactly.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { OtlpSink, requestCounts, totalRequests } from '../helpers/sink.js';
import { hit, startFixture, type Child } from '../helpers/processes.js';

const sink = new OtlpSink();
let app: Child;

before(async () => {
  await sink.start();
  app = await startFixture(
    'http-server.mjs',
    { OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, OTEL_METRIC_EXPORT_INTERVAL: '3', PERF_EXPORT_BACKOFF_MAX: '3', OTEL_EXPORTER_OTLP_TIMEOUT: '300' },
    ['--expose-gc', '--import', '@perf/agent'],
  );
});
after(async () => {
  await app.kill();
  await sink.stop();
});

interface Stats {
  heapUsed: number;
  rss: number;
  exporter: { attempted: number; failed: number; skipped: number; succeeded: number; heapUsed: number };
}

async function stats(): Promise<Stats> {
  const n = app.lines.length;
  app.proc.stdin!.write('stats\n');
  while (app.lines.length === n) await new Promise((r) => setTimeout(r, 20));
  return JSON.parse(app.lines[n]) as Stats;
}

async function waitForFailures(atLeast: number): Promise<Stats> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const s = await stats();
    if (s.exporter.failed >= atLeast) return s;
    if (Date.now() > deadline) throw new Error(`only ${s.exporter.failed} failed exports`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('dashboard down, then 503, then back: no crash, flat memory, cumulative totals exact', async () => {
  const base = `http://127.0.0.1:${app.ready.port}`;
  await hit(base, Array.from({ length: 10 }, () => '/before'));
  await sink.waitFor((x) => totalRequests(x) === 10);

  // down: connection refused on every attempt
  const port = sink.port;
  await sink.stop();
  await hit(base, Array.from({ length: 20 }, () => '/during'));
  const s0 = await stats();
  const early = await waitForFailures(s0.exporter.failed + 300);
  const late = await waitForFailures(early.exporter.failed + 1500);
  const growth = late.heapUsed - early.heapUsed;
  assert.ok(growth < 2 * 2 ** 20, `heap grew ${(growth / 2 ** 20).toFixed(2)} MiB over ${late.exporter.failed - early.exporter.failed} failed exports`);
  const workerGrowth = late.exporter.heapUsed - early.exporter.heapUsed;
  assert.ok(workerGrowth < 16 * 2 ** 20, `export thread heap grew ${(workerGrowth / 2 ** 20).toFixed(2)} MiB`);
  console.log(`# ${late.exporter.failed - early.exporter.failed} failed exports: main heap ${(growth / 2 ** 20).toFixed(2)} MiB, export thread heap ${(workerGrowth / 2 ** 20).toFixed(2)} MiB, rss ${((late.rss - early.rss) / 2 ** 20).toFixed(1)} MiB`);
  assert.ok(late.rss - early.rss < 32 * 2 ** 20, `rss grew ${((late.rss - early.rss) / 2 ** 20).toFixed(1)} MiB`);

  // overloaded: 503 with Retry-After
  await sink.start(port);
  sink.status = 503;
  const decodedBefore503 = sink.received.length;
  await hit(base, Array.from({ length: 5 }, () => '/during'));
  await waitForFailures(late.exporter.failed + 20);
  assert.equal(sink.received.length, decodedBefore503);

  // back
  const received = sink.received.length;
  sink.status = 200;
  await hit(base, Array.from({ length: 7 }, () => '/after'));
  const r = await sink.waitFor((x) => totalRequests(x) === 42, 15_000);
  assert.ok(sink.received.indexOf(r) >= received);
  assert.deepEqual(
    new Map([...requestCounts(r)].sort()),
    new Map([
      ['GET /after 200', 7],
      ['GET /before 200', 10],
      ['GET /during 200', 25],
    ]),
  );
  // the app never saw an error
  assert.equal(app.proc.exitCode, null);
  assert.doesNotMatch(app.stderr(), /Uncaught|TypeError|RangeError/);
  // one warning for the outage, not thousands
  assert.ok((app.stderr().match(/PERF_AGENT_EXPORT_FAILED/g)?.length ?? 0) <= 2, app.stderr());
});

test('a dashboard that wants an ingest token (401): the one warning says to set the authorization header', async () => {
  const locked = await new OtlpSink().start();
  locked.status = 401;
  const app = await startFixture('http-server.mjs', { OTEL_EXPORTER_OTLP_ENDPOINT: locked.endpoint, OTEL_METRIC_EXPORT_INTERVAL: '100' });
  try {
    const t0 = Date.now();
    while (!app.stderr().includes('PERF_AGENT_EXPORT_FAILED') && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 50));
    assert.match(app.stderr(), /wants an ingest token \(PERF_INGEST_TOKEN\): set OTEL_EXPORTER_OTLP_HEADERS=authorization=Bearer%20<token>/);
  } finally {
    await app.kill();
    await locked.stop();
  }
});

// outside audit AA2: the agent left a header node:http refuses out with a warning, but the OTLP exporter read the
// variable itself and merged it back in: every export failed ("Header name must be a valid HTTP token") and the node
// never reached the dashboard; a content-length of the user's cut every body short, without a word
test('bad headers in OTEL_EXPORTER_OTLP_HEADERS are left out with a warning each; the good ones go with every export', async () => {
  const sink = await new OtlpSink().start();
  const app = await startFixture('http-server.mjs', {
    OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint,
    OTEL_METRIC_EXPORT_INTERVAL: '100',
    OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20abc,bad name=1,content-length=5,x-team=core',
    OTEL_EXPORTER_OTLP_METRICS_HEADERS: 'x-team=metrics',
  });
  try {
    const r = await sink.waitFor(() => true, 5000);
    assert.equal(r.headers.authorization, 'Bearer abc');
    assert.equal(r.headers['x-team'], 'metrics', 'the metrics headers over the general ones');
    assert.equal(r.headers['bad name'], undefined);
    await sink.waitFor(() => true, 5000, true);
    assert.match(app.stderr(), /header "bad name" cannot be sent/);
    assert.match(app.stderr(), /header "content-length" cannot be sent \(the exporter sets it/);
    assert.doesNotMatch(app.stderr(), /PERF_AGENT_EXPORT_FAILED/);
  } finally {
    await app.kill();
    await sink.stop();
  }
});
