// PERF_PROMETHEUS_PORT: the agent serves /metrics (prom-client text format, latency as classic histogram
// buckets); a real Prometheus (Debian's package) scrapes it, and histogram_quantile over the scraped
// buckets, asked through Prometheus's HTTP API, agrees with what the agent recorded.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ExponentialHistogramMetric } from '@perf/metrics';
import { findMetric, OtlpSink, pointQuantile, totalRequests } from '../helpers/sink.js';
import { hit, startFixture, type Child } from '../helpers/processes.js';

const PROMETHEUS = '/usr/bin/prometheus';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function promQuery(base: string, query: string): Promise<number | undefined> {
  const r = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(query)}`);
  const body = (await r.json()) as { data: { result: { value: [number, string] }[] } };
  const v = body.data.result[0]?.value[1];
  return v === undefined ? undefined : Number(v);
}

/** histogram_quantile's own algorithm (linear interpolation inside the bucket), over the /metrics text. */
function quantileFromText(text: string, route: string, q: number): number {
  const buckets: [number, number][] = [];
  const re = new RegExp(`^http_server_request_duration_seconds_bucket\\{[^}]*http_route="${route.replace(/[/]/g, '\\/')}"[^}]*le="([^"]+)"\\} (\\S+)$`, 'gm');
  for (const m of text.matchAll(re)) buckets.push([m[1] === '+Inf' ? Infinity : Number(m[1]), Number(m[2])]);
  buckets.sort((a, b) => a[0] - b[0]);
  const total = buckets.at(-1)![1];
  const rank = q * total;
  let prevBound = 0;
  let prevCount = 0;
  for (const [bound, count] of buckets) {
    if (count >= rank) {
      if (bound === Infinity) return prevBound;
      return prevBound + ((bound - prevBound) * (rank - prevCount)) / (count - prevCount);
    }
    prevBound = bound;
    prevCount = count;
  }
  return NaN;
}

