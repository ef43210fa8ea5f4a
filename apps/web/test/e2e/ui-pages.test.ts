// The dashboard UI in headless Chromium against the real server, fed by the fleet simulator (two services,
// a slow node, a node that goes down) and by a real Node.js process running the real agent.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page, Request } from 'playwright-core';
import type { CpuProfile, Finding, Fleet, NodeRow, RouteRow, Services } from '../../server/api/types.js';
import { runSimulation, type RunningSimulation } from '../../simulator/run.js';
import { startAgentNode, type AgentNode } from './lib/agent-node.js';
import { launchBrowser, openPage, screenshot } from './lib/browser.js';
import { api, startDashboard, until, type Dashboard } from './lib/dashboard.js';

let dash: Dashboard;
let browser: Browser;
let page: Page;
let errors: string[];
const sims: RunningSimulation[] = [];
let agent: AgentNode | null = null;

before(async () => {
  dash = await startDashboard({ store: { nodeDownAfterMs: 4000 } });
  // checkout: 12 nodes, node 3 six times slower, node 5 stops exporting after 6 s, node 8's event loop blocked
  // while it spends 30% of each second collecting garbage (so the finder links the two)
  sims.push(
    runSimulation(
      { nodes: 12, rpsPerNode: 200, routes: 6, service: 'checkout', seed: 1, samplesPerNode: 50, anomalies: [
        { target: 'node', index: 3, kind: 'latency', value: 6 },
        { target: 'node', index: 5, kind: 'down', value: 6 },
        { target: 'node', index: 8, kind: 'eventloop', value: 60 },
        { target: 'node', index: 8, kind: 'gc', value: 0.3 },
      ] },
      { target: dash.otlpUrl },
    ),
  );
  sims.push(runSimulation({ nodes: 4, rpsPerNode: 100, routes: 3, service: 'search', seed: 2, samplesPerNode: 50 }, { target: dash.otlpUrl }));
  agent = await startAgentNode(dash.otlpUrl, 'agent-app');
  browser = await launchBrowser();
  ({ page, errors } = await openPage(browser));
  await until('three services reporting', async () => (await api<Services>(dash.url, 'services')).length === 3, 30_000);
});

after(async () => {
  for (const s of sims) s.stop();
  await agent?.stop();
  await browser?.close();
  await dash?.close();
});

const num = async (page: Page, testId: string) => Number(await page.getByTestId(testId).getAttribute('data-value'));
const lastT = async (page: Page, testId: string) => Number((await page.getByTestId(testId).getAttribute('data-last-t')) ?? 0);

/** |a − b| ≤ rel × max(|a|, |b|): live numbers move between the UI's snapshot and our API call. */
function near(a: number, b: number, rel: number, what: string): void {
  assert.ok(Math.abs(a - b) <= rel * Math.max(Math.abs(a), Math.abs(b)), `${what}: UI ${a} vs API ${b}`);
}

