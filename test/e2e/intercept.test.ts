// The Intercept panel in Chromium, in front of a real `ws` echo server: a hold rule added with the
// form, a real client's message held, edited in the page and forwarded, a message injected to the
// client from the page, both legs listed with their mode, and the connection view saying which leg
// it shows. Screenshots at 1440x900 and 390x844.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { mkdirSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import WebSocket from 'ws';
import { startWslab, type WslabServer } from '../../server/app.ts';
import { describeWithChromium, launchChromium, screenshot } from '../helpers/chromium.ts';
import { wsUpstream, type Upstream } from '../helpers/upstreams.ts';

const SHOTS = process.env.WSLAB_SHOTS_DIR;

describeWithChromium('/intercept', () => {
  let up: Upstream;
  let server: WslabServer;
  let browser: Browser;
  let page: Page;
  let client: WebSocket | undefined;
  const got: string[] = [];

  beforeAll(async () => {
    up = await wsUpstream();
    server = await startWslab({ port: 0, host: '127.0.0.1', heartbeat: { intervalMs: 0 }, proxy: { target: `ws://127.0.0.1:${up.port}/app` } });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 }, colorScheme: 'light' });
  });
  afterAll(async () => {
    client?.terminate();
    await browser?.close();
    await server?.close();
    await up?.close();
  });

  const shot = async (p: Page, name: string) => {
    await screenshot(p, name, { fullPage: true });
    if (SHOTS) {
      mkdirSync(SHOTS, { recursive: true });
      await p.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
    }
  };

  test('a hold rule from the form holds a real message; it is edited and forwarded from the page', async () => {
    await page.goto(`${server.url}/intercept`);
    await page.getByText('No rule: new proxied connections are relayed byte for byte.').waitFor();
    const form = page.getByRole('form', { name: 'New rule' });
    await form.getByLabel('match (regex)').fill('^order');
    await form.getByRole('button', { name: 'Add rule' }).click();
    await expect.poll(() => page.locator('[data-rule="r1"]').textContent()).toContain('hold: client → upstream messages matching /^order/');
    // a bad pattern: the server's sentence, shown
    await form.getByLabel('match (regex)').fill('(?<=a)b');
    await form.getByRole('button', { name: 'Add rule' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('match may not use a lookbehind (?<=…)');

    client = new WebSocket(`${server.url.replace('http', 'ws')}/shop`, { perMessageDeflate: false });
    client.on('message', (d) => got.push(d.toString()));
    await new Promise((resolve, reject) => {
      client!.once('open', resolve);
      client!.once('error', reject);
    });
    client.send('order 1 apple');
    const held = page.locator('[data-held="h1"]');
    await held.waitFor();
    expect(await held.locator('.icp-held-head').textContent()).toMatch(/^h1 client → upstream on c\d+ · rule r1 · text, 13 bytes$/);
    await expect.poll(() => page.locator('.icp-conns tr').count()).toBe(2);
    const modes = await page.locator('.icp-conns tr .icp-mode').allTextContents();
    expect(modes.map((m) => m.replace(/c\d+/, 'cN'))).toEqual(['intercept: client leg (upstream leg cN)', 'intercept: upstream leg (client leg cN)']);
    await shot(page, 'intercept-1440');
    await held.getByRole('textbox').fill('order 2 apples');
    await held.getByRole('button', { name: 'Forward' }).click();
    await expect.poll(() => got).toEqual(['order 2 apples']);
    await page.getByText('Nothing held.', { exact: false }).waitFor();

    const inject = page.getByRole('form', { name: 'Inject a message' });
    await inject.getByLabel('text').fill('hello from the page');
    await inject.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => got).toEqual(['order 2 apples', 'hello from the page']);
  });

  test('the connection view names the mode and the leg', async () => {
    const conn = (await page.locator('.icp-conns tr').first().getAttribute('data-conn'))!;
    await page.goto(`${server.url}/inspect?conn=${conn}`);
    const view = page.locator(`.conn-view[data-conn="${conn}"]`);
    await view.waitFor();
    await expect.poll(() => view.locator('.conn-proxy-mode').textContent()).toMatch(/^intercept mode, client ↔ wslab leg; other leg c\d+ · Intercept$/);
  });

  test('reads on a phone', async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, colorScheme: 'light' });
    await phone.goto(`${server.url}/intercept`);
    await phone.locator('[data-rule="r1"]').waitFor();
    client!.send('order 3 pears');
    await phone.locator('[data-held="h2"]').waitFor();
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBe(0);
    await shot(phone, 'intercept-390');
    await phone.close();
  });
});
