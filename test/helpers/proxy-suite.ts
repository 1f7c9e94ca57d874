// The browser suite of a `wslab proxy` page: a real `ws` echo server as the upstream, wslab
// proxying to it, the system Chromium and one 1440×900 page; clients through the proxy that are
// closed with the rest; screenshots saved under test-output/screenshots (and $WSLAB_SHOTS_DIR).
//
//   describeWithChromium('/intercept', () => {
//     let s: ProxySuite;
//     useProxySuite((suite) => (s = suite));
//     test('…', async () => { await s.page.goto(`${s.server.url}/intercept`); const ws = await s.client('/shop'); … });
//   });
import { afterAll, beforeAll } from 'vitest';
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import WebSocket from 'ws';
import { startWslab, type WslabServer } from '../../server/app.ts';
import { launchChromium, screenshot } from './chromium.ts';
import { wsUpstream, type Upstream } from './upstreams.ts';

export interface ProxySuite {
  up: Upstream;
  server: WslabServer;
  browser: Browser;
  /** 1440×900, light */
  page: Page;
  /** a ws client through the proxy on `path`, open; terminated after the suite */
  client(path: string, options?: WebSocket.ClientOptions): Promise<WebSocket>;
  /** a screenshot of `p` named `name` */
  shot(p: Page, name: string, options?: { fullPage?: boolean }): Promise<void>;
}

/**
 * Call inside describeWithChromium. `bind` gets the suite once it is up, before the suite's own
 * beforeAll hooks run; everything is closed after the suite's own afterAll hooks.
 */
export function useProxySuite(bind: (suite: ProxySuite) => void, options: { upstreamPath?: string } = {}): void {
  const clients: WebSocket[] = [];
  let made: Partial<ProxySuite> = {};
  beforeAll(async () => {
    const up = (made.up = await wsUpstream());
    const server = (made.server = await startWslab({
      port: 0,
      host: '127.0.0.1',
      heartbeat: { intervalMs: 0 },
      proxy: { target: `ws://127.0.0.1:${up.port}${options.upstreamPath ?? '/app'}` },
    }));
    const browser = (made.browser = await launchChromium());
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, colorScheme: 'light' });
    const client = async (path: string, opts: WebSocket.ClientOptions = {}) => {
      const ws = new WebSocket(`${server.url.replace('http', 'ws')}${path}`, { perMessageDeflate: false, ...opts });
      clients.push(ws);
      await new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      });
      return ws;
    };
    const shot = async (p: Page, name: string, o: { fullPage?: boolean } = {}) => {
      await screenshot(p, name, o);
      const dir = process.env.WSLAB_SHOTS_DIR;
      if (dir) {
        mkdirSync(dir, { recursive: true });
        await p.screenshot({ path: `${dir}/${name}.png`, fullPage: o.fullPage ?? false });
      }
    };
    made = { up, server, browser, page, client, shot };
    bind(made as ProxySuite);
  });
  afterAll(async () => {
    for (const ws of clients) ws.terminate();
    await made.browser?.close();
    await made.server?.close();
    await made.up?.close();
  });
}