test('overview: shows the numbers the API returns for the same window', async () => {
  await page.goto(`${dash.url}/`);
  await page.getByTestId('kpi-rps-value').filter({ hasText: 'req/s' }).waitFor();
  // 12 checkout (one of which stops after 6 s) + 4 search + 1 real agent
  await until('the fleet in the tiles', async () => (await num(page, 'kpi-nodes')) >= 16);
  // checkout-5 goes silent 6 s in and counts as down 4 s later: wait for that before freezing the page, or the
  // frozen tiles can hold 17 nodes while the API call a moment later already says 16
  await until('checkout-5 down in the API and in the tiles', async () =>
    (await api<Fleet>(dash.url, 'fleet?window=10s')).nodesUp === 16 && (await num(page, 'kpi-nodes')) === 16,
    30_000);
  // the 10 s window fills up after the fleet starts (and a loaded machine sends late): compare once steady
  let prev = 0;
  await until(
    'a steady 10 s window',
    async () => {
      const rps = (await api<Fleet>(dash.url, 'fleet?window=10s')).rps;
      const steady = prev > 0 && Math.abs(rps - prev) <= 0.1 * Math.max(rps, prev);
      prev = rps;
      return steady;
    },
    40_000,
    1000,
  );
  await page.getByTestId('pause-toggle').click();
  await until('paused in the URL', () => page.url().includes('paused=1'));
  const ui = { rps: await num(page, 'kpi-rps'), p50: await num(page, 'kpi-p50'), p99: await num(page, 'kpi-p99'), nodes: await num(page, 'kpi-nodes') };
  const fleet = await api<Fleet>(dash.url, 'fleet?window=10s');
  // The snapshot the page froze and our call are at most ~2 s apart over a steady 10 s window.
  near(ui.rps, fleet.rps, 0.25, 'req/s');
  near(ui.p50, fleet.latency.p50 ?? NaN, 0.25, 'p50');
  near(ui.p99, fleet.latency.p99 ?? NaN, 0.5, 'p99');
  assert.equal(ui.nodes, fleet.nodesUp);
  // The text shown is the readable form of that value.
  assert.match((await page.getByTestId('kpi-p99-value').textContent()) ?? '', /^\d+(\.\d+)? (µs|ms|s)$/);
  await page.getByTestId('pause-toggle').click();
});

test('overview: charts and heatmap move every second, and stop while paused', async () => {
  await page.goto(`${dash.url}/`);
  await until('points in the throughput chart', async () => Number(await page.getByTestId('chart-rps').getAttribute('data-points')) > 3);
  await until('heatmap steps', async () => Number(await page.getByTestId('chart-heatmap').getAttribute('data-steps')) > 3);
  const t0 = await lastT(page, 'chart-rps');
  await until('the throughput chart to advance', async () => (await lastT(page, 'chart-rps')) > t0, 10_000);
  await until('the latency chart to advance', async () => (await lastT(page, 'chart-latency')) > t0, 10_000);
  await page.getByTestId('pause-toggle').click();
  await page.waitForTimeout(500);
  const frozen = await lastT(page, 'chart-rps');
  await page.waitForTimeout(2500);
  assert.equal(await lastT(page, 'chart-rps'), frozen, 'a paused chart does not move');
  assert.equal((await page.getByTestId('connection-status').textContent())?.trim(), 'Paused', 'the header does not say Live while paused');
  await page.getByTestId('pause-toggle').click();
  await until('the chart to move again after resume', async () => (await lastT(page, 'chart-rps')) > frozen, 10_000);
  assert.equal((await page.getByTestId('connection-status').textContent())?.trim(), 'Live');
  await screenshot(page, 'overview');
});

test('the selection lives in the URL: service and range survive a reload', async () => {
  await page.goto(`${dash.url}/`);
  await page.getByTestId('service-select').selectOption('search');
  await until('service in the URL', () => page.url().includes('service=search'));
  await until('only the 4 search nodes', async () => (await num(page, 'kpi-nodes')) === 4);
  await page.reload();
  assert.equal(await page.getByTestId('service-select').inputValue(), 'search');
  await until('4 nodes after reload', async () => (await num(page, 'kpi-nodes')) === 4);
  await page.getByTestId('range-select').selectOption('1h');
  await until('range in the URL', () => page.url().includes('range=1h'));
  await until('no pause for historical ranges', async () => (await page.getByTestId('pause-toggle').count()) === 0);
  const fleet = await api<Fleet>(dash.url, 'fleet?service=search&window=3600s');
  await until('tiles over the hour', async () => (await num(page, 'kpi-nodes')) === fleet.nodesUp);
  near(await num(page, 'kpi-rps'), fleet.rps, 0.25, 'req/s over 1 h');
  // the nav keeps the selection
  await page.getByRole('link', { name: 'Nodes', exact: true }).click();
  await until('nodes page with the same selection', () => /\/nodes\?service=search&range=1h/.test(page.url()));
  await page.getByTestId('nodes-table').waitFor();
  assert.equal(await page.getByTestId('node-row').count(), 4);
});

