// The node page's heap-growth panel and a heap leak's finding in headless Chromium against the real server,
// fed over OTLP as the agent feeds it: one node whose heap grows 8 MiB a second and exports a heap allocation
// profile (nodejs.heap_profile.*), and one whose heap stays flat and exports none.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { encodeJson, Metrics, type Attributes, type Metric } from '@perf/metrics';
import type { Finding, HeapProfile } from '../../server/api/types.js';
import { request, resource } from '../server/lib/otlp.js';
import { launchBrowser, openPage, screenshot } from './lib/browser.js';
import { api, startDashboard, until, type Dashboard } from './lib/dashboard.js';

const MiB = 1024 * 1024;
const ns = (ms: number) => ms * 1e6;

let dash: Dashboard;
let browser: Browser;
let page: Page;
let errors: string[];
let feeder: ReturnType<typeof setInterval> | undefined;
const sendErrors: string[] = [];

function gauge(name: string, value: number, unit: string, nowMs: number): Metric {
  return { name, description: '', unit, type: 'gauge', points: [{ attributes: {}, startTimeUnixNano: 0, timeUnixNano: ns(nowMs), flags: 0, value, isInt: false }] };
}

interface Site {
  name: string;
  file: string;
  line: number;
  bytes: number;
  caller?: [string, string, number];
}

/** A heap profile over [startMs, endMs] as the agent exports it: one live-size point per site, and the sample count. */
function heapProfile(startMs: number, endMs: number, sites: Site[], samples: number): Metric[] {
  const point = (attributes: Attributes, value: number) => ({ attributes, startTimeUnixNano: ns(startMs), timeUnixNano: ns(endMs), flags: 0, value, isInt: false });
  return [
    {
      name: Metrics.heapProfileLiveSize,
      description: '',
      unit: 'By',
      type: 'gauge',
      points: sites.map((s) =>
        point(
          {
            'code.function.name': s.name,
            'code.file.path': s.file,
            'code.line.number': s.line,
            'code.column.number': s.line > 0 ? 7 : 0,
            ...(s.caller ? { 'perf.caller.function.name': s.caller[0], 'perf.caller.file.path': s.caller[1], 'perf.caller.line.number': s.caller[2] } : {}),
          },
          s.bytes,
        ),
      ),
    },
    { name: Metrics.heapProfileSamples, description: '', unit: '{sample}', type: 'gauge', points: [point({}, samples)] },
  ];
}

const SITES: Site[] = [
  { name: 'Buffer.from', file: 'node:buffer', line: 1, bytes: 6 * MiB, caller: ['readBody', '/srv/app/src/http/body.js', 30] },
  { name: 'remember', file: '/srv/app/src/cache/results.js', line: 12, bytes: 30 * MiB },
  { name: '(other)', file: '', line: 0, bytes: 4 * MiB },
];

