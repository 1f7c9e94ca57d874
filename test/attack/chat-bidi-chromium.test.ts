// A hostile participant's U+202E RIGHT-TO-LEFT OVERRIDE in a chat message (issue 12, item 8): in
// the chat view the message text is followed on the same line by "via n1"; without isolation the
// override reverses it ("1n aiv"). Measured in Chromium from the glyphs' positions: the characters
// of "via" must run left to right. The same measurement on a line built without <bdi> shows the
// reversal, so the check can tell.
import { mkdirSync } from 'node:fs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { WslabServer } from '../../server/app.ts';
import { describeWithChromium } from '../helpers/chromium.ts';
import { useBrowserSuite } from '../helpers/browser-suite.ts';
import { ChatClient, login, nodeUrl } from '../helpers/chat.ts';

const SHOTS = process.env.WSLAB_SHOTS ?? '/work/shots/fleet';
const EVIL = 'look \u202Eevil text';

/** The left edge of each character of the first text node of `el` matching `text`, in order. */
async function lefts(page: Page, selector: string, text: string): Promise<number[]> {
  return page.evaluate(
    ([sel, t]) => {
      const el = [...document.querySelectorAll(sel)].find((e) => e.textContent?.includes(t));
      if (!el) throw new Error(`no ${sel} with ${t}`);
      const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const at = n.textContent!.indexOf(t);
        if (at < 0) continue;
        const out: number[] = [];
        for (let i = 0; i < t.length; i++) {
          const r = document.createRange();
          r.setStart(n, at + i);
          r.setEnd(n, at + i + 1);
          out.push(r.getBoundingClientRect().left);
        }
        return out;
      }
      throw new Error(`no text node with ${t}`);
    },
    [selector, text] as const,
  );
}

const increasing = (xs: number[]) => xs.every((x, i) => i === 0 || x > xs[i - 1]);
const decreasing = (xs: number[]) => xs.every((x, i) => i === 0 || x < xs[i - 1]);

describeWithChromium('bidi overrides in the chat view', () => {
  let server: WslabServer;
  let browser: Browser;
  let mallory: ChatClient;

  useBrowserSuite((s) => ({ server, browser } = s), { server: { heartbeat: { intervalMs: 0 }, fanout: { nodes: 1 } } });
  beforeAll(() => {
    mkdirSync(SHOTS, { recursive: true });
  });
  afterAll(async () => {
    await mallory?.terminate();
  });

  for (const viewport of [
    { width: 1440, height: 900 },
    { width: 390, height: 844 },
  ]) {
    test(`a U+202E chat message does not reverse the "via n1" after it (${viewport.width}×${viewport.height})`, async () => {
      const page = await browser.newPage({ viewport });
      try {
        await page.goto(`${server.url}/labs/chat`);
        const a = page.getByTestId('chat-client-A');
        const who = `ada${viewport.width}`;
        await a.getByLabel('User').fill(who);
        await a.getByRole('button', { name: 'Login' }).click();
        await expect.poll(() => a.locator('.chat-token').textContent()).toMatch(/^JWT /);
        await a.getByRole('button', { name: 'Connect' }).click();
        await expect.poll(() => page.getByTestId('chat-status-A').textContent()).toBe('open');
        await a.getByLabel('Room').fill('lobby');
        await a.getByRole('button', { name: 'Join' }).click();
        await expect.poll(() => page.getByTestId('chat-feed-A').textContent()).toContain('room lobby');

        mallory ??= await ChatClient.signedIn(nodeUrl(server, 0), await login(server, 'mallory'));
        if (!mallory.received.some((m) => m.type === 'ack' && m.payload.room === 'lobby')) await mallory.join('lobby');
        await mallory.request('chat', { room: 'lobby', text: EVIL });

        const line = page.getByTestId('chat-feed-A').locator('li', { hasText: 'evil text' });
        await expect.poll(() => line.count()).toBe(1);
        expect(await line.locator('.chat-text').evaluate((el) => el.tagName)).toBe('BDI');
        const via = await lefts(page, '[data-testid="chat-feed-A"] li .chat-via', 'via');
        expect(increasing(via), `x of "via": ${via.join(', ')}`).toBe(true);

        // the same line without isolation: the override does reverse what follows (the check can tell)
        await page.evaluate((evil) => {
          const li = document.createElement('li');
          li.id = 'unisolated';
          li.innerHTML = `<span></span> <span class="after">via n1</span>`;
          li.firstElementChild!.textContent = evil;
          document.querySelector('[data-testid="chat-feed-A"]')!.append(li);
        }, EVIL);
        const bare = await lefts(page, '#unisolated .after', 'via');
        expect(decreasing(bare), `x of "via" without bdi: ${bare.join(', ')}`).toBe(true);
        await page.evaluate(() => document.getElementById('unisolated')!.remove());

        await line.scrollIntoViewIfNeeded();
        await page.screenshot({ path: `${SHOTS}/chat-bidi-${viewport.width}x${viewport.height}.png` });
      } finally {
        await page.close();
      }
    });
  }
});
