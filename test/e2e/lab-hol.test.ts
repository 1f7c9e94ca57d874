// The head-of-line blocking lab in a real browser against a real server in workshop mode, as a
// participant (no presenter key: the page throttles its own link connections with a tag
// selector). A 512 KiB bulk message and a 10-byte urgent one through links throttled to
// 500,000 B/s: on one connection the urgent message's acknowledgement waits for the whole bulk
// frame; on two it is back at once. Screenshots at 1280×720, light and dark.
//
// Tolerances: the bulk frame is 524,302 bytes; the link's token bucket lets 50 ms of them (25,000)
// through at once, so the rest need ≥ 998 ms (asserted ≥ 950 ms, page-clock rounding included) and,
// on two shared cores, at most ×1.25 + 500 ms. "At once" is under 300 ms.
import { afterAll, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import type { WslabServer } from '../../server/app.ts';
import { describeWithChromium, screenshot } from '../helpers/chromium.ts';
import { useBrowserSuite } from '../helpers/browser-suite.ts';
import { collect, type Collector } from '../helpers/server.ts';

const BULK = 512 * 1024;
const RATE = 500_000;
const IDEAL_MS = ((BULK + 14) / RATE) * 1000;
const MIN_MS = 950;
const MAX_MS = IDEAL_MS * 1.25 + 500;

describeWithChromium('head-of-line blocking lab in Chromium', () => {
  let server: WslabServer;
  let page: Page;
  let log: Collector;

  useBrowserSuite(
    (suite) => {
      ({ server, page } = suite);
      log = collect(server);
    },
    { timeoutMs: 10_000, server: { workshop: true } },
  );

  afterAll(() => {
    log?.stop();
  });

  const ms = async (id: string) => {
    const text = (await page.getByTestId(id).textContent()) ?? '';
    expect(text, id).toMatch(/ ms$/);
    return Number(text.replace(/[^\d.]/g, ''));
  };

  async function runAndWait(button: string, n: number): Promise<{ urgent: number; bulk: number; order: string }> {
    await page.getByRole('button', { name: button }).click();
    await expect.poll(() => page.getByTestId('hol-last-run').textContent(), { timeout: 15_000 }).toMatch(new RegExp(`^Run #${n}, .*B/s$`));
    await expect.poll(() => page.getByTestId('hol-bulk').textContent(), { timeout: 15_000 }).toMatch(/ ms$/);
    await expect.poll(() => page.getByTestId('hol-order').textContent()).toMatch(/^(after|before)$/);
    return { urgent: await ms('hol-urgent'), bulk: await ms('hol-bulk'), order: (await page.getByTestId('hol-order').textContent())! };
  }

  test('one connection: the urgent message waits for the bulk one; two connections: it does not; the tap saw the frames in order', async () => {
    await page.goto(`${server.url}/labs/hol`);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Head-of-line blocking');
    await page.getByLabel('Bulk message').selectOption(String(BULK));
    await page.getByLabel('Link rate up, each connection (B/s)').fill(String(RATE));
    await expect.poll(() => page.getByTestId('hol-expect').textContent()).toBe('512 KiB in one masked frame is 524,302 bytes on the wire: about 1.05 s at 500,000 B/s. ');

    const one = await runAndWait('Run on one connection', 1);
    console.log('[hol lab] one connection', one);
    expect(one.order).toBe('after');
    expect(one.urgent).toBeGreaterThanOrEqual(one.bulk);
    expect(one.urgent).toBeGreaterThanOrEqual(MIN_MS);
    expect(one.urgent).toBeLessThanOrEqual(MAX_MS);
    expect(await page.getByTestId('hol-rate').textContent()).toBe('500,000');

    // the run's connection, linked to the inspector, carried both messages in the order sent
    const href = await page.getByTestId('hol-run-1').getByRole('link').getAttribute('href');
    const conn = /conn=(c\d+)$/.exec(href ?? '')?.[1];
    expect(conn, href ?? '').toBeTruthy();
    const msgs = log.ofType('message', conn).filter((e) => e.dir === 'c2s');
    expect(msgs.map((e) => [e.opcodeName, e.length])).toEqual([
      ['BINARY', BULK],
      ['TEXT', 10],
    ]);
    expect(msgs[1].text).toBe('urgent 001');

    const two = await runAndWait('Run on two connections', 2);
    console.log('[hol lab] two connections', two);
    expect(two.order).toBe('before');
    // on its own connection the urgent message does not wait for the bulk one: it is back in a
    // small fraction of the time the bulk one takes to cross the throttled link, measured in this run
    expect(two.urgent).toBeLessThan(two.bulk / 4);
    expect(two.bulk).toBeGreaterThanOrEqual(MIN_MS);
    expect(two.bulk).toBeLessThanOrEqual(MAX_MS);
    expect(await page.getByTestId('hol-run-2').getByRole('link').count()).toBe(2);
    expect(await page.getByTestId('hol-timeline').locator('.hol-bar').count()).toBe(4);
    // the throttle went away with the sockets: no link connection of this page is left
    await expect.poll(async () => ((await (await fetch(`${server.url}/__wslab/link`)).json()) as { count: number }).count).toBe(0);

    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'labs-hol-light');
    await screenshot(page, 'labs-hol-full-light', { fullPage: true });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.waitForTimeout(150);
    await screenshot(page, 'labs-hol-dark');
    await screenshot(page, 'labs-hol-full-dark', { fullPage: true });
    await page.emulateMedia({ colorScheme: 'light' });
  });
});