test('nodes: every node listed, the slow one marked against the median of its service, sortable, filterable', async () => {
  await page.goto(`${dash.url}/nodes`);
  await page.getByTestId('nodes-table').waitFor();
  const nodes = await api<NodeRow[]>(dash.url, 'nodes?window=10s');
  await until('all rows', async () => (await page.getByTestId('node-row').count()) === Math.min(50, nodes.length));
  const slow = page.locator('tr[data-instance="checkout-3"] td[data-col="p99"]');
  await until('checkout-3 p99 marked high', async () => (await slow.getAttribute('data-outlier')) === 'high');
  const others = await page.locator('tr[data-instance^="checkout-"]:not([data-instance="checkout-3"]) td[data-col="p99"][data-outlier]').count();
  assert.equal(others, 0, 'no other checkout node is a p99 outlier');
  // default sort: p99 descending, so the slow node is first
  assert.equal(await page.getByTestId('node-row').first().getAttribute('data-instance'), 'checkout-3');
  await page.getByTestId('sort-instance').click();
  const first = await page.getByTestId('node-row').first().getAttribute('data-instance');
  const sorted = nodes.map((n) => n.instance).sort((a, b) => a.localeCompare(b));
  assert.equal(first, sorted[0]);
  assert.equal(await page.locator('th[aria-sort="ascending"]').count(), 1);
  await page.getByTestId('nodes-filter').fill('search');
  await until('filtered to search', async () => (await page.getByTestId('node-row').count()) === 4);
  await page.getByTestId('nodes-filter').fill('');
  // the real agent's process is there too
  await page.getByTestId('nodes-filter').fill('agent-app');
  await until('the real agent node', async () => (await page.getByTestId('node-row').count()) === 1);
  await page.getByTestId('nodes-filter').fill('');
  await screenshot(page, 'nodes');
});

test('nodes: a node that stops reporting is shown down, in the table and on its page', async () => {
  await page.goto(`${dash.url}/nodes`);
  await page.getByTestId('nodes-state').selectOption('down');
  await until('checkout-5 down', async () => (await page.locator('tr[data-instance="checkout-5"]').count()) === 1, 30_000);
  assert.equal(await page.locator('tr[data-instance="checkout-5"] .badge').textContent(), 'down');
  await page.locator('tr[data-instance="checkout-5"] a').click();
  await page.getByTestId('node-down').waitFor();
  assert.match((await page.getByTestId('node-down').textContent()) ?? '', /Node down/);
  // down, not unknown: its page and charts stay
  await until('its charts', async () => Number(await page.getByTestId('chart-rps').getAttribute('data-points')) > 0);
  assert.equal(await page.getByTestId('node-not-found').count(), 0);
  await page.goto(`${dash.url}/`);
  await until('down count in the tiles', async () => ((await page.getByTestId('kpi-nodes-value').textContent()) ?? '').endsWith('/ 1'));
});

test('node page: an instance the dashboard never heard of says so, with a link back to the nodes', async () => {
  assert.equal((await fetch(`${dash.url}/api/v1/nodes/does-not-exist`)).status, 404);
  await page.goto(`${dash.url}/nodes/does-not-exist?service=search`);
  const missing = page.getByTestId('node-not-found');
  await missing.waitFor();
  assert.equal(await missing.getAttribute('data-instance'), 'does-not-exist');
  assert.match((await missing.textContent()) ?? '', /Node not found.*No node named does-not-exist has reported/);
  // none of the node page's empty panels
  assert.equal(await page.getByTestId('node-page').count(), 0);
  assert.equal(await page.locator('main figure.chart').count(), 0);
  assert.equal(await page.getByTestId('hot-code-empty').count(), 0);
  await missing.getByRole('link', { name: '← All nodes' }).click();
  await until('back on the nodes, with the selection', () => page.url() === `${dash.url}/nodes?service=search`);
  await until('the nodes listed', async () => (await page.getByTestId('node-row').count()) === 4);
});

