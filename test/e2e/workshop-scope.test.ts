// Workshop streams in real Chromium: a participant's page opens the event stream the way every page
// does (recent=2000, format=bin) and receives its own connection's frames and none of another
// participant's; the presenter's page opens it with a ticket and receives everyone's. The pages
// run without Worker so their stream socket is the page's own and its frames can be read here.
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser, BrowserContext, Page, WebSocket as PwSocket } from 'playwright-core';
import WebSocket from 'ws';
import { startWslab, type WslabServer } from '../../server/app.ts';
import { describeWithChromium, launchChromium } from '../helpers/chromium.ts';
import { renderBatch } from '../../server/core/events/records.ts';
import { publicSessionId } from '../../server/http/session.ts';

const KEY = 'presenter-key-e2e-scope-0001';
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 10_000 });

interface Seen {
  urls: string[];
  events: { type: string; conn?: string; text?: string | null }[];
}

describeWithChromium('workshop streams scoped in Chromium', () => {
  let server: WslabServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const clients: WebSocket[] = [];

  async function pageWithStream(): Promise<{ page: Page; seen: Seen; context: BrowserContext }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    await page.addInitScript(() => {
      // the store then reads the stream on the page itself (store.ts's fallback)
      delete (window as { Worker?: unknown }).Worker;
    });
    const seen: Seen = { urls: [], events: [] };
    page.on('websocket', (ws: PwSocket) => {
      if (!ws.url().includes('/__wslab/events')) return;
      seen.urls.push(ws.url());
      ws.on('framereceived', ({ payload }) => {
        const text = typeof payload === 'string' ? payload : renderBatch(new Uint8Array(payload));
        for (const line of text.split('\n')) if (line) seen.events.push(JSON.parse(line));
      });
    });
    return { page, seen, context };
  }

  async function talk(cookie: string, text: string): Promise<string> {
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/lab/echo`, { headers: { Cookie: `wslab_session=${cookie}` } });
    clients.push(ws);
    await new Promise((r) => ws.once('open', r));
    const echoed = new Promise((r) => ws.once('message', r));
    ws.send(text);
    await echoed;
    // its connection: the newest of that session's
    return [...server.registry.all()].filter((r) => r.meta.owner === publicSessionId(cookie)).pop()!.meta.conn;
  }

  beforeAll(async () => {
    server = await startWslab({ port: 0, host: '127.0.0.1', workshop: { presenterKey: KEY } });
    browser = await launchChromium();
  });

  afterAll(async () => {
    for (const c of clients) c.terminate();
    for (const c of contexts) await c.close();
    await browser?.close();
    await server?.close();
  });

  test("a participant's page reads its own frames and never another participant's, the presenter's page reads both", async () => {
    const ada = await pageWithStream();
    await ada.page.goto(`${server.url}/inspect`);
    const cookie = (await ada.context.cookies()).find((c) => c.name === 'wslab_session')!.value;
    const bobConn = await talk('bob-cookie-e2e', 'bob-secret-1');
    const adaConn = await talk(cookie, 'ada-visible-1');
    await poll(() => ada.seen.events.some((e) => e.type === 'message' && e.conn === adaConn && e.text === 'ada-visible-1')).toBe(true);
    expect(ada.seen.urls[0]).toMatch(/[?&]recent=2000(&|$)/);
    expect(ada.seen.urls[0]).toMatch(/[?&]format=bin(&|$)/);
    // the frame list shows Ada's echo
    await poll(() => ada.page.locator('.frame-scroll .frame-row').count()).toBeGreaterThan(0);

    const presenter = await pageWithStream();
    await presenter.page.goto(`${server.url}/workshop?key=${KEY}`);
    const bobConn2 = await talk('bob-cookie-e2e', 'bob-secret-2');
    await poll(() => presenter.seen.events.some((e) => e.type === 'message' && e.conn === bobConn2 && e.text === 'bob-secret-2')).toBe(true);
    expect(presenter.seen.events.some((e) => e.type === 'message' && e.conn === bobConn && e.text === 'bob-secret-1')).toBe(true);
    expect(presenter.seen.urls.some((u) => /[?&]ticket=[A-Za-z0-9_-]{24}/.test(u))).toBe(true);

    // by now Bob has sent twice while Ada's page was open: nothing of his reached it
    await talk(cookie, 'ada-visible-2');
    await poll(() => ada.seen.events.some((e) => e.type === 'message' && e.text === 'ada-visible-2')).toBe(true);
    expect(ada.seen.events.filter((e) => e.conn === bobConn || e.conn === bobConn2 || JSON.stringify(e).includes('bob-secret'))).toEqual([]);
    expect(ada.seen.events.filter((e) => e.type === 'handshake').map((e) => e.conn)).not.toContain(bobConn);
  });
});
