// The browser's cost with a 1,000-node fleet (simulator → real server → real Chromium), measured with the
// Performance API (long tasks, paint and navigation timing) and Chrome's own main-thread task time (CDP
// Performance.getMetrics), per live update. Figures go to test-output/ui-perf.json and BENCHMARKS.md
// ("UI"); nothing here asserts an absolute time (shared 2-core machines), only that the page is live.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { Services } from '../../server/api/types.js';
import { runSimulation, type RunningSimulation } from '../../simulator/run.js';
import { launchBrowser, openPage, OUTPUT_DIR, screenshot } from './lib/browser.js';
import { api, startDashboard, until, type Dashboard } from './lib/dashboard.js';

const NODES = 1000;
const WINDOW_MS = 8000;

let dash: Dashboard;
let sim: RunningSimulation;
let browser: Browser;
const figures: Record<string, unknown> = {};

before(async () => {
  dash = await startDashboard({ dataDir: null });
  sim = runSimulation({ nodes: NODES, rpsPerNode: 100, routes: 5, service: 'big', seed: 5, samplesPerNode: 10 }, { target: dash.otlpUrl });
  await until(`${NODES} nodes up`, async () => (await api<Services>(dash.url, 'services'))[0]?.nodesUp === NODES, 60_000, 500);
  browser = await launchBrowser();
});

after(async () => {
  sim?.stop();
  await browser?.close();
  await dash?.close();
  const cpu = cpus()[0]?.model ?? 'unknown cpu';
  figures.machine = `${cpu} × ${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node.js ${process.version}, Chromium (Debian, headless)`;
  writeFileSync(join(OUTPUT_DIR, 'ui-perf.json'), JSON.stringify(figures, null, 2));
  console.log(`ui-perf: ${JSON.stringify(figures, null, 2)}`);
});

/** Records long tasks from the first byte (a PerformanceObserver installed before any page script runs). */
const LONG_TASKS = `
  window.__longTasks = [];
  new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longTasks.push([e.startTime, e.duration]); })
    .observe({ type: 'longtask', buffered: true });
`;

async function longTasks(page: Page): Promise<[number, number][]> {
  return page.evaluate(() => (window as unknown as { __longTasks: [number, number][] }).__longTasks);
}

/**
 * Main-thread time per live update over WINDOW_MS on an open page, from Chrome's metrics in thread time
 * (`timeDomain: 'threadTicks'`: CPU time of the renderer's main thread, so other processes competing for
 * the 2 cores do not inflate it): all task work (script, style, layout, paint, GC) divided by the stream
 * snapshots received (distinct event ids) in that time.
 */
async function perUpdate(
  page: Page,
): Promise<{ updates: number; msPerUpdate: number; scriptMsPerUpdate: number; msPerSecond: number; longTasks: number; maxLongTaskMs: number }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
  await cdp.send('Network.enable');
  const ids = new Set<string>();
  cdp.on('Network.eventSourceMessageReceived', (e) => ids.add(e.eventId));
  const metric = async () => {
    const { metrics } = await cdp.send('Performance.getMetrics');
    const get = (n: string) => metrics.find((m) => m.name === n)?.value ?? 0;
    return { task: get('TaskDuration'), script: get('ScriptDuration') };
  };
  const t0 = await page.evaluate(() => performance.now());
  const m0 = await metric();
  await page.waitForTimeout(WINDOW_MS);
  const m1 = await metric();
  const tasks = (await longTasks(page)).filter(([start]) => start >= t0);
  await cdp.detach();
  const n = Math.max(ids.size, 1);
  return {
    updates: ids.size,
    msPerUpdate: round(((m1.task - m0.task) * 1000) / n),
    scriptMsPerUpdate: round(((m1.script - m0.script) * 1000) / n),
    // the same work per second of wall time (snapshots may bunch up after a slow second)
    msPerSecond: round(((m1.task - m0.task) * 1000) / (WINDOW_MS / 1000)),
    longTasks: tasks.length,
    maxLongTaskMs: Math.round(tasks.reduce((m, [, d]) => Math.max(m, d), 0)),
  };
}

const round = (v: number) => Math.round(v * 10) / 10;

/**
 * The baseline measured in the same page and run, in the same unit (main-thread thread time): a fixed
 * piece of script work (sort 200,000 numbers, then a JSON round trip of 2,000 node-sized rows), mean of
 * 5 runs, in ms. It moves with the machine's speed and load like the figures above, so their ratio to it
 * is what compares between runs and machines.
 */
