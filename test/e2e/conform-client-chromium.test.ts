// /conform/client in real Chromium: the page runs Chromium's own WebSocket through the served
// cases (the main server's /__wslab/conform/serve), each case ticks as it is judged, and the
// verdicts are exactly what Chromium does with what the server sends.
import { expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import type { WslabServer } from '../../server/app.ts';
import { describeWithChromium } from '../helpers/chromium.ts';
import { useBrowserSuite } from '../helpers/browser-suite.ts';
import WebSocket from 'ws';
import { CASES } from '../../server/core/conform/cases.ts';
import { servedCases } from '../../server/core/conform/serve.ts';

const SHOTS = process.env.WSLAB_SHOTS_DIR;

/**
 * Chromium's verdicts in chapters 2 and 7 besides OK/OK. It answers every Ping, but answers a
 * Close carrying a code no endpoint may send (0, 999, 1004, 1016, 1100, 2000, 2999) by echoing
 * that code instead of failing the connection with 1002; 1005 and 1006 it does refuse.
 */
const CHROMIUM_2_7: Record<string, [string, string]> = {
  '7.1.6': ['INFORMATIONAL', 'INFORMATIONAL'],
  '7.9.1': ['FAILED', 'WRONG CODE'],
  '7.9.2': ['FAILED', 'WRONG CODE'],
  '7.9.3': ['FAILED', 'WRONG CODE'],
  '7.9.6': ['FAILED', 'WRONG CODE'],
  '7.9.7': ['FAILED', 'WRONG CODE'],
  '7.9.8': ['FAILED', 'WRONG CODE'],
  '7.9.9': ['FAILED', 'WRONG CODE'],
  '7.13.1': ['INFORMATIONAL', 'INFORMATIONAL'],
  '7.13.2': ['INFORMATIONAL', 'INFORMATIONAL'],
};

describeWithChromium('the browser as the conformance client', () => {
  let server: WslabServer;
  let page: Page;
  useBrowserSuite((s) => ({ server, page } = s), { timeoutMs: 10_000 });

  const verdicts = () =>
    page.locator('.cc-case').evaluateAll((els) => els.map((e) => [e.getAttribute('data-case'), e.getAttribute('data-behavior'), e.getAttribute('data-close')] as const));

  async function shoot(name: string, at?: string) {
    if (!SHOTS) return;
    for (const [w, h] of [[1440, 900], [390, 844]] as const) {
      await page.setViewportSize({ width: w, height: h });
      if (at) await page.locator(at).evaluate((e) => e.scrollIntoView({ block: 'center' }));
      await page.screenshot({ path: `${SHOTS}/${name}-${w}x${h}.png`, fullPage: false });
    }
    await page.setViewportSize({ width: 1280, height: 720 });
  }

  test("chapters 2 and 7 run with Chromium's own WebSocket: the cases tick one by one and end with Chromium's exact verdicts, each with its rule and why", async () => {
    await page.goto(`${server.url}/conform/client?chapters=2,7`);
    const ids = CASES.filter((c) => /^[27]\./.test(c.id)).map((c) => c.id);
    await page.getByRole('button', { name: `Run ${ids.length} cases` }).click();
    // ticking: some cases judged while others are still to run
    await expect.poll(async () => (await verdicts()).filter(([, b]) => b !== '').length, { timeout: 60_000 }).toBeGreaterThan(0);
    await expect.poll(() => page.getByTestId('cc-summary').getAttribute('data-state'), { timeout: 300_000 }).toBe('done');
    const all = await verdicts();
    expect(all.map(([id]) => id)).toEqual(ids);
    expect(Object.fromEntries(all.filter(([, b, c]) => b !== 'OK' || c !== 'OK').map(([id, b, c]) => [id, [b, c]]))).toEqual(CHROMIUM_2_7);
    await expect.poll(() => page.getByTestId('cc-progress').textContent()).toBe(`${ids.length} of ${ids.length} judged`);
    await expect.poll(() => page.getByTestId('cc-summary').textContent()).toContain(`${ids.length - 10} OK`);
    await expect.poll(() => page.getByTestId('cc-summary').textContent()).toContain('7 FAILED');

    const failed = page.locator('.cc-case[data-case="7.9.1"]');
    await expect.poll(() => failed.locator('.cc-rfc').textContent()).toBe('RFC 6455 §7.4.1');
    await expect.poll(() => failed.locator('.cc-why').textContent()).toContain('0 may never be sent in a Close frame (0-999 are unused), so the client fails the connection (1002).');
    await expect.poll(() => failed.locator('.cc-why').textContent()).toContain("the client's close code was 0; it should have been 1002 (or none).");
    const ok = page.locator('.cc-case[data-case="2.2"]');
    await expect.poll(() => ok.locator('.cc-verdict').textContent()).toBe('OK');
    await ok.locator('summary').click();
    await expect.poll(() => ok.locator('.cc-why').textContent()).toBe('A Ping must be answered by a Pong with the same payload. The client did exactly that.');
    await shoot('conform-client');
    await shoot('conform-client-failed', '.cc-case[data-case="7.9.1"]');
  }, 400_000);

  test('the fuzzing endpoints on the main server keep its Origin rule: a foreign Origin is refused with 403, no Origin (a script) is served', async () => {
    const wsUrl = server.url.replace(/^http/, 'ws') + '/__wslab/conform/serve/getCaseCount';
    const open = (origin?: string) =>
      new Promise<{ status: number; messages: string[] }>((resolve) => {
        const ws = new WebSocket(wsUrl, origin ? { origin } : {});
        const messages: string[] = [];
        ws.on('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0, messages }));
        ws.on('message', (d) => messages.push(String(d)));
        ws.on('close', () => resolve({ status: 101, messages }));
        ws.on('error', () => {});
      });
    expect(await open('http://evil.example')).toEqual({ status: 403, messages: [] });
    expect(await open()).toEqual({ status: 101, messages: [String(servedCases(CASES).length)] });
  });
});
