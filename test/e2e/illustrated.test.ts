// /illustrated in Chromium against the real server: the page renders a card per record of the
// committed trace, a click on a field opens its explanation and RFC section, and "Run it live"
// repeats the session on this server and reports that only the bytes the RFC makes random differ.
import { expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import type { WslabServer } from '../../server/app.ts';
import { describeWithChromium, screenshot } from '../helpers/chromium.ts';
import { useBrowserSuite } from '../helpers/browser-suite.ts';

describeWithChromium('the illustrated connection in Chromium', () => {
  let server: WslabServer;
  let page: Page;

  useBrowserSuite((suite) => ({ server, page } = suite), { timeoutMs: 15_000, page: { viewport: { width: 1440, height: 900 } } });

  test('renders every record with its bytes, and a field click shows what it means', async () => {
    await page.goto(`${server.url}/revise`);
    await page.getByRole('link', { name: 'the illustrated connection' }).click();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/illustrated');
    const cards = page.locator('[data-testid="ill-card"]');
    await expect.poll(() => cards.count()).toBe(15);
    expect(await cards.nth(1).locator('.ill-cap').nth(4).textContent()).toBe('Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==');
    const hello = cards.nth(3);
    expect(await hello.locator('h3').textContent()).toBe('Client text message, masked');
    expect(await hello.locator('.ill-span .ill-hex').allTextContents()).toEqual(['81', '85', '37 fa 21 3d', '7f 9f 4d 51 58']);
    await screenshot(page, 'illustrated-1440');
    await hello.locator('.ill-span[data-field="Masking key"]').click();
    const detail = hello.locator('[data-testid="field-explanation"]');
    expect(await detail.locator('h4').textContent()).toBe('Masking key bytes 2–5');
    expect(await detail.locator('a').getAttribute('href')).toBe('https://www.rfc-editor.org/rfc/rfc6455#section-5.3');
    await hello.locator('.ill-span[data-field="FIN · RSV · opcode"]').click();
    expect(await detail.locator('.ill-bits tr').allTextContents()).toEqual([
      'FIN1FIN = 1: the last frame of its message',
      'RSV10RSV1 = 0: not compressed',
      'RSV20RSV2 = 0: no extension uses it',
      'RSV30RSV3 = 0: no extension uses it',
      'OPCODE0001opcode 1 = TEXT',
    ]);
    await hello.scrollIntoViewIfNeeded();
    await screenshot(page, 'illustrated-field-1440');
  });

  test('run it live shows the same bytes except the key, the accept, the Host and the masks', async () => {
    await page.goto(`${server.url}/illustrated`);
    await page.locator('button.ill-run').click();
    const summary = page.locator('[data-testid="live-summary"]');
    await summary.waitFor();
    expect(await summary.getAttribute('data-unexpected')).toBe('0');
    expect(await summary.locator('p').first().textContent()).toBe('Live run: all 15 records match the committed trace byte for byte, except these (dashed outline below):');
    expect(await summary.locator('li').allTextContents()).toEqual([
      "the Host header: not random, but a live run names this server's real address and port",
      'the key: RFC 6455 §4.1 asks for 16 fresh random bytes per connection',
      'the accept: it is computed from the random key, so it changes with it',
      'a masking key: RFC 6455 §5.3 asks for a fresh unpredictable key per frame',
      'masked payload: these bytes are the text XOR the random masking key, so they change with it (the unmasked text does not)',
    ]);
    const echo = page.locator('[data-testid="ill-card"]').nth(4);
    expect(await echo.locator('.ill-same').textContent()).toBe('Live: the same bytes.');
    expect(await echo.locator('.ill-span .ill-hex').allTextContents()).toEqual(['81', '05', '48 65 6c 6c 6f']);
    const hello = page.locator('[data-testid="ill-card"]').nth(3);
    expect(await hello.locator('.ill-diffs li').count()).toBe(2);
    await screenshot(page, 'illustrated-live-1440');
  });

  test('fits a phone: no sideways scrolling at 390x844', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${server.url}/illustrated`);
    await page.locator('[data-testid="ill-card"]').nth(2).waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(page, 'illustrated-390');
    await page.locator('[data-testid="ill-card"]').nth(2).scrollIntoViewIfNeeded();
    await screenshot(page, 'illustrated-handshake-390');
  });
});
