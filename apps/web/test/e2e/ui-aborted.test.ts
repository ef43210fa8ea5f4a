// A hung route in the UI: a real agent process whose /hang route never answers, clients that give up on it. The
// routes table lists it with its Aborted count (sortable to the top), its page says how many, with a chart of them, and
// the error tile counts them, and so does the node's page. Real server, real Chromium, no console errors.
// Requests held unanswered (their clients wait) show on the node page and the throughput tile as requests in flight.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NodeRow, RouteRow } from '../../server/api/types.js';
import { startAgentApp } from './lib/agent-node.js';
import { HANGING_APP, abandon, getPath, hold } from './lib/hanging-app.js';
import { browserPerFile, openPage, screenshot } from './lib/browser.js';
import { api, startDashboard, until } from './lib/dashboard.js';

const e2e = browserPerFile();

/** A dashboard and a real agent process serving HANGING_APP as `service`, after 3 answered requests; closed after the test. */
async function hangingApp(service: string) {
  const dash = await startDashboard();
  e2e.defer(() => dash.close());
  const node = await startAgentApp(dash.otlpUrl, service, HANGING_APP);
  e2e.defer(() => node.stop());
  for (let i = 0; i < 3; i++) await getPath(node.port, '/ok');
  return { dash, node };
}

test('the routes table and the route page show the requests clients aborted on a hung route', async () => {
  const { dash, node } = await hangingApp('hung-app');
  const N = 4;
  await Promise.all(Array.from({ length: N }, () => abandon(node.port, '/hang', 150)));
  await until('the aborted requests in the API', async () => (await api<RouteRow[]>(dash.url, 'routes?window=5m')).find((r) => r.route === '/hang')?.aborted === N);

  const { page, context, errors } = await openPage(e2e.browser);
  e2e.defer(() => context.close());
  await page.goto(`${dash.url}/routes?range=1h`);
  const hung = page.locator('[data-testid="route-row"][data-route="GET /hang"]');
  await hung.waitFor();
  await until('its Aborted cell', async () => (await hung.getByTestId('route-aborted').textContent())?.trim() === String(N));
  // the column sorts the hung route to the top
  await page.getByTestId('sort-aborted').click();
  await until('hung route first', async () => (await page.getByTestId('route-row').first().getAttribute('data-route')) === 'GET /hang');
  await screenshot(page, 'routes-aborted');

  await hung.locator('a').click();
  await page.getByTestId('route-page').waitFor();
  await until('the route page counts them', async () => (await page.getByTestId('route-aborted').textContent())?.trim() === String(N));
  await page.getByTestId('chart-aborted').waitFor();
  await screenshot(page, 'route-aborted');

  await page.goto(`${dash.url}/?range=1h`);
  await page.getByTestId('overview').waitFor();
  await until('the error tile says so', async () => ((await page.getByTestId('overview').textContent()) ?? '').includes(`${N} aborted requests`));

  const [hungNode] = await api<NodeRow[]>(dash.url, 'nodes?window=5m');
  await page.goto(`${dash.url}/nodes/${encodeURIComponent(hungNode.instance)}?range=1h`);
  await page.getByTestId('node-page').waitFor();
  await until("the node's page counts them", async () => (await page.getByTestId('node-aborted').textContent())?.trim() === String(N));
  assert.deepEqual(errors, []);
});

test('requests held unanswered show on the node page (In flight tile, by route, and chart) and on the throughput tile', async () => {
  const { dash, node } = await hangingApp('held-app');
  // (from 10 in flight the agent names their routes)
  const N = 12;
  const held = Array.from({ length: N }, () => hold(node.port, '/hang'));
  e2e.defer(() => held.forEach((r) => r.destroy()));
  await until('the requests in flight in the API', async () => (await api<NodeRow[]>(dash.url, 'nodes?window=5m'))[0]?.inFlight === N);

  const { page, context, errors } = await openPage(e2e.browser);
  e2e.defer(() => context.close());
  await page.goto(`${dash.url}/?range=15m`);
  await page.getByTestId('overview').waitFor();
  await until('the throughput tile says so', async () => ((await page.getByTestId('overview').textContent()) ?? '').includes(`; ${N} in flight`));
  const [heldNode] = await api<NodeRow[]>(dash.url, 'nodes?window=5m');
  await page.goto(`${dash.url}/nodes/${encodeURIComponent(heldNode.instance)}?range=15m`);
  await page.getByTestId('node-page').waitFor();
  await until("the node's page counts them", async () => (await page.getByTestId('node-in-flight').textContent())?.trim() === String(N));
  await until('and names their route', async () => (await page.getByTestId('node-in-flight-routes').textContent())?.trim() === `GET /hang: ${N}`);
  await page.getByTestId('chart-in-flight').waitFor();
  await screenshot(page, 'node-in-flight');
  assert.deepEqual(errors, []);
});