async function post(instance: string, metrics: Metric[]): Promise<void> {
  const res = await fetch(`${dash.otlpUrl}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: encodeJson(request(resource('shop', instance), metrics)) });
  if (!res.ok) sendErrors.push(`${instance}: HTTP ${res.status} ${await res.text()}`);
}

before(async () => {
  dash = await startDashboard();
  // a 20 s profile that ended as the feed starts, repeated with each export as the agent does
  const t0 = Date.now();
  const profile = heapProfile(t0 - 20_000, t0, SITES, 160);
  let heap = 100 * MiB;
  const feed = async () => {
    const now = Date.now();
    heap += 8 * MiB;
    await post('leaky-1', [gauge(Metrics.heapUsed, heap, 'By', now), gauge(Metrics.heapLimit, 2048 * MiB, 'By', now), ...profile]);
    await post('steady-1', [gauge(Metrics.heapUsed, 100 * MiB, 'By', now), gauge(Metrics.heapLimit, 2048 * MiB, 'By', now)]);
  };
  await feed();
  feeder = setInterval(() => void feed().catch((err: Error) => sendErrors.push(err.message)), 1000);
  browser = await launchBrowser();
  ({ page, errors } = await openPage(browser));
});

after(async () => {
  clearInterval(feeder);
  await browser?.close();
  await dash?.close();
});

test('node page: the heap growth by allocation site (its last heap profile), and why a flat heap has none', async () => {
  await until('the heap profile of leaky-1 in the API', async () => (await api<HeapProfile[]>(dash.url, 'heap-profiles?instance=leaky-1')).length > 0, 20_000);
  await page.goto(`${dash.url}/nodes/leaky-1`);
  const panel = page.getByTestId('heap-growth');
  const rows = panel.getByTestId('heap-growth-row');
  await until('the profile in the panel', async () => (await rows.count()) === 2, 20_000);
  assert.equal(await panel.locator('h2').textContent(), 'Heap growth, by allocation site');
  assert.match(
    (await panel.getByTestId('heap-growth-meta').textContent()) ?? '',
    /taken (now|\d+ s ago) \(\d\d:\d\d:\d\d–\d\d:\d\d:\d\d\), 20 s long, 160 samples: 40 MiB allocated during it and still held at its end/,
  );
  assert.equal(Number(await panel.getByTestId('heap-growth-total').getAttribute('data-value')), 40 * MiB);
  // the most bytes first: the share, the bytes, where it is (full path in the title)
  const top = rows.nth(0);
  assert.equal(await top.getAttribute('data-function'), 'remember');
  assert.equal(Number(await top.getByTestId('heap-growth-bytes').getAttribute('data-value')), 30 * MiB);
  const topText = (await top.textContent()) ?? '';
  assert.match(topText, /75 %/);
  assert.match(topText, /30 MiB/);
  assert.match(topText, /…\/src\/cache\/results\.js:12/);
  assert.equal(await top.locator('[title="/srv/app/src/cache/results.js:12:7"]').count(), 1);
  assert.equal(await top.getByTestId('heap-growth-caller').textContent(), '', 'the app’s own code has no caller to name');
  // Node's own allocation, named with the app's function that called it
  const second = rows.nth(1);
  assert.equal(await second.getAttribute('data-function'), 'Buffer.from');
  assert.match((await second.textContent()) ?? '', /15 %.*6 MiB.*Buffer\.from.*node:buffer:1/);
  assert.equal(await second.getByTestId('heap-growth-caller').textContent(), 'readBody …/src/http/body.js:30');
  // the sites past the agent's top list: muted, at the bottom
  const rest = panel.getByTestId('heap-growth-rest');
  assert.equal(await rest.getAttribute('data-function'), '(other)');
  assert.match((await rest.getAttribute('class')) ?? '', /\bmuted\b/);
  assert.match((await rest.textContent()) ?? '', /10 %.*4 MiB.*\(other\)/);
  await panel.scrollIntoViewIfNeeded();
  await screenshot(page, 'node-heap-growth');
  // a flat heap: no profile, and the panel says when one is taken
  await page.goto(`${dash.url}/nodes/steady-1`);
  await page.getByTestId('heap-growth-empty').waitFor();
  assert.match((await page.getByTestId('heap-growth-empty').textContent()) ?? '', /^No heap profile yet\. The agent takes one \(for about 10 s\) when this node's heap keeps growing/);
  assert.equal(await page.getByTestId('heap-growth-row').count(), 0);
  assert.deepEqual(await api<HeapProfile[]>(dash.url, 'heap-profiles?instance=steady-1'), []);
});

test('findings: a heap leak carries its heap profile, its top sites under the summary linked to the node’s panel', async () => {
  await until(
    'a memory-leak finding on leaky-1 with its heap profile',
    async () => (await api<(Finding & { heapProfile?: HeapProfile })[]>(dash.url, 'findings?instance=leaky-1')).some((f) => f.kind === 'memory-leak' && f.heapProfile !== undefined),
    40_000,
  );
  await page.goto(`${dash.url}/nodes/leaky-1`);
  const block = page.getByTestId('findings-panel').getByTestId('finding').filter({ hasText: /heap/i }).getByTestId('finding-heap-profile');
  await until('the heap profile under the finding', async () => (await block.count()) === 1, 20_000);
  assert.match((await block.textContent()) ?? '', /^Heap profile of leaky-1 \(20 s, (now|\d+ s ago)\): 40 MiB allocated and still held/);
  const sites = block.getByTestId('finding-heap-profile-site');
  // the finding lists code sites only: (other) is left out
  assert.equal(await sites.count(), 2);
  assert.match((await sites.nth(0).textContent()) ?? '', /75 %.*30 MiB.*remember.*results\.js:12/);
  assert.match((await sites.nth(1).textContent()) ?? '', /15 %.*6 MiB.*Buffer\.from.*node:buffer:1.*← readBody.*body\.js:30/);
  await block.scrollIntoViewIfNeeded();
  await screenshot(page, 'finding-heap-profile');
  // from the overview, the node's name opens its page at the heap-growth panel
  await page.goto(`${dash.url}/`);
  const link = page.getByTestId('findings-panel').getByTestId('finding-heap-profile').locator('a[href*="/nodes/leaky-1"][href$="#heap-growth"]');
  await link.waitFor();
  await link.click();
  await page.getByTestId('node-page').waitFor();
  assert.equal(await page.getByTestId('node-page').getAttribute('data-instance'), 'leaky-1');
  await until('landed on the heap-growth panel', () =>
    page.evaluate(() => {
      const r = document.getElementById('heap-growth')?.getBoundingClientRect();
      return r !== undefined && r.top >= 0 && r.top < window.innerHeight / 2 && window.scrollY > 0;
    }),
  );
});

test('no errors in the page console or the feed', () => {
  assert.deepEqual(errors, []);
  assert.deepEqual(sendErrors, []);
});
