// The alerts page in Debian Chromium against the real dashboard (with the UI build) fed by the simulator:
// a bad rule shows the server's error on the field, a good one is created, fires (with its delivery shown),
// is edited, and deleted (its alert moves to the past list as resolved).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { FleetSimulator } from '../../simulator/fleet.js';
import { runSimulation } from '../../simulator/run.js';
import { startDashboard } from '../e2e/lib/dashboard.js';
import { CHROMIUM, launchBrowser, openPage, screenshot } from '../e2e/lib/browser.js';
import { Receiver } from './lib/receiver.js';

// cleaned up in after(): it also runs when the test times out, so no child process or browser is left behind
const cleanups: (() => Promise<unknown> | unknown)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => {});
});

test('alerts page: validation error on the field, create, firing with delivery, edit, delete', { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed`, timeout: 240_000 }, async () => {
  process.env.PERF_ALERTS_RESOLVE_AFTER = '1s';
  const rx = await new Receiver().start();
  cleanups.push(() => rx.stop());
  const dash = await startDashboard({ ui: true });
  cleanups.push(() => dash.close());
  const sim = new FleetSimulator({ nodes: 2, rpsPerNode: 40, routes: 2, service: 'web' });
  const run = runSimulation(sim, { target: dash.otlpUrl });
  cleanups.push(() => {
    run.stop();
    run.sender.close();
  });
  const browser = await launchBrowser();
  cleanups.push(() => browser.close());
  {
    const { page, errors } = await openPage(browser);
    await page.goto(`${dash.url}/alerts`);
    await page.getByTestId('rules-empty').waitFor();
    await page.getByTestId('active-alerts-empty').waitFor();

    await page.getByTestId('new-rule').click();
    const form = page.getByTestId('rule-editor');
    await form.locator('input[name=name]').fill('Fleet traffic');
    await form.locator('select[name=metric]').selectOption('rps');
    await form.locator('input[name=threshold]').fill('lots');
    // the form's default For is the API's (0s), not 1m
    assert.equal(await form.locator('input[name=for]').inputValue(), '0s');
    await form.getByRole('button', { name: 'Add target' }).click();
    await form.getByLabel('target URL').fill(`${rx.url}/ui-hook`);
    await form.getByLabel('target secret').fill('ui-secret');
    await form.getByRole('button', { name: 'Create rule' }).click();
    const err = page.getByTestId('rule-error');
    await err.waitFor();
    assert.equal(await err.getAttribute('data-field'), 'threshold');
    assert.match(await err.innerText(), /threshold must be a finite number/);
    assert.match((await form.locator('input[name=threshold]').getAttribute('class')) ?? '', /invalid/);

    await form.locator('input[name=threshold]').fill('1');
    await form.getByRole('button', { name: 'Create rule' }).click();
    await page.locator('[data-testid=rule-row][data-rule="Fleet traffic"]').waitFor();
    await page.locator('[data-testid=alert-row][data-state=firing]').waitFor({ timeout: 30_000 });
    await page.locator('[data-testid=active-alerts] [data-testid=delivery][data-state=delivered]').waitFor({ timeout: 30_000 });
    await rx.waitFor(1);
    assert.equal(rx.received[0].json.status, 'firing');
    await screenshot(page, 'alerts-firing');

    await page.getByRole('button', { name: 'edit Fleet traffic' }).click();
    await form.locator('input[name=threshold]').fill('2');
    await form.getByRole('button', { name: 'Save' }).click();
    await page.getByTestId('alerts-notice').filter({ hasText: 'Saved' }).waitFor();
    // the condition in the alerts' units; the notice is news for a moment, not a state
    await page.locator('[data-testid=rule-row]', { hasText: 'fleet: rps > 2 req/s over 30s' }).waitFor();
    await page.getByTestId('alerts-notice').waitFor({ state: 'detached', timeout: 10_000 });

    page.once('dialog', (d) => void d.accept());
    await page.getByRole('button', { name: 'delete Fleet traffic' }).click();
    await page.getByTestId('rules-empty').waitFor();
    await page.locator('[data-testid=past-alerts] [data-testid=alert-row][data-state=resolved]').waitFor({ timeout: 30_000 });
    await rx.waitFor(2);
    assert.equal(rx.received.at(-1)!.json.status, 'resolved');
    await screenshot(page, 'alerts-resolved');

    // a rule whose alert is pending (For 1h) says so in its State column; its latency threshold reads in ms
    await page.getByTestId('new-rule').click();
    await form.locator('input[name=name]').fill('Slow soon');
    await form.locator('select[name=metric]').selectOption('latency.p99');
    await form.locator('input[name=threshold]').fill('0.001');
    await form.locator('input[name=for]').fill('1h');
    await form.getByRole('button', { name: 'Create rule' }).click();
    const slow = page.locator('[data-testid=rule-row][data-rule="Slow soon"]');
    await slow.waitFor();
    // the next edit clears a notice at once
    await page.getByTestId('alerts-notice').waitFor();
    await page.getByRole('button', { name: 'edit Slow soon' }).click();
    assert.equal(await page.getByTestId('alerts-notice').count(), 0);
    await form.getByRole('button', { name: 'Cancel' }).click();
    assert.match((await slow.textContent()) ?? '', /fleet: latency\.p99 > 1 ms over 30s/);
    await slow.getByTestId('rule-state').filter({ hasText: '1 pending' }).waitFor({ timeout: 30_000 });

    // a finding rule on root causes only: the form's checkbox is the rule's `consequences: false`, and back
    await page.getByTestId('new-rule').click();
    await form.locator('input[name=name]').fill('Any root cause');
    await form.locator('select[name=metric]').selectOption('finding');
    await form.locator('input[name=finding]').fill('any');
    await form.locator('input[name=rootCausesOnly]').check();
    await form.getByRole('button', { name: 'Create rule' }).click();
    await page.locator('[data-testid=rule-row][data-rule="Any root cause"]').waitFor();
    const rules = (await (await fetch(`${dash.url}/api/v1/alerts/rules`)).json()) as { name: string; finding?: string; consequences?: boolean }[];
    const saved = rules.find((r) => r.name === 'Any root cause');
    assert.deepEqual([saved?.finding, saved?.consequences], ['any', false]);
    await page.getByRole('button', { name: 'edit Any root cause' }).click();
    assert.equal(await form.locator('input[name=rootCausesOnly]').isChecked(), true);
    assert.deepEqual(errors, []);
  }
});

test('alerts page: a rule at its cap of alerts says how many more subjects are over its threshold', { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is not installed`, timeout: 120_000 }, async () => {
  process.env.PERF_ALERTS_MAX_PER_RULE = '1';
  const dash = await startDashboard({ ui: true });
  cleanups.push(() => dash.close());
  delete process.env.PERF_ALERTS_MAX_PER_RULE;
  const sim = new FleetSimulator({ nodes: 3, rpsPerNode: 20, routes: 1, service: 'capped' });
  const run = runSimulation(sim, { target: dash.otlpUrl });
  cleanups.push(() => {
    run.stop();
    run.sender.close();
  });
  // every node under a floor no node reaches
  const res = await fetch(`${dash.url}/api/v1/alerts/rules`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Node traffic floor', service: 'capped', scope: 'node', metric: 'rps', op: '<', threshold: 1e6, window: '10s', targets: [] }),
  });
  assert.equal(res.status, 201);
  const browser = await launchBrowser();
  cleanups.push(() => browser.close());
  const { page, errors } = await openPage(browser);
  await page.goto(`${dash.url}/alerts`);
  const banner = page.getByTestId('alerts-capped');
  await banner.waitFor({ timeout: 30_000 });
  assert.match(await banner.innerText(), /Rule “Node traffic floor” holds as many alerts as one rule may \(PERF_ALERTS_MAX_PER_RULE\): 2 more subjects are over its threshold/);
  assert.equal(await page.locator('[data-testid=alert-row][data-state=firing]').count(), 1);
  await screenshot(page, 'alerts-capped');
  assert.deepEqual(errors, []);
});