async function calibrate(page: Page): Promise<number> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
  const task = async () => (await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration')?.value ?? 0;
  const t0 = await task();
  await page.evaluate(() => {
    for (let r = 0; r < 5; r++) {
      let seed = 1;
      const xs = Array.from({ length: 200_000 }, () => (seed = (seed * 16807) % 2147483647));
      xs.sort((a, b) => a - b);
      const rows = Array.from({ length: 2000 }, (_, i) => ({ instance: `node-${i}`, rps: i * 1.5, latency: { p50: 0.01, p99: 0.1 }, up: true }));
      JSON.parse(JSON.stringify(rows));
    }
  });
  const t1 = await task();
  await cdp.detach();
  return round(((t1 - t0) * 1000) / 5);
}

test(`overview with ${NODES} nodes: time to interactive on first load`, async () => {
  const runs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const { page, context } = await openPage(browser);
    await page.addInitScript(LONG_TASKS);
    await page.goto(`${dash.url}/`);
    // "interactive": the headline numbers and the charts show data and the main thread is free
    await page.waitForFunction(
      () => {
        const rps = document.querySelector('[data-testid="kpi-rps-value"]')?.textContent ?? '';
        const chart = Number(document.querySelector('[data-testid="chart-rps"]')?.getAttribute('data-points') ?? 0);
        const w = window as unknown as { __dataAt?: number };
        if (rps.includes('req/s') && chart > 0) w.__dataAt ??= performance.now();
        return w.__dataAt !== undefined;
      },
      undefined,
      { polling: 'raf', timeout: 30_000 },
    );
    await page.waitForTimeout(1000); // let the long tasks around first data be recorded
    const dataAt = await page.evaluate(() => (window as unknown as { __dataAt: number }).__dataAt);
    const tasks = await longTasks(page);
    // TTI: first data, or the end of the last long task that started before it settled (500 ms quiet)
    const tti = tasks.filter(([s]) => s < dataAt + 500).reduce((m, [s, d]) => Math.max(m, s + d), dataAt);
    const nav = await page.evaluate(() => {
      const n = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
      const fcp = performance.getEntriesByName('first-contentful-paint')[0];
      return { domContentLoadedMs: Math.round(n.domContentLoadedEventEnd), fcpMs: fcp ? Math.round(fcp.startTime) : null };
    });
    runs.push(tti);
    figures[`overviewLoad${i + 1}`] = { ttiMs: Math.round(tti), dataVisibleMs: Math.round(dataAt), ...nav, longTasks: tasks.length };
    if (i === 0) await screenshot(page, 'overview-1000-nodes');
    await context.close();
  }
  runs.sort((a, b) => a - b);
  figures.overviewTtiMedianMs = Math.round(runs[1]);
  assert.ok(runs[1] > 0);
});

test(`overview with ${NODES} nodes: main-thread time per live update`, async () => {
  const { page, context } = await openPage(browser);
  await page.addInitScript(LONG_TASKS);
  await page.goto(`${dash.url}/`);
  await until('charts with data', async () => Number(await page.getByTestId('chart-rps').getAttribute('data-points')) > 2, 30_000);
  const baseline = await calibrate(page);
  const r = await perUpdate(page);
  figures.overviewLiveUpdate = { ...r, baselineMs: baseline, ratioToBaseline: Math.round((r.msPerUpdate / baseline) * 100) / 100 };
  assert.ok(r.updates >= 5, `live updates arrived: ${r.updates}`);
  await context.close();
});

test(`nodes table with ${NODES} nodes: main-thread time per live update`, async () => {
  const { page, context } = await openPage(browser);
  await page.addInitScript(LONG_TASKS);
  await page.goto(`${dash.url}/nodes`);
  await until('1,000 nodes listed', async () => /of 1000 nodes/.test((await page.getByTestId('nodes-count').textContent()) ?? ''), 30_000);
  assert.equal(await page.getByTestId('node-row').count(), 50, 'one page of rows is rendered, not 1,000');
  const baseline = await calibrate(page);
  const r = await perUpdate(page);
  figures.nodesLiveUpdate = { ...r, baselineMs: baseline, ratioToBaseline: Math.round((r.msPerUpdate / baseline) * 100) / 100 };
  assert.ok(r.updates >= 5, `live updates arrived: ${r.updates}`);
  await screenshot(page, 'nodes-1000');
  await context.close();
});
