// The node page's heap-growth and allocations panels, and the findings that carry their profiles, in headless
// Chromium against the real server, fed over OTLP as the agent feeds it: one node whose heap grows 8 MiB a second
// and exports a heap allocation profile (nodejs.heap_profile.*), one whose garbage collector takes 30% of its time
// and exports an allocation profile (nodejs.allocation_profile.*), and one whose heap stays flat and exports none.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { encodeJson, ExponentialHistogram, Metrics, type Attributes, type Metric } from '@perf/metrics';
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

/** An allocation profile: the same points as a heap profile's, valued in bytes allocated (garbage included). */
function allocationProfile(startMs: number, endMs: number, sites: Site[], samples: number): Metric[] {
  return heapProfile(startMs, endMs, sites, samples).map((m) => ({ ...m, name: m.name === Metrics.heapProfileLiveSize ? Metrics.allocationProfileSize : Metrics.allocationProfileSamples }));
}

/** 600 MiB allocated in 3 s, mostly by the app's own report code. */
const ALLOCATED: Site[] = [
  { name: 'Buffer.concat', file: 'node:buffer', line: 1, bytes: 120 * MiB, caller: ['readChunks', '/srv/app/src/ingest/chunks.js', 44] },
  { name: 'buildRows', file: '/srv/app/src/report/rows.js', line: 23, bytes: 360 * MiB },
  { name: '(other)', file: '', line: 0, bytes: 40 * MiB },
  { name: 'cloneDeep', file: '/srv/app/node_modules/lodash/cloneDeep.js', line: 9, bytes: 80 * MiB, caller: ['buildRows', '/srv/app/src/report/rows.js', 31] },
];

/**
 * A node whose collector is busy, as the agent reports it each second: 10 pauses of 30 ms (a cumulative
 * v8js.gc.duration histogram, so 30% of wall time in GC), 60% of a core busy, a flat heap.
 */
function churning(t0: number): (now: number) => Metric[] {
  const gc = new ExponentialHistogram({ maxScale: 6, maxSize: 1024 });
  return (now) => {
    gc.recordMany(0.03, 10);
    return [
      { name: Metrics.gcDuration, description: '', unit: 's', type: 'exponentialHistogram', temporality: 'cumulative', points: [{ attributes: { 'v8js.gc.type': 'minor' }, startTimeUnixNano: ns(t0), timeUnixNano: ns(now), flags: 0, ...gc.toData() }] },
      gauge(Metrics.eventLoopUtilization, 0.6, '1', now),
      gauge(Metrics.cpuUtilization, 0.6, '1', now),
      gauge(Metrics.heapUsed, 300 * MiB, 'By', now),
      gauge(Metrics.heapLimit, 2048 * MiB, 'By', now),
    ];
  };
}