test('node page: identity and every runtime chart, values as the API gives them', async () => {
  await page.goto(`${dash.url}/nodes/checkout-3`);
  await page.getByTestId('node-page').waitFor();
  for (const id of ['chart-rps', 'chart-latency', 'chart-event-loop', 'chart-elu', 'chart-cpu', 'chart-heap', 'chart-gc', 'chart-rss', 'chart-handles', 'chart-route-latency']) {
    await until(`${id} has points`, async () => Number(await page.getByTestId(id).getAttribute('data-points')) > 0);
  }
  // the accept-queue and CPU-quota charts are there; simulated nodes send no accept-queue gauge and no cgroup
  // counters, so they have no points
  await page.getByTestId('chart-listen-queue').waitFor();
  await page.getByTestId('chart-cpu-throttled').waitFor();
  await page.getByTestId('chart-run-delay').waitFor();
  const [row] = await api<NodeRow[]>(dash.url, 'nodes?instance=checkout-3&window=10s');
  const shown = (await page.getByTestId('node-rps').textContent()) ?? '';
  const value = Number(shown.replace(/[^\d.]/g, ''));
  near(value, row.rps, 0.25, 'node req/s');
  assert.equal(await page.getByTestId('node-state').textContent(), 'up');
  await screenshot(page, 'node');
  // its service's routes, each a link to the route's page (outside audit O: no way from a node to its routes)
  const link = page.getByTestId('node-route-link').first();
  await link.waitFor();
  const name = ((await link.textContent()) ?? '').trim();
  await link.click();
  await page.getByTestId('route-page').waitFor();
  const url = new URL(page.url());
  assert.equal(`${url.searchParams.get('method')} ${url.searchParams.get('route')}`, name);
  assert.equal(url.searchParams.get('service'), row.service);
});

test('findings panel: a consequence is shown under its cause', async () => {
  type Linked = Finding & { id: string; causedBy: string[] };
  await until(
    'the blocked loop on checkout-8 linked to its garbage collection',
    async () => {
      const list = await api<Linked[]>(dash.url, 'findings?instance=checkout-8');
      const gc = list.find((f) => f.kind === 'gc-pressure');
      return list.some((f) => f.kind === 'event-loop-blocked' && gc !== undefined && f.causedBy.includes(gc.id));
    },
    60_000,
  );
  await page.goto(`${dash.url}/nodes/checkout-8`);
  const items = page.getByTestId('findings-panel').getByTestId('finding');
  await until('the GC finding, then the blocked loop under it', async () => {
    const rows = await items.evaluateAll((els) => els.map((e) => ({ text: e.textContent ?? '', consequence: e.getAttribute('data-consequence') })));
    const i = rows.findIndex((r) => /Garbage collection takes/.test(r.text));
    const next = rows[i + 1];
    return (
      i >= 0 &&
      rows[i].consequence === null &&
      next !== undefined &&
      next.consequence === 'true' &&
      /Event loop blocked on node checkout-8/.test(next.text) &&
      /Likely a consequence of garbage collection on checkout-8 \(\d+(\.\d+)?% of wall time\)/.test(next.text) &&
      /consequence of the finding above/.test(next.text)
    );
  }, 20_000);
  await screenshot(page, 'finding-consequence');
});

