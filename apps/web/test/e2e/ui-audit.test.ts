// Findings of the outside UI audit, pinned in Chromium against the real server: readouts that go stale when data
// stops, relative times that keep ageing while the connection is lost, unknown services and routes, the nodes
// filter with no match, a node without a CPU quota.
import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { runSimulation } from '../../simulator/run.js';
import { launchBrowser, openPage, screenshot } from './lib/browser.js';
import { startDashboard, until } from './lib/dashboard.js';

let browser: Browser;
let cleanup: (() => Promise<unknown> | unknown)[] = [];

before(async () => {
  browser = await launchBrowser();
});

afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

after(async () => {
  await browser?.close();
});

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
  cleanup.push(() => dash.close());
  const sim = runSimulation({ nodes: 2, rpsPerNode: 20, routes: 2, service: 'ageing', seed: 7, samplesPerNode: 10 }, { target: dash.otlpUrl });
  cleanup.push(() => sim.stop());
  const { page, context, errors } = await openPage(browser);
  cleanup.push(() => context.close());
  await page.goto(`${dash.url}/nodes`);
  const row = page.getByTestId('node-row').first();
  await row.waitFor({ timeout: 20_000 });
  const instance = (await row.getAttribute('data-instance'))!;
  const cell = row.getByTestId('node-last-seen');
  await until('last seen now', async () => agoSeconds((await cell.textContent()) ?? '') <= 2);

  const node = await browser.newPage();
  cleanup.push(() => node.close());
  await node.goto(`${dash.url}/nodes/${encodeURIComponent(instance)}`);
  const info = node.getByTestId('node-last-seen');
  await until('last seen now on the node page', async () => agoSeconds((await info.textContent()) ?? '') <= 2);

  if (how === 'stopped') await dash.stop();
  else {
    // a hung server: sockets stay open, nothing answers (the stream's watchdog calls it lost)
    dash.child!.kill('SIGSTOP');
    cleanup.push(() => dash.child?.kill('SIGCONT'));
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