async function post(instance: string, metrics: Metric[]): Promise<void> {
  const res = await fetch(`${dash.otlpUrl}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: encodeJson(request(resource('shop', instance), metrics)) });
  if (!res.ok) sendErrors.push(`${instance}: HTTP ${res.status} ${await res.text()}`);
}

before(async () => {
  dash = await startDashboard();
  // a 20 s profile that ended as the feed starts, repeated with each export as the agent does
  const t0 = Date.now();
  const profile = heapProfile(t0 - 20_000, t0, SITES, 160);
  // a 3 s allocation profile, likewise
  const allocations = allocationProfile(t0 - 3000, t0, ALLOCATED, 1200);
  const churn = churning(t0 - 1000);
  let heap = 100 * MiB;
  const feed = async () => {
    const now = Date.now();
    heap += 8 * MiB;
    await post('leaky-1', [gauge(Metrics.heapUsed, heap, 'By', now), gauge(Metrics.heapLimit, 2048 * MiB, 'By', now), ...profile]);
    await post('churny-1', [...churn(now), ...allocations]);
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
  // nor an allocation profile, its GC being idle
  await page.getByTestId('allocations-empty').waitFor();
  assert.match(
    (await page.getByTestId('allocations-empty').textContent()) ?? '',
    /^No allocation profile yet\. The agent takes one \(for about 3 s\) when garbage collection takes 10% or more of this node's time, to show which code allocates the most\.$/,
  );
  assert.equal(await page.getByTestId('allocations-row').count(), 0);
});

test('node page: allocations by site (its last allocation profile) below the heap panel, each site with its bytes and caller', async () => {
  await until('the allocation profile of churny-1 in the API', async () => (await api<HeapProfile[]>(dash.url, 'allocation-profiles?instance=churny-1')).length > 0, 20_000);
  await page.goto(`${dash.url}/nodes/churny-1`);
  const panel = page.getByTestId('allocations');
  const rows = panel.getByTestId('allocations-row');
  await until('the profile in the panel', async () => (await rows.count()) === 3, 20_000);
  assert.equal(await panel.locator('h2').textContent(), 'Allocations, by site');
  // the third profile panel: after the CPU and the heap ones
  assert.deepEqual(await page.locator('section[data-testid="hot-code"], section[data-testid="heap-growth"], section[data-testid="allocations"]').evaluateAll((els) => els.map((e) => e.id)), ['hot-code', 'heap-growth', 'allocations']);
  assert.match(
    (await panel.getByTestId('allocations-meta').textContent()) ?? '',
    /^Who makes the garbage: an allocation profile taken (now|\d+ s ago) \(\d\d:\d\d:\d\d–\d\d:\d\d:\d\d\), 3 s long, 1,200 samples: 600 MiB allocated during it, collected since or not/,
  );
  assert.equal(Number(await panel.getByTestId('allocations-total').getAttribute('data-value')), 600 * MiB);
  assert.equal(await panel.locator('th').nth(1).textContent(), 'Allocated');
  // the most bytes first
  assert.deepEqual(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-function'))), ['buildRows', 'Buffer.concat', 'cloneDeep']);
  assert.deepEqual(
    await rows.getByTestId('allocations-bytes').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-value')))),
    [360 * MiB, 120 * MiB, 80 * MiB],
  );
  const top = rows.nth(0);
  assert.match((await top.textContent()) ?? '', /60 %.*360 MiB.*buildRows.*…\/src\/report\/rows\.js:23/);
  assert.equal(await top.locator('[title="/srv/app/src/report/rows.js:23:7"]').count(), 1);
  assert.equal(await top.getByTestId('allocations-caller').textContent(), '', 'the app’s own code has no caller to name');
  // Node's own and a package's allocations, named with the app's function that called them
  assert.match((await rows.nth(1).textContent()) ?? '', /20 %.*120 MiB.*Buffer\.concat.*node:buffer:1/);
  assert.equal(await rows.nth(1).getByTestId('allocations-caller').textContent(), 'readChunks …/src/ingest/chunks.js:44');
  assert.match((await rows.nth(2).textContent()) ?? '', /13\.3 %.*80 MiB.*cloneDeep.*lodash\/cloneDeep\.js:9/);
  assert.equal(await rows.nth(2).getByTestId('allocations-caller').textContent(), 'buildRows …/src/report/rows.js:31');
  // the sites past the agent's top list: muted, at the bottom
  const rest = panel.getByTestId('allocations-rest');
  assert.match((await rest.getAttribute('class')) ?? '', /\bmuted\b/);
  assert.match((await rest.textContent()) ?? '', /6\.67 %.*40 MiB.*\(other\)/);
  // the heap panel of this node is empty (its heap is flat) and keeps its own ids
  await page.getByTestId('heap-growth-empty').waitFor();
  assert.equal(await page.getByTestId('heap-growth-row').count(), 0);
  await panel.scrollIntoViewIfNeeded();
  await screenshot(page, 'node-allocations');
  // the leaking node's GC is idle: no allocation profile
  await page.goto(`${dash.url}/nodes/leaky-1`);
  await page.getByTestId('allocations-empty').waitFor();
  assert.deepEqual(await api<HeapProfile[]>(dash.url, 'allocation-profiles?instance=leaky-1'), []);
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

test('findings: GC pressure carries its allocation profile, its top sites under the summary linked to the node’s panel', async () => {
  await until(
    'a gc-pressure finding on churny-1 with its allocation profile',
    async () => (await api<(Finding & { allocations?: HeapProfile })[]>(dash.url, 'findings?instance=churny-1')).some((f) => f.kind === 'gc-pressure' && f.allocations !== undefined),
    40_000,
  );
  await page.goto(`${dash.url}/nodes/churny-1`);
  const finding = page.getByTestId('findings-panel').getByTestId('finding').filter({ hasText: /Garbage collection takes/ });
  const block = finding.getByTestId('finding-allocations');
  await until('the allocation profile under the finding', async () => (await block.count()) === 1, 20_000);
  assert.match((await finding.locator('strong').first().textContent()) ?? '', /Allocation profile of churny-1: .* allocated over 3 s, 60% by buildRows/);
  assert.match((await block.textContent()) ?? '', /^Allocation profile of churny-1 \(3 s, (now|\d+ s ago)\): 600 MiB allocated(?! and)/);
  assert.equal(await finding.getByTestId('finding-heap-profile').count(), 0, 'GC pressure carries no heap profile');
  const sites = block.getByTestId('finding-allocations-site');
  // the top 3 code sites, the most bytes first
  assert.equal(await sites.count(), 3);
  assert.match((await sites.nth(0).textContent()) ?? '', /60 %.*360 MiB.*buildRows.*rows\.js:23/);
  assert.match((await sites.nth(1).textContent()) ?? '', /20 %.*120 MiB.*Buffer\.concat.*node:buffer:1.*← readChunks.*chunks\.js:44/);
  assert.match((await sites.nth(2).textContent()) ?? '', /13\.3 %.*80 MiB.*cloneDeep.*cloneDeep\.js:9.*← buildRows.*rows\.js:31/);
  // on the node's own page the name scrolls to the panel
  assert.equal(await block.locator('a').first().getAttribute('href'), '#allocations');
  await block.scrollIntoViewIfNeeded();
  await screenshot(page, 'finding-allocations');
  // from the overview, the node's name opens its page at the allocations panel
  await page.goto(`${dash.url}/`);
  const link = page.getByTestId('findings-panel').getByTestId('finding-allocations').locator('a[href*="/nodes/churny-1"][href$="#allocations"]');
  await link.waitFor();
  await link.click();
  await page.getByTestId('node-page').waitFor();
  assert.equal(await page.getByTestId('node-page').getAttribute('data-instance'), 'churny-1');
  await until('landed on the allocations panel', () =>
    page.evaluate(() => {
      const r = document.getElementById('allocations')?.getBoundingClientRect();
      return r !== undefined && r.top >= 0 && r.top < window.innerHeight / 2 && window.scrollY > 0;
    }),
  );
});

test('no errors in the page console or the feed', () => {
  assert.deepEqual(errors, []);
  assert.deepEqual(sendErrors, []);
});
