// The states users hit: no agent yet, the server restarting under an open page, cardinality folding, and a
// dashboard protected by PERF_API_TOKEN. Real server, real Chromium, a real agent process.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Services, Status } from '../../server/api/types.js';
import { runSimulation } from '../../simulator/run.js';
import { startAgentNode, type AgentNode } from './lib/agent-node.js';
import { browserPerFile, openPage, screenshot } from './lib/browser.js';
import { api, startDashboard, until } from './lib/dashboard.js';
import { freePort } from '../server/lib/server.js';
import { parseTiers } from '../../server/store/config.js';

const e2e = browserPerFile();

test('no agent yet: the page says how to connect, then turns into the overview when one reports', async () => {
  // the receiver on an ephemeral port (not 4318): the help must show the one it listens on
  const dash = await startDashboard();
  e2e.defer(() => dash.close());
  const otlpPort = new URL(dash.otlpUrl).port;
  assert.notEqual(otlpPort, '4318');
  assert.equal((await api<Status>(dash.url, 'status')).otlp.port, Number(otlpPort));
  const { page, context, errors } = await openPage(e2e.browser);
  e2e.defer(() => context.close());
  // the nodes and routes pages say how to connect too, instead of an empty table
  for (const [path, testId] of [['/nodes', 'nodes-page'], ['/routes', 'routes-page']]) {
    await page.goto(`${dash.url}${path}`);
    await page.getByTestId(testId).getByTestId('no-agent').waitFor();
    assert.equal(await page.getByTestId(/^(nodes|routes)-table$/).count(), 0, `${path}: no empty table`);
    assert.doesNotMatch((await page.getByTestId(testId).textContent()) ?? '', /0 of 0/);
  }
  await page.goto(`${dash.url}/`);
  const help = page.getByTestId('no-agent');
  await help.waitFor();
  await until('the receiver port in the help', async () => (await help.getAttribute('data-otlp-port')) === otlpPort);
  const text = (await help.textContent()) ?? '';
  assert.match(text, /import '@perf\/agent'/);
  assert.match(text, /OTEL_SERVICE_NAME=/);
  assert.ok(text.includes(`OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:${otlpPort}`), text);
  assert.doesNotMatch(text, /4318/);
  // the tab icon: linked from the page and served, and /favicon.ico (asked for by browsers that do not read
  // the page) answers too; openPage records any 404 the page met in `errors`, asserted empty below
  const icon = await page.locator('link[rel~="icon"]').first().getAttribute('href');
  assert.ok(icon, 'the page links an icon');
  for (const href of [icon, '/favicon.ico']) {
    const res = await fetch(new URL(href, dash.url));
    assert.equal(res.status, 200, href);
    assert.match(res.headers.get('content-type') ?? '', /^image\//, href);
  }
  await screenshot(page, 'empty');

  const agent: AgentNode = await startAgentNode(dash.otlpUrl, 'first-app');
  e2e.defer(() => agent.stop());
  // no reload: the live stream brings the first node in
  await page.getByTestId('overview').waitFor({ timeout: 20_000 });
  await until('the node in the tiles', async () => (await page.getByTestId('kpi-nodes').getAttribute('data-value')) === '1');

  // --- the server goes away under the open page, then comes back on the same port
  await dash.stop();
  await page.getByTestId('connection-lost').waitFor({ timeout: 15_000 });
  assert.equal(await page.getByTestId('connection-status').getAttribute('data-status'), 'lost');
  await screenshot(page, 'connection-lost');
  await dash.start();
  await page.getByTestId('connection-lost').waitFor({ state: 'detached', timeout: 20_000 });
  assert.equal(await page.getByTestId('connection-status').getAttribute('data-status'), 'open');
  // live again: the agent re-exports to the restarted receiver and the charts move on
  const t0 = Date.now() - 1000;
  await until('the throughput chart to move after the restart', async () => Number(await page.getByTestId('chart-rps').getAttribute('data-last-t')) > t0, 20_000);
  await until('the node back in the tiles', async () => (await page.getByTestId('kpi-nodes').getAttribute('data-value')) === '1', 20_000);
  assert.deepEqual(errors, []);
});

test('cardinality folding: a banner with the counts the API reports', async () => {
  const dash = await startDashboard({ store: { maxSeriesPerService: 8 } });
  e2e.defer(() => dash.close());
  const sim = runSimulation({ nodes: 3, rpsPerNode: 50, routes: 30, service: 'wide', seed: 3, samplesPerNode: 20 }, { target: dash.otlpUrl });
  e2e.defer(() => sim.stop());
  const services = await until('folding', async () => {
    const s = await api<Services>(dash.url, 'services');
    return s.find((x) => x.foldedSeries > 0) ? s : null;
  });
  const { page, context } = await openPage(e2e.browser);
  e2e.defer(() => context.close());
  await page.goto(`${dash.url}/routes`);
  const banner = page.getByTestId('folding-banner');
  await banner.waitFor();
  const text = (await banner.textContent()) ?? '';
  const wide = services.find((s) => s.name === 'wide');
  assert.ok(wide);
  assert.match(text, /wide/);
  assert.match(text, new RegExp(`of ${wide.seriesCap} series`));
  assert.match(text, /folded/);
  await screenshot(page, 'folding');
});

test('PERF_API_TOKEN: login page, wrong token refused, the right one kept in an http-only cookie, sign out', async () => {
  const token = 'test-token-7f3a';
  const dash = await startDashboard({ apiToken: token });
  e2e.defer(() => dash.close());
  const { page, context, errors } = await openPage(e2e.browser);
  e2e.defer(() => context.close());
  await page.goto(`${dash.url}/nodes?range=1h`);
  await page.getByTestId('login-page').waitFor();
  assert.ok(page.url().includes('/login?next='), page.url());
  // the tab icon is served before signing in (not redirected to the login page)
  for (const path of ['/icon.svg', '/favicon.ico']) {
    const res = await fetch(`${dash.url}${path}`, { redirect: 'manual' });
    assert.deepEqual([res.status, res.headers.get('content-type')?.startsWith('image/')], [200, true], path);
  }
  await screenshot(page, 'login');
  await page.getByTestId('login-token').fill('wrong');
  await page.getByTestId('login-submit').click();
  await page.getByTestId('login-error').waitFor();
  assert.match((await page.getByTestId('login-error').textContent()) ?? '', /not valid/);
  await page.getByTestId('login-token').fill(token);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('nodes-page').waitFor();
  assert.ok(page.url().endsWith('/nodes?range=1h'), `back where the user was: ${page.url()}`);
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === 'perf_token');
  assert.ok(session?.httpOnly, 'the token cookie is http-only');
  assert.equal(await page.evaluate(() => document.cookie.includes('perf_token')), false);
  await until('the stream connects with the cookie', async () => (await page.getByTestId('connection-status').getAttribute('data-status')) === 'open');
  // Sign out: the cookie is cleared by the server and the dashboard asks for the token again
  await page.getByTestId('sign-out').click();
  await page.getByTestId('login-page').waitFor();
  assert.equal((await context.cookies()).find((c) => c.name === 'perf_token'), undefined, 'the session cookie is gone');
  await page.goto(`${dash.url}/nodes`);
  await page.getByTestId('login-page').waitFor();
  assert.equal((await fetch(`${dash.url}/api/v1/status`)).status, 401);
  await page.getByTestId('login-token').fill(token);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('nodes-page').waitFor();
  await context.clearCookies();
  // an API answer of 401 (cookie gone while the page is open) sends the page back to the login
  await page.getByTestId('login-page').waitFor();
  // and so does loading a page without it
  await page.goto(`${dash.url}/routes`);
  await page.getByTestId('login-page').waitFor();
  // `next` cannot send the user off-site
  await page.goto(`${dash.url}/login?next=https://example.com/`);
  await page.getByTestId('login-token').fill(token);
  await page.getByTestId('login-submit').click();
  await until('landed on the dashboard, not off-site', () => page.url() === `${dash.url}/`);
  assert.deepEqual(errors, []);
});

