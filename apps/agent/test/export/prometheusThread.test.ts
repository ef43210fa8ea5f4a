// /metrics is served by the export thread: a scrape of a full route table (≈ 4 MB of Prometheus text) holds the
// app's thread only for its snapshot, not for building the text. Measured in this process against the same
// collection turned into text on this thread (what the agent did before), so the comparison is a ratio.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Registry } from 'prom-client';
import * as api from '../../src/api.js';
import { toPrometheus } from '../../src/export/prometheus.js';

let agent: api.Agent;
let port: number;
// the agent never keeps a process alive (its thread and port are unref'd): this test's process has nothing else
const keepAlive = setInterval(() => {}, 1000);

before(async () => {
  agent = api.start({ otlp: false, prometheusPort: 0, prometheusHost: '127.0.0.1', maxRoutes: 1000, serviceName: 'scraped' })!;
  port = (await agent.prometheusPort)!;
  let seed = 11;
  const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  for (let r = 0; r < 200; r++) {
    const route = agent.routes.byTemplate(`/api/r${r}/:id`);
    for (const status of [200, 404, 500]) for (let i = 0; i < 500; i++) route.record(0, status, 0.0001 * 10 ** (4 * rnd()));
  }
});
after(async () => {
  await api.shutdown();
  clearInterval(keepAlive);
});

/** The longest gap of a 1 ms timer chain on this thread while `work` runs, minus the 1 ms. */
async function longestStall(work: () => Promise<unknown>): Promise<number> {
  let last = performance.now();
  let worst = 0;
  const timer = setInterval(() => {
    const t = performance.now();
    worst = Math.max(worst, t - last - 1);
    last = t;
  }, 1);
  try {
    await work();
    worst = Math.max(worst, performance.now() - last - 1);
  } finally {
    clearInterval(timer);
  }
  return worst;
}

/**
 * GET /metrics from another process (a client on this thread would itself hold it, reading 4 MB of text), with the
 * longest stall of this thread from the moment that process is started (starting it is this thread's work, not the
 * scrape's) until it has the text.
 */
async function scrapeFromOutside(): Promise<{ text: string; stall: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'perf-scrape-'));
  const file = join(dir, 'metrics.txt');
  const child = spawn(process.execPath, ['-e', `fetch(${JSON.stringify(`http://127.0.0.1:${port}/metrics`)}).then((r) => r.text()).then((t) => require('fs').writeFileSync(${JSON.stringify(file)}, t))`], { stdio: 'ignore' });
  let code: number | undefined;
  const stall = await longestStall(async () => ([code] = (await once(child, 'exit')) as [number]));
  assert.equal(code, 0);
  const text = readFileSync(file, 'utf8');
  rmSync(dir, { recursive: true, force: true });
  return { text, stall };
}

test('a full route table scraped: every request in the text, and the app thread held a fraction of what building the text here takes', async () => {
  const inThread: number[] = [];
  const scraped: number[] = [];
  for (let round = 0; round < 4; round++) {
    // before: the collection and the text made on the app's thread
    inThread.push(
      await longestStall(async () => {
        const registry = new Registry();
        for (const m of toPrometheus(agent.collect('prometheus'))) registry.registerMetric(m as never);
        await registry.metrics();
      }),
    );
    const { text, stall } = await scrapeFromOutside();
    scraped.push(stall);
    let total = 0;
    for (const m of text.matchAll(/^http_server_request_duration_seconds_count\{[^}]*http_route="\/api\/r\d+\/:id"[^}]*\} (\d+)$/gm)) total += Number(m[1]);
    assert.equal(total, 200 * 3 * 500, 'every recorded request in the scrape');
  }
  const best = (a: number[]) => Math.min(...a);
  console.log(`longest stall of the app's thread: text built on it ${best(inThread).toFixed(1)} ms, scrape served by the export thread ${best(scraped).toFixed(1)} ms (best of 4)`);
  assert.ok(best(scraped) < best(inThread) / 4, `scrape held the loop ${best(scraped).toFixed(1)} ms, building the text here ${best(inThread).toFixed(1)} ms`);
});

test('five scrapes at once share snapshots and are each answered', async () => {
  const answers = await Promise.all(Array.from({ length: 5 }, () => fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.status)));
  assert.deepEqual(answers, [200, 200, 200, 200, 200]);
});
