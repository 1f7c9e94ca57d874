// The weight of a first visit: each page loaded cold (a fresh browser context, empty cache) in
// headless Chromium, summing what crossed the network for every HTTP response (Chromium's
// encodedDataLength: headers and the body as sent, compressed when the server compressed it)
// against the same responses' bodies as the page used them (decoded). The WebSocket event stream
// is not an HTTP response and is not counted.
//
//   npm run bench -- pageweight
import type { Browser } from 'playwright-core';
import { startWslab } from '../server/app.ts';
import { ensureWebBuild } from '../server/cli/build.ts';
import { launchChromium } from '../test/helpers/chromium.ts';
import type { BenchRow } from './table.ts';

export const PAGES = ['/lessons', '/inspect', '/playground'] as const;

export interface PageWeight {
  page: string;
  /** bytes on the wire: every HTTP response's headers and (encoded) body */
  transferred: number;
  /** the same responses' bodies, decoded */
  decoded: number;
  responses: number;
}

/** Loads `base + path` cold, waits for the page to render, then for the network to be quiet. */
export async function weighPage(browser: Browser, base: string, path: string): Promise<PageWeight> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  try {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    let transferred = 0;
    let decoded = 0;
    let responses = 0;
    cdp.on('Network.dataReceived', (e) => (decoded += e.dataLength));
    cdp.on('Network.loadingFinished', (e) => {
      transferred += e.encodedDataLength;
      responses++;
    });
    await page.goto(base + path, { waitUntil: 'load' });
    // the page's own chunk has arrived and rendered (no Suspense fallback left, a heading shown),
    // then whatever it fetches next
    await page.waitForFunction(() => document.querySelector('.route-loading') === null && document.querySelector('main h1, main h2') !== null, null, { timeout: 30_000 });
    await page.waitForLoadState('networkidle');
    await page.waitForTimeout(500);
    return { page: path, transferred, decoded, responses };
  } finally {
    await context.close();
  }
}

export async function weighPages(base: string, browser?: Browser): Promise<PageWeight[]> {
  const own = browser ?? (await launchChromium());
  try {
    const out: PageWeight[] = [];
    for (const p of PAGES) out.push(await weighPage(own, base, p));
    return out;
  } finally {
    if (!browser) await own.close();
  }
}

export async function runPageWeightBench(): Promise<BenchRow[]> {
  process.env.NODE_ENV = 'production';
  await ensureWebBuild((line) => process.stderr.write(`${line}\n`));
  const server = await startWslab({ port: 0, host: '127.0.0.1' });
  try {
    const weights = await weighPages(server.url);
    return weights.map((w) => ({
      name: `cold load of ${w.page} in Chromium: bytes transferred (baseline: the same responses uncompressed)`,
      ours: w.transferred / 1024,
      theirs: w.decoded / 1024,
      unit: 'KiB',
      target: '≤ 0.4×',
      higherIsBetter: false,
    }));
  } finally {
    await server.close();
  }
}

// `node bin/run-ts.js bench/pageweight.ts URL`: weigh the pages of a server already running.
if (process.argv[1]?.endsWith('pageweight.ts') && process.argv[2]) {
  const weights = await weighPages(process.argv[2].replace(/\/$/, ''));
  for (const w of weights) console.log(JSON.stringify(w));
  process.exit(0);
}
