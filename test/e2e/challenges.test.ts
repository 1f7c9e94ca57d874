// Challenges from the page: the learner solves "Hello, echo" with the terminal's browser WebSocket
// (which carries the page's wslab_session cookie) and "A foreign page knocks" with a puppet whose
// path the page tags with the learner's session; /challenges and the lesson show them solved,
// live, with nothing but what crossed the wire.
import { expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import type { WslabServer } from '../../server/app.ts';
import { describeWithChromium } from '../helpers/chromium.ts';
import { useBrowserSuite } from '../helpers/browser-suite.ts';
import { CHALLENGES } from '../../server/core/challenges/list.ts';

const SHOTS = process.env.WSLAB_SHOTS_DIR;

describeWithChromium('challenges in Chromium', () => {
  let server: WslabServer;
  let page: Page;
  useBrowserSuite((s) => ({ server, page } = s), { timeoutMs: 10_000 });

  const solvedIds = () => page.locator('.challenge[data-solved="true"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-challenge')));

  async function typeInTerminal(line: string) {
    await page.locator('.terminal-host .xterm').click();
    await page.keyboard.type(line);
    await page.keyboard.press('Enter');
  }
  const terminalText = () => page.evaluate(() => (window as unknown as { __wslabTerminalText?: () => string }).__wslabTerminalText?.() ?? '');

  async function shoot(name: string) {
    if (!SHOTS) return;
    for (const [w, h] of [[1440, 900], [390, 844]] as const) {
      await page.setViewportSize({ width: w, height: h });
      await page.screenshot({ path: `${SHOTS}/${name}-${w}x${h}.png`, fullPage: false });
    }
    await page.setViewportSize({ width: 1280, height: 720 });
  }

  test('the testing lesson lists its challenge unsolved; the terminal solves it and a puppet with a foreign Origin solves origin-403', async () => {
    await page.goto(`${server.url}/lessons/testing`);
    const card = page.locator('.challenge[data-challenge="first-echo"]');
    await expect.poll(() => card.getAttribute('data-solved')).toBe('false');
    expect(await card.locator('.challenge-goal').textContent()).toBe(CHALLENGES.find((c) => c.id === 'first-echo')!.goal);

    await page.goto(`${server.url}/playground?tab=terminal`);
    await typeInTerminal('connect /lab/echo');
    await expect.poll(terminalText).toContain('1 OPEN');
    await typeInTerminal('send hello');
    await expect.poll(terminalText).toMatch(/< hello/);
    await typeInTerminal('connect /lab/echo -H "Origin: http://evil.example"');
    await expect.poll(terminalText).toMatch(/403/);

    await page.goto(`${server.url}/challenges`);
    await expect.poll(solvedIds).toEqual(['first-handshake', 'origin-403', 'first-echo']);
    expect(await page.getByTestId('challenge-count').textContent()).toBe(`3 of ${CHALLENGES.length} solved`);
    await shoot('challenges');

    await page.goto(`${server.url}/lessons/testing#challenges`);
    await expect.poll(() => page.locator('.challenge[data-challenge="first-echo"]').getAttribute('data-solved')).toBe('true');
    await page.locator('#challenges').scrollIntoViewIfNeeded();
    await shoot('lesson-testing');
  });

  test('solved state arrives live on an open /challenges page, from a WebSocket the page opens without reloading', async () => {
    await page.goto(`${server.url}/challenges`);
    await expect.poll(solvedIds).toContain('first-echo');
    expect(await solvedIds()).not.toContain('app-close-4000');
    // a script's WebSocket in the same page: it carries the same cookie
    await page.evaluate(
      (url) =>
        new Promise<void>((resolve) => {
          const ws = new WebSocket(url);
          ws.onopen = () => ws.close(4000, 'done');
          ws.onclose = () => resolve();
        }),
      `${server.url.replace('http', 'ws')}/lab/echo`,
    );
    await expect.poll(solvedIds, { timeout: 8000 }).toContain('app-close-4000');
  });
});
