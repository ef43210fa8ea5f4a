// Headless Debian Chromium driven by playwright-core (never `playwright install`: the system browser is used).
// Shared by the UI, finder and alerts E2E suites.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, afterEach, before } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.PERF_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** apps/web/test-output: screenshots for review (gitignored). */
export const OUTPUT_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test-output');

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
}

export interface PageErrors {
  /** uncaught exceptions, console.error lines and 404s (outside /api/) seen by the page */
  errors: string[];
}

/** A page in a fresh context (own cookies) that records errors; `colorScheme` to test both themes. */
export async function openPage(
  browser: Browser,
  opts: { colorScheme?: 'light' | 'dark'; viewport?: { width: number; height: number } } = {},
): Promise<{ context: BrowserContext; page: Page } & PageErrors> {
  const context = await browser.newContext({ colorScheme: opts.colorScheme ?? 'light', viewport: opts.viewport ?? { width: 1440, height: 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const text = m.text();
    // The browser logs failed network requests (the server restart test kills the server on purpose).
    if (/Failed to load resource|ERR_CONNECTION_REFUSED|ERR_EMPTY_RESPONSE|net::ERR_/.test(text)) return;
    errors.push(`console: ${text}`);
  });
  // Chromium logs a failed load as "Failed to load resource" without the URL (filtered above): a page,
  // script or icon answering 404 (e.g. /favicon.ico) is recorded here. API 404s are answers a test may want.
  page.on('response', (r) => {
    if (r.status() === 404 && !new URL(r.url()).pathname.startsWith('/api/')) errors.push(`http 404: ${r.url()}`);
  });
  page.setDefaultTimeout(20_000);
  return { context, page, errors };
}

/** Full-page screenshot into test-output/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(OUTPUT_DIR, { recursive: true });
  const path = join(OUTPUT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * For a test file whose tests each start their own dashboard: one Chromium for the file, and what each test
 * registers with `defer` to undo when it ends, last first (one Next.js instance per process at a time: two at once
 * break its request-scoped state).
 */
export function browserPerFile(): { readonly browser: Browser; defer(fn: () => Promise<unknown> | unknown): void } {
  let browser: Browser | undefined;
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
  return {
    get browser() {
      return browser!;
    },
    defer: (fn) => {
      cleanup.push(fn);
    },
  };
}
