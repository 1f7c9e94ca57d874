// The fault and flow labs in a real browser against the real server (in-process): the ghost lab
// spawns simulated clients, blackholes them with heartbeats on and shows the believed-online count
// fall to the really-alive count; the backpressure lab runs "drop oldest" against a paused
// consumer and shows drops counted; every lab is screenshotted at 1280×720, light and dark.
import { expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import type { WslabServer } from '../../server/app.ts';
import { describeWithChromium, screenshot } from '../helpers/chromium.ts';
import { useBrowserSuite } from '../helpers/browser-suite.ts';

describeWithChromium('fault and flow labs in Chromium', () => {
  let server: WslabServer;
  let page: Page;

  useBrowserSuite((suite) => ({ server, page } = suite), { timeoutMs: 10_000 });

  const figure = (id: string) => page.getByTestId(id).textContent();

  /** The top of the page at 1280×720 in light and dark, and the whole page in light. */
  async function shoot(name: string): Promise<void> {
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.emulateMedia({ colorScheme: 'light' });
    await screenshot(page, `${name}-light`);
    await screenshot(page, `${name}-full-light`, { fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.waitForTimeout(100); // the charts redraw in the new theme
    await screenshot(page, `${name}-dark`);
    await page.emulateMedia({ colorScheme: 'light' });
  }

  test('/labs lists the labs and each loads by its own URL', async () => {
    const res = await page.goto(`${server.url}/labs`);
    expect(res?.status()).toBe(200);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Labs');
    expect(await page.locator('.lab-index a').allTextContents()).toEqual(['Same feed, four transports', 'Ghost connections and heartbeats', 'Backpressure', 'Client lifecycle and reconnects', 'Chat, fan-out and scale', 'Head-of-line blocking', 'Same payload as JSON, binary, compressed']);
  });

  test('ghost lab: 30 clients, 12 blackholed with heartbeats at 200 ms × 2, the believed count falls from 30 to the 18 really alive', async () => {
    await page.goto(`${server.url}/labs/ghosts`);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Ghost connections and heartbeats');
    await page.getByLabel('Ping every (ms)').fill('200');
    await page.getByLabel('Misses allowed').fill('2');
    await page.getByLabel('How many').fill('30');
    await page.getByRole('button', { name: 'Spawn 30' }).click();
    await expect.poll(() => figure('believed'), { timeout: 10_000 }).toBe('30');
    await expect.poll(() => figure('alive')).toBe('30');
    await page.getByLabel('Into the tunnel').fill('12');
    await page.getByRole('button', { name: 'Blackhole 12' }).click();
    await expect.poll(() => figure('alive'), { timeout: 5000 }).toBe('18');
    await expect.poll(() => figure('blackholed')).toBe('12');
    // the heartbeat finds the 12 ghosts within 600 ms; the server's count falls to the alive count
    await expect.poll(() => figure('believed'), { timeout: 5000 }).toBe('18');
    expect(await figure('ghosts')).toBe('0');
    expect(await figure('state')).toBe('288 KiB'); // 18 × 16 KiB of per-connection state left
    // the two bars: a real poll against a real ping + pong
    await page.getByRole('button', { name: 'Measure both' }).click();
    await page.getByTestId('pingpong-bytes').waitFor();
    const poll = Number((await figure('poll-bytes'))!.replace(/[^\d]/g, ''));
    const pair = Number((await figure('pingpong-bytes'))!.replace(/[^\d]/g, ''));
    expect(pair).toBeLessThan(30);
    expect(poll).toBeGreaterThan(700);
    await page.waitForTimeout(600); // let the charts draw a few more points
    await shoot('labs-ghosts');
    await page.getByRole('button', { name: 'Remove all clients' }).click();
  });

  test('backpressure lab: "drop oldest" against a paused consumer counts drops, and the books balance', async () => {
    await page.goto(`${server.url}/labs/backpressure`);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Backpressure');
    await page.getByLabel('Messages / s').fill('8000');
    await page.getByRole('radio', { name: /Drop oldest/ }).check();
    await page.getByRole('button', { name: 'Start producer and consumer' }).click();
    await expect.poll(async () => Number((await figure('dropped'))?.replace(/[^\d]/g, '') || 0), { timeout: 15_000 }).toBeGreaterThan(0);
    const books = (await page.getByTestId('books').textContent())!;
    const [produced, delivered, dropped, queued] = [...books.matchAll(/[\d,]+/g)].map((m) => Number(m[0].replace(/,/g, '')));
    expect(produced).toBe(delivered + dropped + queued);
    await page.waitForTimeout(1500);
    await shoot('labs-backpressure');
    await page.getByRole('button', { name: /^Stop/ }).click();
  });

  test("backpressure lab: a throttled consumer — the link's limit and the consumer's rate shown, the link panel in sync, the kernel-buffer phase explained", async () => {
    await page.goto(`${server.url}/labs/backpressure`);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Backpressure');
    await page.getByRole('radio', { name: 'Throttled' }).check();
    await page.getByRole('button', { name: 'Start producer and consumer' }).click();
    await expect.poll(() => page.getByTestId('link-rates').textContent(), { timeout: 15_000 }).toMatch(/^link limit 100,000 B\/s · consumer\s+receives [\d,]+ B\/s$/);
    expect(await page.getByLabel(/Down: server → client/).inputValue()).toBe('100000');
    // the default producer outruns 100,000 B/s: "delivered" stalls while the kernels' buffers drain to the consumer
    await expect.poll(() => page.getByTestId('kernel-phase').count(), { timeout: 30_000 }).toBe(1);
    expect(await page.getByTestId('kernel-phase').textContent()).toMatch(/The consumer is reading \([\d,]+ B\/s through the link\), yet “delivered” has not moved for \d+ s/);
    await page.getByRole('button', { name: /^Stop/ }).click();
  });

  test('lifecycle lab: a link reset drops the client, which reconnects by itself', async () => {
    await page.goto(`${server.url}/labs/lifecycle`);
    await page.getByLabel('Base (ms)').fill('200');
    await page.getByRole('button', { name: 'Connect' }).click();
    await expect.poll(() => page.getByTestId('rc-state').textContent(), { timeout: 5000 }).toBe('open');
    await page.getByRole('button', { name: 'Reset (RST)' }).click();
    await expect.poll(() => page.locator('.lab-outcome.dropped').count(), { timeout: 5000 }).toBe(1);
    await expect.poll(() => page.getByTestId('rc-state').textContent(), { timeout: 5000 }).toBe('open');
    await shoot('labs-lifecycle');
  });
});
