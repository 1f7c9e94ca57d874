// The transports lab in a real browser against the real server: Start runs a short-poll loop, a
// long-poll loop, an EventSource and a WebSocket in the page; each must receive updates with a
// measured cost per update, the polls must be seen riding a reused keep-alive connection, and Stop
// must leave nothing held on the server. Screenshots at 1280×720, light and dark.
import { expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import type { WslabServer } from '../../server/app.ts';
import { describeWithChromium, screenshot } from '../helpers/chromium.ts';
import { useBrowserSuite } from '../helpers/browser-suite.ts';

const N = 6;

describeWithChromium('transports lab in Chromium', () => {
  let server: WslabServer;
  let page: Page;

  useBrowserSuite((suite) => ({ server, page } = suite), { timeoutMs: 10_000 });

  const text = async (id: string) => (await page.getByTestId(id).textContent()) ?? '';
  const number = async (id: string) => Number((await text(id)).replace(/[^\d.]/g, '') || 0);

  test(`Start: all four transports receive ≥ ${N} updates with a measured cost, the polls reuse a connection; Stop releases everything`, async () => {
    await page.goto(`${server.url}/labs/transports`);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Same feed, four transports');
    await page.getByRole('button', { name: 'Start' }).click();
    for (const k of ['poll', 'long', 'sse', 'ws']) {
      await expect.poll(() => number(`${k}-updates`), { timeout: 15_000, message: `${k} updates` }).toBeGreaterThanOrEqual(N);
      await expect.poll(() => number(`${k}-bpu`), { timeout: 5000, message: `${k} bytes per update` }).toBeGreaterThan(0);
    }
    await expect.poll(() => page.getByTestId('poll-reuse').getAttribute('data-reused'), { timeout: 5000 }).toBe('true');
    // the same seq reached every transport: the WebSocket and SSE payloads are one update's JSON
    expect(JSON.parse(await text('ws-payload'))).toHaveProperty('seq');
    expect(JSON.parse(await text('poll-payload'))).toHaveProperty('updates');
    // push beats asking: the streams' updates cost fewer bytes than a poll's
    expect(await number('ws-bpu')).toBeLessThan(await number('poll-bpu'));
    expect(await number('sse-bpu')).toBeLessThan(await number('long-bpu'));
    const figures: Record<string, string> = {};
    for (const k of ['poll', 'long', 'sse', 'ws']) figures[k] = `${await text(`${k}-bpu`)} per update, ${await text(`${k}-latency`)} mean, ${await text(`${k}-reuse`)}`;
    console.log('[transports lab]', JSON.stringify(figures, null, 1));

    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'labs-transports-light');
    await screenshot(page, 'labs-transports-full-light', { fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.waitForTimeout(150); // the chart redraws in the new theme
    await screenshot(page, 'labs-transports-dark');
    await screenshot(page, 'labs-transports-full-dark', { fullPage: true });
    await page.emulateMedia({ colorScheme: 'light' });

    await page.getByRole('button', { name: 'Stop' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Start' }).isEnabled()).toBe(true);
    await expect.poll(async () => {
      const held = server.transports.held();
      return held.long + held.sse + held.ws + held.stats;
    }, { timeout: 5000 }).toBe(0);
    expect(await text('tx-status')).toMatch(/^stopped/);
  });

  // Node closes a keep-alive connection after keepAliveTimeout (5 s, announced in Keep-Alive:
  // timeout=5) plus one second of grace it adds itself; 7 s between polls is past both.
  test('polling slower than the keep-alive timeout: each poll comes on a new connection', async () => {
    await page.getByLabel('Poll every (ms)').fill('7000');
    await page.getByRole('button', { name: 'Start' }).click();
    await expect.poll(() => number('poll-requests'), { timeout: 25_000 }).toBeGreaterThanOrEqual(3);
    const reuse = await text('poll-reuse');
    const chips = await page.getByTestId('poll-connections').locator('li').allTextContents();
    console.log('[transports lab, 7 s polls]', reuse, chips);
    expect(await page.getByTestId('poll-reuse').getAttribute('data-reused')).toBe('false');
    expect(chips.length).toBe(await number('poll-requests'));
    await page.getByRole('button', { name: 'Stop' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Start' }).isEnabled()).toBe(true);
  });
});