test('a node that stops gracefully is "stopped", not "down", in the table and on its page', async () => {
  const dash = await startDashboard();
  e2e.defer(() => dash.close());
  const agent = await startAgentNode(dash.otlpUrl, 'deploying');
  e2e.defer(() => agent.stop());
  const { page, context, errors } = await openPage(e2e.browser);
  e2e.defer(() => context.close());
  await page.goto(`${dash.url}/nodes`);
  const row = page.getByTestId('node-row').first();
  await row.waitFor({ timeout: 20_000 });
  await until('the node up', async () => ((await row.locator('.badge').textContent()) ?? '') === 'up');
  agent.child.kill('SIGTERM');
  await until('the node stopped', async () => ((await row.locator('.badge').textContent()) ?? '') === 'stopped', 10_000);
  const instance = await row.getAttribute('data-instance');
  await page.goto(`${dash.url}/nodes/${encodeURIComponent(instance!)}`);
  await page.getByTestId('node-stopped').waitFor();
  assert.equal(await page.getByTestId('node-state').textContent(), 'stopped');
  assert.equal(await page.getByTestId('node-down').count(), 0, 'not called down');
  await screenshot(page, 'node-stopped');
  assert.deepEqual(errors, []);
});

// outside UI audit: with one node of four killed, the overview's findings panel said only "No bottleneck found."
test('a node killed without a word is said first in the findings panel; one that stopped gracefully is not', async () => {
  const dash = await startDashboard({ store: { nodeDownAfterMs: 3000 } });
  e2e.defer(() => dash.close());
  const killed = await startAgentNode(dash.otlpUrl, 'crashy', { OTEL_RESOURCE_ATTRIBUTES: 'service.instance.id=crashy-1' });
  e2e.defer(() => killed.stop());
  const stopped = await startAgentNode(dash.otlpUrl, 'crashy', { OTEL_RESOURCE_ATTRIBUTES: 'service.instance.id=crashy-2' });
  e2e.defer(() => stopped.stop());
  const live = await startAgentNode(dash.otlpUrl, 'crashy', { OTEL_RESOURCE_ATTRIBUTES: 'service.instance.id=crashy-3' });
  e2e.defer(() => live.stop());
  const { page, context, errors } = await openPage(e2e.browser);
  e2e.defer(() => context.close());
  await page.goto(`${dash.url}/`);
  await until('three nodes up', async () => (await api<{ nodes: number }>(dash.url, 'fleet')).nodes === 3, 20_000);
  // the panel loaded (no finding, or some: a crowded machine may have its own)
  await page.getByTestId('findings-empty').or(page.getByTestId('finding').first()).waitFor();
  assert.equal(await page.getByTestId('findings-down').count(), 0);
  killed.child.kill('SIGKILL');
  stopped.child.kill('SIGTERM');
  const down = page.getByTestId('findings-down');
  await down.waitFor({ timeout: 15_000 });
  const text = (await down.textContent()) ?? '';
  assert.match(text, /^down 1 node stopped reporting without saying it stops \(crashed, killed, or cut off from the dashboard\): crashy-1 \(last heard \d+ s ago\)\./);
  assert.doesNotMatch(text, /crashy-2|crashy-3/);
  assert.equal(await down.getByRole('link', { name: 'crashy-1' }).getAttribute('href'), '/nodes/crashy-1');
  if ((await page.getByTestId('findings-empty').count()) > 0) assert.equal(await page.getByTestId('findings-empty').textContent(), 'No bottleneck found on the nodes that report.');
  await screenshot(page, 'findings-node-down');
  assert.deepEqual(errors, []);
});

