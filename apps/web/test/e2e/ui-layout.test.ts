// Layout at a common laptop width (1400 px): wide tables stay inside their card (they scroll there, or
// their long cells wrap) instead of running past its right edge or being cut off. Long instance names
// (a long service name) and an alert with a delivery make the tables wide, as in real fleets.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { Services } from '../../server/api/types.js';
import { runSimulation, type RunningSimulation } from '../../simulator/run.js';
import { launchBrowser, openPage, screenshot } from './lib/browser.js';
import { api, startDashboard, until, type Dashboard } from './lib/dashboard.js';

const SERVICE = 'checkout-payments-eu-west-1-canary';

let dash: Dashboard;
let sim: RunningSimulation;
let hook: Server;
let browser: Browser;
let page: Page;
let errors: string[];

before(async () => {
  dash = await startDashboard({ dataDir: null });
  sim = runSimulation({ nodes: 3, rpsPerNode: 50, routes: 2, service: SERVICE, seed: 4, samplesPerNode: 20 }, { target: dash.otlpUrl });
  hook = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
  browser = await launchBrowser();
  ({ page, errors } = await openPage(browser, { viewport: { width: 1400, height: 900 } }));
  await until('the service reporting', async () => (await api<Services>(dash.url, 'services')).some((s) => s.nodesUp === 3), 30_000);
});

after(async () => {
  sim?.stop();
  await browser?.close();
  await new Promise((resolve) => hook?.close(resolve));
  await dash?.close();
});

interface Overflow {
  what: string;
  detail: string;
}

/**
 * Tables whose visible part runs past the right edge of their card, cards past the page's content box, and
 * a page wider than the window. A table may be wider than its card only inside a scrolling `.table-wrap`.
 */
async function overflows(page: Page): Promise<Overflow[]> {
  return page.evaluate(() => {
    const out: { what: string; detail: string }[] = [];
    const main = document.querySelector('main') as HTMLElement;
    const mainRight = main.getBoundingClientRect().right - parseFloat(getComputedStyle(main).paddingRight);
    for (const table of Array.from(document.querySelectorAll('main table')) as HTMLElement[]) {
      const name = table.dataset.testid ?? table.closest('[data-testid]')?.getAttribute('data-testid') ?? 'table';
      const card = (table.parentElement?.closest('.panel, section') ?? main) as HTMLElement;
      const cardRight = card.getBoundingClientRect().right - parseFloat(getComputedStyle(card).paddingRight);
      const wrap = table.closest('.table-wrap') as HTMLElement | null;
      const scrolls = wrap !== null && ['auto', 'scroll'].includes(getComputedStyle(wrap).overflowX);
      const shownRight = scrolls ? wrap.getBoundingClientRect().right : table.getBoundingClientRect().right;
      if (shownRight > cardRight + 1) out.push({ what: name, detail: `right edge ${shownRight.toFixed(0)} past its card's ${cardRight.toFixed(0)}` });
    }
    for (const card of Array.from(document.querySelectorAll('main .panel')) as HTMLElement[]) {
      const right = card.getBoundingClientRect().right;
      if (right > mainRight + 1) out.push({ what: card.dataset.testid ?? card.className, detail: `card right ${right.toFixed(0)} past the page's ${mainRight.toFixed(0)}` });
    }
    const doc = document.documentElement;
    if (doc.scrollWidth > doc.clientWidth + 1) out.push({ what: 'page', detail: `scrolls sideways: ${doc.scrollWidth} > ${doc.clientWidth}` });
    return out;
  });
}

test('route page at 1400 px: the slowest-nodes table stays inside its card', async () => {
  await page.goto(`${dash.url}/routes?service=${SERVICE}`);
  await page.getByTestId('route-row').first().locator('a').click();
  await page.getByTestId('route-page').waitFor();
  await until('slowest nodes', async () => (await page.getByTestId('slow-node').count()) === 3);
  assert.deepEqual(await overflows(page), []);
  // the long instance names wrap: every column is in sight, nothing scrolled away
  const hidden = await page.getByTestId('slowest-nodes-table').evaluate((t) => {
    const box = (t.closest('.table-wrap') ?? t.parentElement) as HTMLElement;
    return box.scrollWidth - box.clientWidth;
  });
  assert.ok(hidden <= 1, `${hidden} px of the table scrolled out of sight`);
  await screenshot(page, 'layout-route');
});

test('alerts page at 1400 px: the deliveries of an alert are shown whole', async () => {
  const res = await fetch(`${dash.url}/api/v1/alerts/rules`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      name: 'Checkout payments canary traffic',
      scope: 'route',
      service: SERVICE,
      metric: 'rps',
      labels: { team: 'payments-platform', severity: 'page' },
      annotations: { summary: 'The canary of checkout-payments serves more traffic than its share of the split: check the load balancer weights before widening it' },
      op: '>',
      threshold: 1,
      window: '10s',
      for: '0s',
      targets: [
        { type: 'webhook', url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hooks/perf/alerts/checkout-payments`, secret: 's1' },
        { type: 'webhook', url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hooks/perf/alerts/on-call`, secret: 's2', format: 'slack' },
      ],
    }),
  });
  assert.equal(res.status, 201, await res.text());
  await page.goto(`${dash.url}/alerts`);
  // one alert per route (2), each delivered to both targets
  const deliveries = page.locator('[data-testid=active-alerts] [data-testid=delivery][data-state=delivered]');
  await until('the deliveries shown', async () => (await deliveries.count()) === 4, 30_000);
  assert.deepEqual(await overflows(page), []);
  // whole: the table fits its box (no part scrolled out of sight) and every delivery line ends inside it
  const cut = await page.evaluate(() => {
    const wrap = document.querySelector('[data-testid=active-alerts]')?.closest('.table-wrap') as HTMLElement;
    const right = wrap.getBoundingClientRect().right;
    const lines = Array.from(wrap.querySelectorAll('[data-testid=delivery]')) as HTMLElement[];
    return {
      hidden: wrap.scrollWidth - wrap.clientWidth > 1 ? wrap.scrollWidth - wrap.clientWidth : 0,
      past: lines.map((l) => l.getBoundingClientRect().right - right).filter((d) => d > 1),
    };
  });
  assert.deepEqual(cut, { hidden: 0, past: [] });
  assert.match((await deliveries.first().textContent()) ?? '', /1 attempt\b/);
  await screenshot(page, 'layout-alerts');
  assert.deepEqual(errors, []);
});
