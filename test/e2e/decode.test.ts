// The /decode page in a real browser against the real server: deep link, live decoding,
// the anatomy's field explanations, a violation pinned to its byte, and screenshots.
import { expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { WslabServer } from '../../server/app.ts';
import { describeWithChromium, screenshot } from '../helpers/chromium.ts';
import { useBrowserSuite } from '../helpers/browser-suite.ts';

const RFC_HELLO = '81 85 37 fa 21 3d 7f 9f 4d 51 58';
const UNMASKED_CLIENT = '81 05 48 65 6c 6c 6f';

describeWithChromium('/decode in Chromium', () => {
  let server: WslabServer;
  let browser: Browser;
  let page: Page;

  useBrowserSuite((suite) => ({ server, browser, page } = suite));

  const card = () => page.locator('article.frame-card').first();
  const field = (name: string) => card().locator(`[data-field="${name}"]`).first();

  test('a deep link loads the page', async () => {
    const res = await page.goto(`${server.url}/decode`);
    expect(res?.status()).toBe(200);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Decode frames');
  });

  test('decodes the RFC 6455 §5.7 masked Hello sent by a client', async () => {
    await page.getByLabel(/client → server/).check();
    await page.locator('#hex-input').fill(RFC_HELLO);
    await card().waitFor();

    expect(await field('opcode').getAttribute('aria-label')).toBe('Opcode: 0x1 text (1)');
    expect(await field('mask').getAttribute('aria-label')).toBe('MASK: 1');
    expect(await field('payloadLength7').getAttribute('aria-label')).toBe('Payload len (7 bits): 5');
    expect(await field('maskingKey').getAttribute('aria-label')).toBe('Masking-key (32 bits): 37 fa 21 3d');
    expect(await card().locator('.payload-text pre').textContent()).toBe('Hello');
    // the XOR table shows the key repeating under the masked bytes
    expect(await card().locator('.xor-key td').allTextContents()).toEqual(['37', 'fa', '21', '3d', '37']);

    // the input is reflected in the URL, so the link reproduces the view
    const url = new URL(page.url());
    expect(url.pathname).toBe('/decode');
    expect(url.searchParams.get('hex')).toBe(RFC_HELLO);
    expect(url.searchParams.get('dir')).toBe('client');
    await screenshot(page, 'decode-masked-hello');
  });

  test('clicking the opcode field explains it', async () => {
    await field('opcode').click();
    const detail = card().locator('.field-detail');
    await expect.poll(() => detail.textContent()).toContain('A text frame');
    const text = (await detail.textContent()) ?? '';
    expect(text).toContain('Opcode = 0x1 text (1)');
    expect(text).toContain('§5.6');
    await screenshot(page, 'decode-opcode-explained');
  });

  test('an unmasked client frame is a violation: 1002 at byte 1, highlighted in the dump', async () => {
    await page.locator('#hex-input').fill(UNMASKED_CLIENT);
    const violation = page.locator('aside.violation');
    await violation.waitFor();
    expect(await violation.locator('.close-code').first().textContent()).toBe('1002');
    expect(await violation.locator('.violation-offset').textContent()).toBe('1');
    const pinned = page.locator('.dump .violation-byte');
    expect(await pinned.count()).toBe(1);
    expect(await pinned.getAttribute('data-offset')).toBe('1');
    expect(await pinned.textContent()).toBe('05');
    await screenshot(page, 'decode-violation');
  });

  test('the same link, opened fresh, reproduces the view', async () => {
    const link = page.url();
    const fresh = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    try {
      await fresh.goto(link);
      await fresh.locator('aside.violation').waitFor();
      expect(await fresh.locator('#hex-input').inputValue()).toBe(UNMASKED_CLIENT);
      expect(await fresh.getByLabel(/client → server/).isChecked()).toBe(true);
    } finally {
      await fresh.close();
    }
  });

  test('screenshots at 1280×720 in light and dark', async () => {
    const link = `${server.url}/decode?hex=${encodeURIComponent(RFC_HELLO)}&dir=client`;
    for (const scheme of ['light', 'dark'] as const) {
      const p = await browser.newPage({ viewport: { width: 1280, height: 720 }, colorScheme: scheme });
      try {
        await p.goto(link);
        await p.locator('article.frame-card').first().waitFor();
        await p.locator('article.frame-card [data-field="opcode"]').first().click();
        // frame the result: the status line at the top, the anatomy and its explanation below
        await p.evaluate(() => document.querySelector('.status')?.scrollIntoView());
        await screenshot(p, `decode-${scheme}`);
      } finally {
        await p.close();
      }
    }
  });
});