describe('Prometheus /metrics', { skip: existsSync(PROMETHEUS) ? false : `${PROMETHEUS} not found: apt-get install -y prometheus` }, () => {
  const sink = new OtlpSink();
  let app: Child;
  let prom: ChildProcess | undefined;
  let promBase = '';
  const dir = mkdtempSync(join(tmpdir(), 'perf-agent-prom-'));

  before(async () => {
    await sink.start();
    app = await startFixture('http-server.mjs', { OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint, OTEL_SERVICE_NAME: 'scraped', PERF_PROMETHEUS_PORT: '0', PERF_PROMETHEUS_HOST: '127.0.0.1' });
    const promPort = await freePort();
    promBase = `http://127.0.0.1:${promPort}`;
    writeFileSync(
      join(dir, 'prometheus.yml'),
      `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: agent\n    static_configs:\n      - targets: ['127.0.0.1:${app.ready.prometheusPort}']\n`,
    );
    prom = spawn(PROMETHEUS, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${promPort}`, '--log.level=warn'], { stdio: 'ignore' });
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        if ((await fetch(`${promBase}/-/ready`)).ok) break;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) throw new Error('prometheus did not become ready');
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  after(async () => {
    await app?.kill();
    if (prom && prom.exitCode === null) {
      prom.kill('SIGTERM');
      await new Promise((r) => prom!.once('exit', r));
    }
    await sink.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('/metrics is Prometheus text with classic buckets; the scrape itself is not counted as a request', async () => {
    const base = `http://127.0.0.1:${app.ready.port}`;
    await hit(base, Array.from({ length: 3 }, () => '/x'));
    const text = await (await fetch(`http://127.0.0.1:${app.ready.prometheusPort}/metrics`)).text();
    await (await fetch(`http://127.0.0.1:${app.ready.prometheusPort}/metrics`)).text();
    assert.match(text, /# TYPE http_server_request_duration_seconds histogram/);
    assert.match(text, /http_server_request_duration_seconds_bucket\{http_request_method="GET",http_route="\/x",http_response_status_code="200",le="\+Inf"\} 3/);
    assert.match(text, /# TYPE nodejs_eventloop_delay_seconds histogram/);
    assert.match(text, /# TYPE v8js_memory_heap_used_bytes gauge/);
    assert.match(text, /# TYPE process_cpu_utilization_ratio gauge/);
    const again = await (await fetch(`http://127.0.0.1:${app.ready.prometheusPort}/metrics`)).text();
    assert.doesNotMatch(again, /http_route="\/metrics"/);
  });

  test('histogram_quantile through Prometheus agrees with the agent\'s own histogram', async () => {
    const base = `http://127.0.0.1:${app.ready.port}`;
    // a known mix: 50 × ~5 ms, 30 × ~40 ms, 20 × ~150 ms
    const paths = [...Array(50).fill('/sleep?ms=5'), ...Array(30).fill('/sleep?ms=40'), ...Array(20).fill('/sleep?ms=150')];
    await hit(base, paths, 10);
    const deadline = Date.now() + 30_000;
    while ((await promQuery(promBase, 'sum(http_server_request_duration_seconds_count{http_route="/sleep"})')) !== 100) {
      if (Date.now() > deadline) throw new Error('prometheus never saw the 100 requests');
      await new Promise((r) => setTimeout(r, 300));
    }
    const text = await (await fetch(`http://127.0.0.1:${app.ready.prometheusPort}/metrics`)).text();
    const r = await sink.waitFor((x) => totalRequests(x) >= 103);
    const m = findMetric(r, 'http.server.request.duration') as ExponentialHistogramMetric;
    const point = m.points.find((p) => p.attributes['http.route'] === '/sleep')!;
    assert.equal(point.count, 100);
    for (const q of [0.25, 0.5, 0.75, 0.9, 0.99]) {
      const fromProm = await promQuery(promBase, `histogram_quantile(${q}, sum by (le) (http_server_request_duration_seconds_bucket{http_route="/sleep"}))`);
      assert.ok(fromProm !== undefined);
      // Prometheus computes exactly what the buckets say
      assert.ok(Math.abs(fromProm - quantileFromText(text, '/sleep', q)) < 1e-9, `q${q}: ${fromProm} vs ${quantileFromText(text, '/sleep', q)}`);
      // and the buckets are the agent's: within one √2-wide classic bucket of the exponential histogram's quantile
      const exact = pointQuantile(point, q);
      assert.ok(fromProm / exact < Math.SQRT2 * 1.01 && exact / fromProm < Math.SQRT2 * 1.01, `q${q}: prometheus ${fromProm} vs agent ${exact}`);
    }
    const p50 = (await promQuery(promBase, 'histogram_quantile(0.5, sum by (le) (http_server_request_duration_seconds_bucket{http_route="/sleep"}))'))!;
    assert.ok(p50 >= 0.004 && p50 < 0.06, `p50 ${p50}`);
    const p95 = (await promQuery(promBase, 'histogram_quantile(0.95, sum by (le) (http_server_request_duration_seconds_bucket{http_route="/sleep"}))'))!;
    assert.ok(p95 >= 0.14, `p95 ${p95}`);
  });
});

test('OTEL_METRICS_EXPORTER=prometheus: /metrics counts every request, nothing goes out over OTLP, the export thread exports nothing', async () => {
  const sink = await new OtlpSink().start();
  const app = await startFixture('http-server.mjs', {
    OTEL_EXPORTER_OTLP_ENDPOINT: sink.endpoint,
    OTEL_METRIC_EXPORT_INTERVAL: '200',
    OTEL_METRICS_EXPORTER: 'prometheus',
    PERF_PROMETHEUS_PORT: '0',
    PERF_PROMETHEUS_HOST: '127.0.0.1',
  });
  try {
    await hit(`http://127.0.0.1:${app.ready.port}`, Array.from({ length: 7 }, () => '/only-scraped'));
    const text = await (await fetch(`http://127.0.0.1:${app.ready.prometheusPort}/metrics`)).text();
    assert.match(text, /http_server_request_duration_seconds_count\{http_request_method="GET",http_route="\/only-scraped",http_response_status_code="200"\} 7/);
    // the export interval is 200 ms: five intervals without a single export
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(sink.received.length, 0);
    const n = app.lines.length;
    app.proc.stdin!.write('stats\n');
    while (app.lines.length === n) await new Promise((r) => setTimeout(r, 20));
    const stats = JSON.parse(app.lines[n]) as { heapUsed: number; exporter?: { attempted: number } };
    assert.ok(stats.heapUsed > 0);
    // the export thread serves /metrics (so the app's thread never builds the text) and has no OTLP exporter
    assert.equal(stats.exporter?.attempted, 0, 'no OTLP export attempted');
  } finally {
    await app.kill();
    await sink.stop();
  }
});

test("a scrape while the app's loop is blocked: the export thread answers from the last snapshot instead of waiting for the loop", async () => {
  const app = await startFixture('http-server.mjs', { OTEL_METRICS_EXPORTER: 'prometheus', PERF_PROMETHEUS_PORT: '0', PERF_PROMETHEUS_HOST: '127.0.0.1' });
  try {
    const base = `http://127.0.0.1:${app.ready.port}`;
    const metrics = `http://127.0.0.1:${app.ready.prometheusPort}/metrics`;
    await hit(base, Array.from({ length: 5 }, () => '/before-block'));
    assert.match(await (await fetch(metrics)).text(), /http_route="\/before-block"[^}]*\} 5/);
    // the app's loop busy for 6 s; the scrape must not wait for it
    const blocked = fetch(`${base}/block?ms=6000`).then((r) => r.text());
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    const res = await fetch(metrics);
    const text = await res.text();
    const waited = Date.now() - t0;
    assert.equal(res.status, 200);
    assert.ok(waited < 5000, `answered after ${waited} ms, while the loop was still blocked`);
    assert.match(text, /http_route="\/before-block"[^}]*\} 5/, 'with the numbers of the last snapshot');
    await blocked;
    // once the loop is free, scrapes are fresh again: the blocking request is counted
    assert.match(await (await fetch(metrics)).text(), /http_route="\/block"[^}]*\} 1/);
  } finally {
    await app.kill();
  }
});
