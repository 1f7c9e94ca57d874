// Scrolling back in a workshop keeps the participant's scope: Ada's /inspect (her wslab_session
// cookie) loads older windows with GET since/until and lists only her own frames, never Bob's, and
// counts only the older events she may read; windows holding nothing of hers are read on through.
import { afterAll, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import WebSocket from 'ws';
import type { WslabServer } from '../../server/app.ts';
import type { WslabEvent } from '../../server/core/events/schema.ts';
import { describeWithChromium, screenshot } from '../helpers/chromium.ts';
import { useBrowserSuite } from '../helpers/browser-suite.ts';

const KEY = 'presenter-key-for-tests-0001';
const ADA = 'ada-scrollback-session';
const BOB = 'bob-scrollback-session';

async function client(server: WslabServer, cookie: string): Promise<WebSocket> {
  const ws = new WebSocket(`${server.url.replace('http', 'ws')}/lab/echo`, { perMessageDeflate: false, headers: { Cookie: `wslab_session=${cookie}` } });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return ws;
}

async function echo(ws: WebSocket, n: number, prefix: string): Promise<void> {
  let got = 0;
  const all = new Promise<void>((resolve) => {
    const on = () => {
      if (++got < n) return;
      ws.off('message', on);
      resolve();
    };
    ws.on('message', on);
  });
  for (let i = 0; i < n; i++) ws.send(`${prefix}${i}`);
  await all;
}

describeWithChromium('/inspect scrolling back in a workshop', () => {
  let server: WslabServer;
  let browser: Browser;
  let page: Page;
  const sockets: WebSocket[] = [];
  useBrowserSuite((suite) => ({ server, browser, page } = suite), { server: { workshop: { presenterKey: KEY } }, page: { viewport: { width: 1440, height: 900 } } });
  afterAll(() => {
    for (const ws of sockets) ws.terminate();
  });

  test("Ada's page loads her older frames through windows of Bob's traffic, and none of Bob's", async () => {
    const ada = await client(server, ADA);
    const bob = await client(server, BOB);
    sockets.push(ada, bob);
    await echo(ada, 300, 'ada-old-');
    await echo(bob, 800, 'bob-');
    await echo(ada, 50, 'ada-new-');
    // what Ada may read, as the server scopes it for her cookie
    const text = await (await fetch(`${server.url}/__wslab/events?since=0`, { headers: { Cookie: `wslab_session=${ADA}` } })).text();
    const hers = text.trim().split('\n').map((l) => JSON.parse(l) as WslabEvent);
    const frames = hers.filter((e) => e.type === 'frame').map((e) => e.seq);
    expect(hers.some((e) => e.type === 'message' && e.text?.startsWith('bob-'))).toBe(false);
    expect(frames.length).toBe(700);

    await page.context().addCookies([{ name: 'wslab_session', value: ADA, url: server.url }]);
    await page.goto(`${server.url}/inspect`);
    const head = server.bus.headSeq;
    const floor = head - 2000;
    const count = () => page.locator('.frame-scroll').getAttribute('data-count').then(Number);
    const older = () => page.locator('.older-line').textContent();
    // the recent window holds Ada's last 50 echoes (100 frames) among Bob's 800
    await expect.poll(count, { timeout: 15_000 }).toBe(frames.filter((s) => s >= floor).length);
    const before = hers.filter((e) => e.seq < floor && e.type !== 'workshop').length;
    await expect.poll(older, { timeout: 15_000 }).toMatch(/^[\d,]+ older events on the server — scroll to the top/);
    // her own older events only (the anchors of her live connection she already holds among them)
    const said = Number((await older())!.split(' ')[0].replace(/,/g, ''));
    expect(said).toBeGreaterThanOrEqual(before);
    expect(said).toBeLessThanOrEqual(hers.filter((e) => e.seq < floor).length);

    for (let i = 0; i < 6 && (await older()) !== 'This is the beginning of the history.'; i++) {
      await page.locator('.frame-scroll').evaluate((el) => el.scrollTo({ top: 0 }));
      await expect.poll(older, { timeout: 20_000 }).not.toContain('loading');
    }
    await expect.poll(older, { timeout: 15_000 }).toBe('This is the beginning of the history.');
    expect(await count()).toBe(frames.length);
    const listed = await page.locator('.frame-scroll').evaluate(async (el) => {
      const seen = new Map<number, string>();
      for (let top = 0; top <= el.scrollHeight; top += el.clientHeight / 2) {
        el.scrollTop = top;
        await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        for (const row of el.querySelectorAll<HTMLElement>('.frame-row')) seen.set(Number(row.dataset.seq), row.querySelector('.c-preview')!.textContent!);
      }
      return [...seen.entries()].sort((a, b) => a[0] - b[0]);
    });
    expect(listed.map(([seq]) => seq)).toEqual(frames);
    expect(listed.filter(([, preview]) => preview.startsWith('bob-'))).toEqual([]);
    await page.locator('.frame-scroll').evaluate((el) => el.scrollTo({ top: 0 }));
    await screenshot(page, 'inspect-scrollback-workshop');
  });
});
