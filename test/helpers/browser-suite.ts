// The usual browser suite: a wslab server on a loopback port, the system Chromium and one
// 1280×720 page, made before a suite's tests and closed after them.
//
//   describeWithChromium('labs', () => {
//     let server: WslabServer;
//     let page: Page;
//     useBrowserSuite((s) => ({ server, page } = s), { timeoutMs: 10_000 });
//     ...
//   });
import { afterAll, beforeAll } from 'vitest';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { startWslab, type WslabOptions, type WslabServer } from '../../server/app.ts';
import { launchChromium } from './chromium.ts';

export interface BrowserSuite {
  server: WslabServer;
  browser: Browser;
  page: Page;
}

export interface BrowserSuiteOptions {
  /** more startWslab options (port 0 and host 127.0.0.1 always) */
  server?: WslabOptions;
  /** more options for the page (its viewport is 1280×720 unless given) */
  page?: BrowserContextOptions;
  /** the page's default timeout for actions and waits; Playwright's own (30 s) when not given */
  timeoutMs?: number;
}

/**
 * Call inside describeWithChromium. `bind` gets the three once they are up, before the suite's
 * own beforeAll hooks run (those may use them); they are closed after the suite's own afterAll
 * hooks (vitest runs those in reverse order).
 */
export function useBrowserSuite(bind: (suite: BrowserSuite) => void, options: BrowserSuiteOptions = {}): void {
  const made: Partial<BrowserSuite> = {};
  beforeAll(async () => {
    const server = (made.server = await startWslab({ ...options.server, port: 0, host: '127.0.0.1' }));
    const browser = (made.browser = await launchChromium());
    const page = (made.page = await browser.newPage({ viewport: { width: 1280, height: 720 }, ...options.page }));
    if (options.timeoutMs) page.setDefaultTimeout(options.timeoutMs);
    bind({ server, browser, page });
  });
  afterAll(async () => {
    await made.browser?.close();
    await made.server?.close();
  });
}
