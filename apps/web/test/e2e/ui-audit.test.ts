// Findings of the outside UI audit, pinned in Chromium against the real server: readouts that go stale when data
// stops, relative times that keep ageing while the connection is lost, unknown services and routes, the nodes
// filter with no match, a node without a CPU quota.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runSimulation } from '../../simulator/run.js';
import type { Route } from 'playwright-core';
import { browserPerFile, openPage, screenshot } from './lib/browser.js';
import { startDashboard, until } from './lib/dashboard.js';

const e2e = browserPerFile();

/** Seconds in a relative time ("now" → 0, "12 s ago" → 12, "3 min ago" → 180). */
function agoSeconds(text: string): number {
  const t = text.trim();
  if (t === 'now') return 0;
  const m = /^(\d+) (s|min|h) ago$/.exec(t);
  assert.ok(m, `a relative time: ${JSON.stringify(t)}`);
  return Number(m[1]) * (m[2] === 's' ? 1 : m[2] === 'min' ? 60 : 3600);
}

for (const how of ['stopped', 'hung'] as const) {
  test(`connection lost (server ${how}): "last seen" keeps ageing in the nodes table and on the node page`, async () => {
  const dash = await startDashboard();
  e2e.defer(() => dash.close());
  const sim = runSimulation({ nodes: 2, rpsPerNode: 20, routes: 2, service: 'ageing', seed: 7, samplesPerNode: 10 }, { target: dash.otlpUrl });
  e2e.defer(() => sim.stop());
  const { page, context, errors } = await openPage(e2e.browser);
  e2e.defer(() => context.close());
  await page.goto(`${dash.url}/nodes`);
  const row = page.getByTestId('node-row').first();
  await row.waitFor({ timeout: 20_000 });
  const instance = (await row.getAttribute('data-instance'))!;
  const cell = row.getByTestId('node-last-seen');
  await until('last seen now', async () => agoSeconds((await cell.textContent()) ?? '') <= 2);

  const node = await e2e.browser.newPage();
  e2e.defer(() => node.close());
  await node.goto(`${dash.url}/nodes/${encodeURIComponent(instance)}`);
  const info = node.getByTestId('node-last-seen');
  await until('last seen now on the node page', async () => agoSeconds((await info.textContent()) ?? '') <= 2);

  if (how === 'stopped') await dash.stop();
  else {
    // a hung server: sockets stay open, nothing answers (the stream's watchdog calls it lost)
    dash.child!.kill('SIGSTOP');
    e2e.defer(() => dash.child?.kill('SIGCONT'));
  }
  await page.getByTestId('connection-lost').waitFor({ timeout: 15_000 });
  await node.getByTestId('connection-lost').waitFor({ timeout: 15_000 });
  // the data's own time against the browser clock: 12 s without news is not "now"
  await until('the table ageing', async () => agoSeconds((await cell.textContent()) ?? '') >= 12, 20_000);
  await until('the node page ageing', async () => agoSeconds((await info.textContent()) ?? '') >= 12, 10_000);
  await screenshot(page, `audit-last-seen-${how}`);
  assert.deepEqual(errors, []);
});
}

test('a stream whose first snapshot never comes is called lost, and recovers when it answers', async () => {
  // A server (or proxy) that accepts the stream's connection and never answers: before the first snapshot the
  // page said "Connecting…" for ever, without the banner (a CI run caught it: the dashboard hung just then).
  const dash = await startDashboard();
  e2e.defer(() => dash.close());
  const { page, context, errors } = await openPage(e2e.browser);
  e2e.defer(() => context.close());
  const held: Route[] = [];
  await page.route('**/api/v1/stream**', (route) => void held.push(route));
  await page.goto(`${dash.url}/`);
  await page.getByTestId('connection-lost').waitFor({ timeout: 15_000 });
  assert.ok(held.length >= 1, 'the stream was asked for and held');
  await page.unroute('**/api/v1/stream**');
  for (const route of held) await route.continue().catch(() => undefined); // the page may have given up on it
  await page.getByTestId('connection-lost').waitFor({ state: 'detached', timeout: 15_000 });
  assert.equal(await page.getByTestId('connection-status').getAttribute('data-status'), 'open');
  assert.deepEqual(errors, []);
});