test('node page: the findings naming the node, each piece of evidence linked to the chart that shows it', async () => {
  await until(
    'the finder to name checkout-8',
    async () => (await api<Finding[]>(dash.url, 'findings?instance=checkout-8')).some((f) => f.kind === 'event-loop-blocked'),
    60_000,
  );
  await page.goto(`${dash.url}/nodes/checkout-8`);
  const panel = page.getByTestId('findings-panel');
  await until('the finding on the node page', async () => (await panel.getByTestId('finding').filter({ hasText: /event loop/i }).count()) > 0, 20_000);
  // the evidence of this node links within the page, to its event-loop delay chart
  const link = panel.locator('a[data-testid="finding-evidence-link"][href="#chart-event-loop"]').first();
  await link.waitFor();
  await link.click();
  // in a grid of charts the eye is led to it: the chart is ringed for a moment (lib/hooks.ts useScrollToHash)
  await until('the event-loop chart highlighted', () => page.evaluate(() => document.getElementById('chart-event-loop')?.classList.contains('target-flash')), 2_000, 50);
  await until('the hash in the URL', () => page.url().endsWith('#chart-event-loop'));
  await until('the event-loop chart scrolled into view', () =>
    page.evaluate(() => {
      const r = document.getElementById('chart-event-loop')?.getBoundingClientRect();
      return r !== undefined && r.top >= 0 && r.top < window.innerHeight / 2 && window.scrollY > 0;
    }),
  );
  assert.equal(await page.locator('#chart-event-loop:target').count(), 1, 'the chart is the target');
  await screenshot(page, 'node-finding');
  // a healthy node shows none of it
  await page.goto(`${dash.url}/nodes/checkout-1`);
  await page.getByTestId('findings-panel').waitFor();
  const named = await api<Finding[]>(dash.url, 'findings?instance=checkout-1');
  if (named.length === 0) await page.getByTestId('findings-empty').waitFor();
  // from the overview, the node's evidence opens the node page at that chart
  await page.goto(`${dash.url}/`);
  const remote = page.getByTestId('findings-panel').locator('a[data-testid="finding-evidence-link"][href*="/nodes/checkout-8"][href$="#chart-event-loop"]').first();
  await remote.waitFor();
  await remote.click();
  await page.getByTestId('node-page').waitFor();
  // a client-side navigation does not set `:target`: the chart is highlighted all the same
  await until('the event-loop chart highlighted after the jump from the overview', () => page.evaluate(() => document.getElementById('chart-event-loop')?.classList.contains('target-flash')), 2_000, 50);
  assert.equal(await page.getByTestId('node-page').getAttribute('data-instance'), 'checkout-8');
  await until('landed on the event-loop chart', () =>
    page.evaluate(() => {
      const r = document.getElementById('chart-event-loop')?.getBoundingClientRect();
      return r !== undefined && r.top >= 0 && r.top < window.innerHeight / 2;
    }),
  );
});