test('a Prometheus store that cannot be read: a banner on every page says so, with the error', async () => {
  const dead = `http://127.0.0.1:${await freePort()}`;
  const dash = await startDashboard({ prometheusUrl: dead });
  e2e.defer(() => dash.close());
  const { page, context } = await openPage(e2e.browser);
  e2e.defer(() => context.close());
  for (const path of ['/', '/nodes']) {
    await page.goto(`${dash.url}${path}`);
    const banner = page.getByTestId('source-banner');
    await banner.waitFor({ timeout: 15_000 });
    const text = (await banner.textContent()) ?? '';
    assert.ok(text.includes(`Prometheus at ${dead} cannot be read`), text);
    assert.match(text, /ECONNREFUSED/);
  }
  await screenshot(page, 'source-down');
});

test('the nodes table keeps its filter, state, sort and page in the URL: Back from a node, or a reload, shows the same table', async () => {
  const dash = await startDashboard();
  e2e.defer(() => dash.close());
  const sim = runSimulation({ nodes: 6, rpsPerNode: 20, routes: 3, service: 'keep', seed: 5, samplesPerNode: 10 }, { target: dash.otlpUrl });
  e2e.defer(() => sim.stop());
  const { page, context, errors } = await openPage(e2e.browser);
  e2e.defer(() => context.close());
  await page.goto(`${dash.url}/nodes`);
  await until('six nodes', async () => (await page.getByTestId('node-row').count()) === 6, 20_000);
  // filter by one node's name: the instances are the simulator's
  const name = (await page.getByTestId('node-row').nth(2).getAttribute('data-instance'))!;
  await page.getByTestId('nodes-filter').fill(name);
  await page.getByTestId('nodes-state').selectOption('up');
  await until('the URL', async () => new URL(page.url()).searchParams.get('q') === name && new URL(page.url()).searchParams.get('state') === 'up');
  await until('the filtered table', async () => (await page.getByTestId('node-row').count()) === 1);
  const first = page.getByTestId('node-row').first();
  const instance = await first.getAttribute('data-instance');
  await first.locator('a').first().click();
  await page.getByTestId('node-page').waitFor();
  await page.goBack();
  await page.getByTestId('nodes-table').waitFor();
  await until('the filter restored', async () => (await page.getByTestId('nodes-filter').inputValue()) === name);
  assert.equal(await page.getByTestId('nodes-state').inputValue(), 'up');
  assert.ok((await page.getByTestId('node-row').count()) >= 1);
  assert.equal(await page.getByTestId('node-row').first().getAttribute('data-instance'), instance);
  await page.reload();
  await until('restored after a reload', async () => (await page.getByTestId('nodes-filter').inputValue()) === name);
  assert.deepEqual(errors, []);
});