test('readouts and tiles say what they cover; unknown service and route; no-match filter; no CPU quota; readouts go stale when data stops', async () => {
  const dash = await startDashboard({ store: { nodeDownAfterMs: 3000 } });
  e2e.defer(() => dash.close());
  const sim = runSimulation({ nodes: 2, rpsPerNode: 40, routes: 2, service: 'shop', seed: 9, samplesPerNode: 20 }, { target: dash.otlpUrl });
  let simStopped = false;
  e2e.defer(() => simStopped || sim.stop());
  const { page, context, errors } = await openPage(e2e.browser);
  e2e.defer(() => context.close());

  // the tiles cover the stats window, the readouts the chart's latest 2 s step (live 5 min), and each says so
  await page.goto(`${dash.url}/`);
  await page.getByTestId('overview').waitFor({ timeout: 20_000 });
  await until('a latency readout', async () => /^p99 \d/.test((await page.getByTestId('chart-latency-readout').textContent()) ?? ''));
  assert.equal(await page.getByTestId('chart-latency-readout-note').textContent(), ' · last 2 s');
  assert.equal(await page.getByTestId('chart-rps-readout-note').textContent(), ' · last 2 s');
  assert.equal(await page.getByTestId('kpi-p99-sub').textContent(), 'last 10 s');
  assert.match((await page.getByTestId('kpi-error-rate-sub').textContent()) ?? '', /^\d[\d,]* errors? in last 10 s$/);
  await page.goto(`${dash.url}/?range=1h`);
  await until('the 1 h tiles', async () => (await page.getByTestId('kpi-p99-sub').textContent()) === 'last 1 h');
  await until('the 1 h readout', async () => (await page.getByTestId('chart-latency-readout-note').textContent()) === ' · last 10 s');

  // an unknown service: a notice naming the known ones, not an empty healthy overview
  for (const path of ['/', '/nodes', '/routes']) {
    await page.goto(`${dash.url}${path}?service=nosuch`);
    const notice = page.getByTestId('service-unknown');
    await notice.waitFor();
    assert.match((await notice.textContent()) ?? '', /No service named nosuch has reported to this dashboard \(known: shop\)/);
    assert.equal(await page.getByTestId('findings-empty').count(), 0, `${path}: no "No bottleneck found"`);
  }
  await screenshot(page, 'audit-unknown-service');

  // a route nobody serves: said, and no healthy-sounding findings text
  await page.goto(`${dash.url}/routes/detail?method=GET&route=/nosuch&service=shop`);
  await page.getByTestId('route-no-requests').waitFor();
  await until('the findings panel', async () => ((await page.getByTestId('findings-empty').textContent()) ?? '').length > 0);
  const empty = (await page.getByTestId('findings-empty').textContent()) ?? '';
  assert.match(empty, /No requests on this route in the window/);
  assert.doesNotMatch(empty, /in line with/);

  // a filter that matches nothing: one row saying so, across the whole table
  await page.goto(`${dash.url}/nodes`);
  await page.getByTestId('node-row').first().waitFor({ timeout: 20_000 });
  await page.getByTestId('nodes-filter').fill('zzz-no-such-node');
  const none = page.getByTestId('nodes-empty');
  await none.waitFor();
  assert.match((await none.textContent()) ?? '', /No nodes match “zzz-no-such-node”/);
  const headers = await page.locator('[data-testid=nodes-table] thead th').count();
  assert.equal(Number(await none.getAttribute('colspan')), headers);
  await page.getByTestId('nodes-filter').fill('');

  // the simulator's nodes have no CPU quota: the card says so instead of drawing empty axes
  const instance = (await page.getByTestId('node-row').first().getAttribute('data-instance'))!;
  await page.goto(`${dash.url}/nodes/${encodeURIComponent(instance)}`);
  await page.getByTestId('chart-cpu-throttled-empty').filter({ hasText: 'No CPU quota' }).waitFor();

  // every node goes silent: the readouts drop to "—" with how long, not a value from before the outage
  await page.goto(`${dash.url}/`);
  await until('a latency readout', async () => /^p99 \d/.test((await page.getByTestId('chart-latency-readout').textContent()) ?? ''));
  sim.stop();
  simStopped = true;
  await until('the latency readout stale', async () => (await page.getByTestId('chart-latency-readout').textContent()) === 'p99 —', 20_000);
  assert.match((await page.getByTestId('chart-latency-readout-note').textContent()) ?? '', /^ · no data for \d+ s$/);
  await until('the event-loop readout stale', async () => (await page.getByTestId('chart-event-loop-readout').textContent()) === 'p99 —', 10_000);
  // throughput is a rate: 0 req/s is the truth, as the tiles say
  assert.match((await page.getByTestId('chart-rps-readout').textContent()) ?? '', /^0 req\/s$/);
  await screenshot(page, 'audit-readouts-stale');
  assert.deepEqual(errors, []);
});

// outside audit (foreign senders): a node of another OpenTelemetry SDK showed "No CPU profile yet. The agent takes
// one when…" (three panels of it), though nothing it runs will ever take one
test('a node reporting through another OpenTelemetry SDK says profiles come from the agent, instead of three empty profile panels', async () => {
  const { MeterProvider, PeriodicExportingMetricReader } = await import('@opentelemetry/sdk-metrics');
  const { defaultResource, resourceFromAttributes } = await import('@opentelemetry/resources');
  const { OTLPMetricExporter } = await import('@opentelemetry/exporter-metrics-otlp-proto');
  const dash = await startDashboard();
  e2e.defer(() => dash.close());
  const reader = new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter({ url: `${dash.otlpUrl}/v1/metrics` }), exportIntervalMillis: 1000 });
  const provider = new MeterProvider({ resource: defaultResource().merge(resourceFromAttributes({ 'service.name': 'sdk-only', 'service.instance.id': 'sdk-1' })), readers: [reader] });
  e2e.defer(() => provider.shutdown());
  provider.getMeter('t').createHistogram('http.server.request.duration', { unit: 's' }).record(0.02, { 'http.request.method': 'GET', 'http.route': '/x', 'http.response.status_code': 200 });
  await provider.forceFlush();
  const { page, context } = await openPage(e2e.browser);
  e2e.defer(() => context.close());
  await page.goto(`${dash.url}/nodes/sdk-1?service=sdk-only`);
  const notice = page.getByTestId('node-foreign-sdk');
  await notice.waitFor({ timeout: 20_000 });
  assert.match((await notice.textContent()) ?? '', /reports through opentelemetry .*not the perf agent/);
  assert.equal(await page.locator('#hot-code').count(), 0, 'no hot-code panel');
  await screenshot(page, 'ui-audit-foreign-sdk-node');
});