test('node page: the hot code of a blocked node (its last CPU profile), and why a healthy node has none', async () => {
  // the simulator sends checkout-8's profile (its loop is blocked) at its first export and every 30 s after
  await until('a CPU profile of checkout-8 in the API', async () => (await api<CpuProfile[]>(dash.url, 'profiles?instance=checkout-8')).length > 0, 40_000);
  await page.goto(`${dash.url}/nodes/checkout-8`);
  const panel = page.getByTestId('hot-code');
  const rows = panel.getByTestId('hot-code-row');
  await until('the profile in the panel', async () => (await rows.count()) >= 3, 20_000);
  // worst first: the simulated blocking function on top, where it is (full path in the title) and its caller
  const top = rows.first();
  assert.equal(await top.getAttribute('data-function'), 'renderInvoice');
  const text = (await top.textContent()) ?? '';
  assert.match(text, /\d+(\.\d+)? %/);
  assert.match(text, /…\/src\/billing\/invoice\.js:88/);
  assert.match(text, /handleInvoice/);
  assert.equal(await top.locator('[title="/srv/app/src/billing/invoice.js:88:17"]').count(), 1);
  assert.match((await panel.getByTestId('hot-code-meta').textContent()) ?? '', /taken (now|.*ago).*, 3 s long, [\d,]+ samples, busy \d+/);
  // idle time is set apart at the bottom, not counted as code
  assert.equal(await panel.locator('[data-testid="hot-code-row"][data-function="(idle)"]').count(), 0);
  assert.equal(await panel.locator('[data-testid="hot-code-rest"][data-function="(idle)"]').count(), 1);
  await panel.scrollIntoViewIfNeeded();
  await screenshot(page, 'node-hot-code');
  // the blocked-loop finding carries the same profile: its top code under the summary
  await until(
    'the blocked loop on checkout-8 with its hot code',
    async () => (await api<(Finding & { hotCode?: CpuProfile })[]>(dash.url, 'findings?instance=checkout-8')).some((f) => f.kind === 'event-loop-blocked' && f.hotCode !== undefined),
    60_000,
  );
  const hot = page.getByTestId('findings-panel').getByTestId('finding').filter({ hasText: /Event loop blocked/ }).getByTestId('finding-hot-code');
  await until('the hot code under the finding', async () => (await hot.count()) === 1, 20_000);
  const block = (await hot.textContent()) ?? '';
  assert.match(block, /CPU profile of checkout-8 \(3 s, (now|\d+ s ago|\d+ min ago)\)/);
  assert.match(block, /renderInvoice.*invoice\.js:88.*← handleInvoice/);
  assert.ok((await hot.getByTestId('finding-hot-code-function').count()) <= 3);
  // a healthy node: no profile, and the panel says when one is taken
  await page.goto(`${dash.url}/nodes/checkout-1`);
  await page.getByTestId('hot-code-empty').waitFor();
  assert.match((await page.getByTestId('hot-code-empty').textContent()) ?? '', /^No CPU profile yet\. The agent takes one when this node's event loop is busy \(≥ 70% utilised\) or stalls for 50 ms or more\.$/);
  assert.equal(await page.getByTestId('hot-code-row').count(), 0);
  assert.deepEqual(await api<CpuProfile[]>(dash.url, 'profiles?instance=checkout-1'), []);
});

test('routes: every route with its share of time; a route page with latency and slowest nodes', async () => {
  await page.goto(`${dash.url}/routes?service=checkout`);
  await page.getByTestId('routes-table').waitFor();
  const routes = await api<RouteRow[]>(dash.url, 'routes?service=checkout&window=10s');
  await until('every route', async () => (await page.getByTestId('route-row').count()) === routes.length);
  // sorted by time share: the first row is the API's top route by time share
  const top = [...routes].sort((a, b) => b.timeShare - a.timeShare)[0];
  assert.equal(await page.getByTestId('route-row').first().getAttribute('data-route'), `${top.method} ${top.route}`);
  await screenshot(page, 'routes');
  await page.getByTestId('route-row').first().locator('a').click();
  await page.getByTestId('route-page').waitFor();
  assert.ok(page.url().includes('route='), page.url());
  await until('route latency chart', async () => Number(await page.getByTestId('chart-latency').getAttribute('data-points')) > 0);
  await until('slowest nodes', async () => (await page.getByTestId('slow-node').count()) > 0);
  assert.equal(await page.getByTestId('slow-node').first().locator('a').textContent(), 'checkout-3');
  const p99 = (await page.getByTestId('route-p99').textContent()) ?? '';
  assert.match(p99, /\d (µs|ms|s)$/);
  await screenshot(page, 'route');
});

test('route page without service=: two services serve the route, every panel shows the busiest, the other is a link', async () => {
  // checkout (12 nodes × 200 req/s) and search (4 × 100) both serve GET /api/r0/:id
  const asked: string[] = [];
  const onRequest = (r: Request) => {
    const u = new URL(r.url());
    if (/^\/api\/v1\/(series|heatmap|findings)$/.test(u.pathname)) asked.push(`${u.pathname}?${u.searchParams.toString()}`);
  };
  page.on('request', onRequest);
  try {
    const route = '/api/r0/:id';
    await page.goto(`${dash.url}/routes/detail?method=GET&route=${encodeURIComponent(route)}`);
    const line = page.getByTestId('route-service');
    await line.waitFor();
    assert.equal(await line.getAttribute('data-service'), 'checkout');
    assert.match((await line.textContent()) ?? '', /Service checkout \(the busiest of the 2 services serving this route\) · also served by search/);
    await until('route charts', async () => Number(await page.getByTestId('chart-rps').getAttribute('data-points')) > 0);
    await until('route heatmap', async () => Number(await page.getByTestId('chart-heatmap').getAttribute('data-steps')) > 0);
    await until('slowest nodes', async () => (await page.getByTestId('slow-node').count()) > 0);
    assert.equal(await page.locator('#slowest-title').textContent(), 'Slowest nodes of checkout');
    assert.equal(await page.getByTestId('slow-node').first().locator('a').textContent(), 'checkout-3');
    // the tiles are checkout's row of the route
    const rows = await api<RouteRow[]>(dash.url, 'routes?service=checkout&window=10s');
    const checkout = rows.find((r) => r.method === 'GET' && r.route === route);
    assert.ok(checkout);
    const search = (await api<RouteRow[]>(dash.url, 'routes?service=search&window=10s')).find((r) => r.method === 'GET' && r.route === route);
    assert.ok(search && search.rps < checkout.rps / 2, 'checkout is the busier one');
    // every chart, the heatmap and the findings asked for checkout's route alone (none summed both services)
    const kinds = new Set(asked.map((a) => a.split('?')[0]));
    for (const k of ['/api/v1/series', '/api/v1/heatmap', '/api/v1/findings']) assert.ok(kinds.has(k), `${k} asked: ${asked.join(' ')}`);
    const mixed = asked.filter((a) => new URLSearchParams(a.split('?')[1]).get('service') !== 'checkout');
    assert.deepEqual(mixed, []);
    await screenshot(page, 'route-two-services');

    // the other service's same route, one click away
    await line.locator('a[data-testid="route-other-service"][data-service="search"]').click();
    await until('search in the URL', () => page.url().includes('service=search'));
    await until('the page shows search', async () => (await page.getByTestId('route-service').getAttribute('data-service')) === 'search');
    await until('slowest nodes of search', async () => (await page.locator('#slowest-title').textContent()) === 'Slowest nodes of search');
    await until('its charts', async () => Number(await page.getByTestId('chart-rps').getAttribute('data-points')) > 0);
    assert.match((await page.getByTestId('route-service').textContent()) ?? '', /Service search · also served by checkout/);
    await until('search nodes listed', async () => ((await page.getByTestId('slow-node').first().locator('a').textContent()) ?? '').startsWith('search-'));
    // the live updates from here on (a tick may have left just before the click)
    asked.length = 0;
    await until('live updates asked', () => asked.some((a) => a.startsWith('/api/v1/series')) && asked.some((a) => a.startsWith('/api/v1/heatmap')), 10_000);
    const stray = asked.filter((a) => new URLSearchParams(a.split('?')[1]).get('service') !== 'search');
    assert.deepEqual(stray, []);
  } finally {
    page.off('request', onRequest);
  }
});

test('dark theme: follows the system, and the toggle overrides it', async () => {
  const dark = await openPage(browser, { colorScheme: 'dark' });
  await dark.page.goto(`${dash.url}/`);
  await dark.page.getByTestId('kpi-rps-value').filter({ hasText: 'req/s' }).waitFor();
  const bg = () => dark.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  assert.equal(await bg(), 'rgb(15, 18, 22)');
  await screenshot(dark.page, 'overview-dark');
  await dark.page.getByTestId('theme-toggle').click(); // system → light
  assert.equal(await dark.page.evaluate(() => document.documentElement.dataset.theme), 'light');
  assert.equal(await bg(), 'rgb(246, 247, 249)');
  await dark.page.reload();
  assert.equal(await bg(), 'rgb(246, 247, 249)', 'the choice survives a reload');
  assert.deepEqual(dark.errors, []);
  await dark.context.close();
});

test('keyboard: controls are reachable with Tab and labelled', async () => {
  await page.goto(`${dash.url}/`);
  const labels: string[] = [];
  for (let i = 0; i < 12; i++) {
    await page.keyboard.press('Tab');
    labels.push(await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      return el ? el.getAttribute('aria-label') ?? el.textContent ?? el.tagName : '';
    }));
  }
  for (const want of ['Service', 'Time range']) assert.ok(labels.includes(want), `${want} reachable: ${labels.join(' | ')}`);
  assert.ok(labels.some((l) => l.startsWith('Theme')), 'theme toggle reachable');
  // every chart is labelled for assistive technology
  for (const fig of await page.locator('figure.chart').all()) assert.ok(await fig.getAttribute('aria-label'));
});

test('no errors in the page console', () => {
  assert.deepEqual(errors, []);
});