// outside audit AB7: with PERF_TIERS keeping a day (the README's own example for many routes), "Last 7 d" answered 400
// on every request of the page
test('ranges longer than the data is kept are not offered; a link to one opens the longest that fits', async () => {
  const dash = await startDashboard({ store: { tiers: parseTiers('1s:15m,10s:6h,1m:1d') } });
  e2e.defer(() => dash.close());
  const sim = runSimulation({ nodes: 2, rpsPerNode: 50, routes: 3, service: 'short', seed: 5, samplesPerNode: 20 }, { target: dash.otlpUrl });
  e2e.defer(() => sim.stop());
  await until('data', async () => (await api<Services>(dash.url, 'services')).length > 0);
  const { page, context, errors } = await openPage(e2e.browser);
  e2e.defer(() => context.close());
  const refused: string[] = [];
  page.on('response', (r) => {
    if (r.status() === 400 && new URL(r.url()).pathname.startsWith('/api/')) refused.push(r.url());
  });
  await page.goto(`${dash.url}/?range=7d`);
  const select = page.getByTestId('range-select');
  await until('the longest range that fits', async () => (await select.inputValue()) === '24h');
  assert.equal(await select.locator('option[value="7d"]').isDisabled(), true, '7 d not offered');
  assert.equal(await select.locator('option[value="24h"]').isDisabled(), false);
  await until('tiles over the day', async () => Number(await page.getByTestId('kpi-nodes').getAttribute('data-value')) === 2);
  // and the other pages, which read the same view
  await page.getByRole('link', { name: 'Routes', exact: true }).click();
  await page.getByTestId('routes-table').waitFor();
  assert.deepEqual(refused, [], 'no request for more than the data kept');
  assert.deepEqual(errors, []);
});
